"""Shared machinery of the rule components: run each rule over each sentence, keep what parses."""

from __future__ import annotations

import bisect
import re
from bisect import bisect_right
from collections import defaultdict
from functools import cache

from spacy.tokens import Doc

from pipeline.extensions import Found, add_found, doc_text, lowered_text, sentence_spans
from pipeline.patterns import Rule, has_numeral, load_rules

# The gate of rules marked ``number``: a digit or a quantity word, "a", "an", "once" and "twice" included ("a
# dozen", "twice daily"). Looser than ``has_numeral``, which only says whether a {NUM} or {NUMD} match is possible.
HAS_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                        r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                        r"ninety|hundred|thousand|million|a|an|once|twice)\b")


def rule_applies(rule: Rule, lower_sentence: str, has_number: bool = True, numeral: bool = True,
                 ascii_text: bool = False) -> bool:
    """Cheap gates before the regex: a rule with ``any`` runs only where one of its words occurs,
    a rule with ``number`` only in sentences that hold a number, a rule that cannot match without a numeral
    (``Rule.numeral``) only where ``numeral`` (``has_numeral``) says the sentence holds one, and in an ASCII
    sentence (``ascii_text``) only where it holds the strings the rule's pattern cannot match without
    (``Rule.literals``)."""
    if rule.attrs.get("number") and not has_number:
        return False
    if rule.numeral and not numeral:
        return False
    words = rule.attrs.get("any")
    if words and not any(w in lower_sentence for w in words):
        return False
    return not ascii_text or holds_literals(rule, lower_sentence)


def holds_literals(rule: Rule, lower_sentence: str) -> bool:
    """Whether a lowered ASCII sentence holds one string of each of the rule's ``literals`` sets."""
    return all(any(w in lower_sentence for w in needed) for needed in rule.literals)


@cache
def _unless(pattern: str) -> re.Pattern:
    """A cue rule's ``unless``: a regex over the sentence that, where it matches, vetoes the rule's cue."""
    return re.compile(pattern, re.I)


def unless_vetoes(rule: Rule, match: re.Match, sent_text: str) -> bool:
    """Whether the rule's ``unless`` regex vetoes ``match``: anywhere in the sentence, or with ``unless_within``
    only that many characters around the match."""
    unless = rule.attrs.get("unless")
    if not unless:
        return False
    near = rule.attrs.get("unless_within")
    scope = sent_text if near is None else sent_text[max(0, match.start() - near):match.end() + near]
    return bool(_unless(unless).search(scope))


class SentenceReads:
    """What the rule components read of one Doc's sentences, once per document rather than once per rule or
    component (kept on the Doc): each sentence's text, lowered text, whether it holds a number, a numeral, only
    ASCII (and the sentences holding a number, a numeral, as sets); and for each of the rules' ``any`` words, the
    sentences whose lowered text holds it (rules and components share words). ``applicable(rule)`` gives, from
    these, exactly the sentences ``rule_applies`` accepts."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc_text(doc)
        self.sents = sentence_spans(doc)
        self.lowered = lowered_text(doc)
        self.starts = [start for start, _ in self.sents]
        self._reads = [_read(self.text[start:end]) for start, end in self.sents]
        self.every = frozenset(range(len(self.sents)))
        self.with_number = frozenset(k for k, got in enumerate(self._reads) if got[2])
        self.with_numeral = frozenset(k for k, got in enumerate(self._reads) if got[3])
        self._holding: dict[str, frozenset[int]] = {}
        self._any_of: dict[tuple[str, ...], frozenset[int]] = {}

    def read(self, s_idx: int) -> tuple[str, str, bool, bool, bool]:
        """(text, lowered, holds a number, holds a numeral, is ASCII) of sentence ``s_idx``."""
        return self._reads[s_idx]

    def holding(self, word: str, within: str | None = None) -> frozenset[int]:
        """The sentences whose lowered text holds ``word``. ``within``: a shorter word it holds, whose sentences
        are the only ones that can hold it, so only they are read. Otherwise an ASCII word is looked for once in
        the lowered document: lowering is the same character by character there as in one sentence (only a Greek
        capital sigma lowers by context, and it is not ASCII). Other words, or a text whose lowering changes its
        length, are looked for sentence by sentence."""
        found = self._holding.get(word)
        if found is None:
            if within is not None:
                found = frozenset(k for k in self.holding(within) if word in self.read(k)[1])
            elif self.lowered is None or not word or not word.isascii():
                found = frozenset(k for k in range(len(self.sents)) if word in self.read(k)[1])
            else:
                found = frozenset(_sentences_holding(word, self.lowered, self.sents, self.starts))
            self._holding[word] = found
        return found

    def any_of(self, words: tuple[str, ...], within: dict[str, str] | None = None) -> frozenset[int]:
        """The sentences holding one of ``words`` (``within``: a shorter word each holds, where known)."""
        found = self._any_of.get(words)
        if found is None:
            within = within or {}
            found = self._any_of[words] = frozenset().union(*(self.holding(w, within.get(w)) for w in words))
        return found

    def applicable(self, rule: Rule, within: dict[str, str] | None = None) -> list[int]:
        """The sentences ``rule_applies`` accepts for ``rule``, in order: those holding one of its ``any`` words,
        then the number and numeral gates, then (in an ASCII sentence) its ``literals``."""
        words = rule.attrs.get("any")
        sentences = self.any_of(tuple(words), within) if words else self.every
        if rule.attrs.get("number"):
            sentences = sentences & self.with_number
        if rule.numeral:
            sentences = sentences & self.with_numeral
        if not rule.literals:
            return sorted(sentences)
        out = []
        for k in sorted(sentences):
            _, lower, _, _, ascii_text = self._reads[k]
            if ascii_text and not holds_literals(rule, lower):
                continue
            out.append(k)
        return out


def _read(sentence: str) -> tuple[str, str, bool, bool, bool]:
    lower = sentence.lower()
    return sentence, lower, bool(HAS_NUMBER.search(lower)), has_numeral(sentence), sentence.isascii()


def shorter_words(words: set[str]) -> dict[str, str]:
    """For each of ``words`` that holds another of them, the longest such one ("patients" -> "patient")."""
    out = {}
    for word in words:
        inner = [w for w in words if w != word and w and w in word]
        if inner:
            out[word] = max(inner, key=lambda w: (len(w), w))
    return out


def _sentences_holding(word: str, lowered: str, sents: list[tuple[int, int]], starts: list[int]) -> set[int]:
    """The sentences within whose span ``word`` occurs in ``lowered``; once found in one, the search goes on
    after its end."""
    found: set[int] = set()
    size = len(word)
    pos = lowered.find(word)
    while pos != -1:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos + size <= sents[k][1]:
            found.add(k)
            pos = lowered.find(word, sents[k][1])
        else:
            pos = lowered.find(word, pos + 1)
    return found


class RuleComponent:
    """Subclasses set ``rules_name``/``span_key``/``label`` and implement ``parse``."""

    rules_name = ""
    span_key = ""
    label = ""

    def __init__(self) -> None:
        self.rules: tuple[Rule, ...] = load_rules(self.rules_name)
        self.within = shorter_words({w for rule in self.rules for w in rule.attrs.get("any") or ()})

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | list[Found] | None:
        """One match -> a Found, several (one phrase naming several values), or None to drop it."""
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        for item in self.resolve(self.collect(doc)):
            add_found(doc, self.span_key, item)
        if self.span_key not in doc.spans:
            doc.spans[self.span_key] = []
        return doc

    def collect(self, doc: Doc) -> list[Found]:
        """Every rule over every sentence it applies to; parsed matches in sentence order, then rule order."""
        if doc._.sent_reads is None:
            doc._.sent_reads = SentenceReads(doc)
        reads: SentenceReads = doc._.sent_reads
        keyed: list[tuple[int, int, int, Found]] = []
        for r_idx, rule in enumerate(self.rules):
            for s_idx in reads.applicable(rule, self.within):
                sent_text = reads.read(s_idx)[0]
                start = reads.starts[s_idx]
                for match in rule.regex.finditer(sent_text):
                    parsed = self.parse(match, rule, sent_text, start)
                    for item in parsed if isinstance(parsed, list) else [parsed] if parsed else []:
                        item.sent = s_idx
                        keyed.append((s_idx, r_idx, len(keyed), item))
        keyed.sort(key=lambda k: k[:3])
        return [item for *_, item in keyed]

    def resolve(self, found: list[Found]) -> list[Found]:
        """Drop matches overlapping an earlier-listed rule's match (rule order = priority)."""
        kept: list[Found] = []
        # Kept matches by sentence (a match never crosses one), sorted by start, with the longest length:
        # only those starting within that length before a match can overlap it, so a sentence with
        # thousands of matches is not checked pair by pair.
        by_start: dict[int | None, list[tuple[int, int, Found]]] = defaultdict(list)
        longest: dict[int | None, int] = defaultdict(int)
        for n, item in enumerate(found):
            starts = by_start[item.sent]
            lo = bisect.bisect_left(starts, (item.start - longest[item.sent], -1))
            hi = bisect.bisect_left(starts, (item.end, -1))
            # values of one list share their phrase; other overlaps lose to the earlier rule
            if not any(k.start < item.end and item.start < k.end and not (k.rule_id == item.rule_id and
                       (k.start, k.end) == (item.start, item.end)) for _, _, k in starts[lo:hi]):
                kept.append(item)
                bisect.insort(starts, (item.start, n, item))
                longest[item.sent] = max(longest[item.sent], item.end - item.start)
        return sorted(kept, key=lambda f: f.start)


class CueComponent(RuleComponent):
    """Rules that only mark a cue: each match carries its rule's ``cue_attr`` (a design tag, a
    trial role); cues may overlap, so all are kept."""

    cue_attr = ""

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        if unless_vetoes(rule, match, sent_text):
            return None  # the sentence is about something else ("approved in 12 countries")
        return Found(self.label, offset + match.start(), offset + match.end(), rule.id,
                     {self.cue_attr: rule.attrs[self.cue_attr]})

    def resolve(self, found: list[Found]) -> list[Found]:
        return found

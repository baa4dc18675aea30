"""Shared machinery of the rule components: run each rule over each sentence, keep what parses."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

import ahocorasick
from spacy.tokens import Doc

from pipeline.extensions import Found, add_found, doc_text, sentence_spans
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
    ASCII; and, as bit sets over the sentences (bit k: sentence k), those holding a number, a numeral, only ASCII,
    and those holding each of the words the rules gate on (``gate_words``, found in one scan of each sentence).
    ``applicable(rule)`` gives, from these, exactly the sentences ``rule_applies`` accepts."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc_text(doc)
        self.sents = sentence_spans(doc)
        self.starts = [start for start, _ in self.sents]
        self._reads = [_read(self.text[start:end]) for start, end in self.sents]
        self.every = (1 << len(self.sents)) - 1
        self.with_number = _bits(got[2] for got in self._reads)
        self.with_numeral = _bits(got[3] for got in self._reads)
        self.ascii = _bits(got[4] for got in self._reads)
        self._gate: GateWords | None = None
        self._holding: dict[str, int] = {}
        self._any_of: dict[tuple[str, ...], int] = {}

    def read(self, s_idx: int) -> tuple[str, str, bool, bool, bool]:
        """(text, lowered, holds a number, holds a numeral, is ASCII) of sentence ``s_idx``."""
        return self._reads[s_idx]

    def holding(self, word: str) -> int:
        """The sentences whose lowered text holds ``word``: read from the scan for the gate words, sentence by
        sentence for another word."""
        found = self._scanned().get(word)
        if found is None:
            found = self._holding[word] = _bits(word in got[1] for got in self._reads)
        return found

    def any_of(self, words: tuple[str, ...]) -> int:
        """The sentences holding one of ``words``."""
        found = self._any_of.get(words)
        if found is None:
            holding = self._scanned()
            found = 0
            for word in words:
                bits = holding.get(word)
                found |= self.holding(word) if bits is None else bits
            self._any_of[words] = found
        return found

    def _scanned(self) -> dict[str, int]:
        """The sentences holding each gate word (0 for those none holds), from one scan, on first use."""
        if self._gate is None:
            self._gate = gate_words()
            self._holding = {**dict.fromkeys(self._gate.words, 0), **self._gate.masks([got[1] for got in self._reads])}
        return self._holding

    def applicable(self, rule: Rule) -> list[int]:
        """The sentences ``rule_applies`` accepts for ``rule``, in order: those holding one of its ``any`` words,
        then the number and numeral gates, then (in an ASCII sentence) its ``literals``."""
        words = rule.attrs.get("any")
        sentences = self.any_of(tuple(words)) if words else self.every
        if rule.attrs.get("number"):
            sentences &= self.with_number
        if rule.numeral:
            sentences &= self.with_numeral
        if rule.literals and sentences & self.ascii:
            held = self.every
            for needed in rule.literals:
                held &= self.any_of(needed)
            sentences &= held | (self.every ^ self.ascii)
        return _members(sentences)


def _read(sentence: str) -> tuple[str, str, bool, bool, bool]:
    lower = sentence.lower()
    return sentence, lower, bool(HAS_NUMBER.search(lower)), has_numeral(sentence), sentence.isascii()


def _bits(flags: Iterable[bool]) -> int:
    """The bit set of the positions of the true ``flags``."""
    return sum(1 << k for k, flag in enumerate(flags) if flag)


def _members(bits: int) -> list[int]:
    """The positions of a bit set's ones, in order."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


# Every rule component adds its rules' gate words when built; a Doc's SentenceReads looks for all of them at once.
# Words are only ever added, so their count tells one set from another: a scan is kept for each count.
_GATE_WORDS: set[str] = set()
_GATE_SCANS: dict[int, GateWords] = {}


def add_gate_words(rules: Iterable[Rule]) -> None:
    """Add the ``any`` words and ``literals`` of ``rules`` to the gate words (the empty string, held by every
    text, needs no scan)."""
    for rule in rules:
        _GATE_WORDS.update(word for word in rule.attrs.get("any") or () if word)
        _GATE_WORDS.update(word for needed in rule.literals for word in needed)


def gate_words() -> GateWords:
    """The scan for the gate words added so far."""
    scan = _GATE_SCANS.get(len(_GATE_WORDS))
    if scan is None:
        scan = _GATE_SCANS[len(_GATE_WORDS)] = GateWords(frozenset(_GATE_WORDS))
    return scan


class GateWords:
    """The strings the rule components gate on (their rules' ``any`` words and ``literals``), found in a sentence in
    one scan: an Aho-Corasick automaton (pyahocorasick) of the words reports every occurrence of every word, those
    that overlap or begin others included, so a sentence holds exactly the words ``word in sentence`` says."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self.automaton = ahocorasick.Automaton()
        for word in words:
            self.automaton.add_word(word, word)
        if words:
            self.automaton.make_automaton()

    def masks(self, sentences: list[str]) -> dict[str, int]:
        """For each word held by one of ``sentences``, the bit set of those that hold it (bit k: sentence k)."""
        out: dict[str, int] = {}
        if not self.words:
            return out
        scan = self.automaton.iter
        for k, sentence in enumerate(sentences):
            bit = 1 << k
            for word in {word for _, word in scan(sentence)}:
                out[word] = out.get(word, 0) | bit
        return out


class RuleComponent:
    """Subclasses set ``rules_name``/``span_key``/``label`` and implement ``parse``."""

    rules_name = ""
    span_key = ""
    label = ""

    def __init__(self) -> None:
        self.rules: tuple[Rule, ...] = load_rules(self.rules_name)
        add_gate_words(self.rules)

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
            for s_idx in reads.applicable(rule):
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

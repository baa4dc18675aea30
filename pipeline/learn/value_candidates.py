"""Value candidates with their features: head counts, durations, (number, arm) pairs and outcome values.

Candidates come from rules with high recall (``data/patterns/value_candidates.jsonl`` plus the matches of the
rule components); each keeps the ids of the rules that proposed it. The features describe the words and shapes
around the value, the sentence it sits in and its position, so a trained model can decide which one is the
trial's size, duration or an arm's n.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from re import _constants as sre_constants  # the parsed form of a pattern, read for its ranges
from re import _parser as sre_parse
from typing import Any

from pipeline.components.base import rule_applies
from pipeline.extensions import Found
from pipeline.normalize import as_int, normalize_duration, parse_number
from pipeline.patterns import Rule, load_rules

TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*|[^\sA-Za-z\d]")
PARTICIPATION = re.compile(r"\b(?:randomi[sz]|randomly|enrol|enroll|recruit|took part|participat|signed up|volunteer)", re.I)
CUES = {
    "participation": PARTICIPATION,
    "trial": re.compile(r"\b(?:trial|study|RCT|experiment)\b", re.I),
    "placebo": re.compile(r"\b(?:placebo|sham|control group|usual care)\b", re.I),
    "result": re.compile(r"\b(?:found|reduc\w*|improv\w*|increas\w*|decreas\w*|lower\w*|higher|fewer|more likely|"
                         r"less likely|compared|than|versus)\b", re.I),
    "percent": re.compile(r"%|\bpercent\b|\bper cent\b", re.I),
    "group": re.compile(r"\b(?:group|groups|arm|arms)\b", re.I),
    "assigned": re.compile(r"\b(?:assigned|allocated|given|received|receive|took|got|were treated)\b", re.I),
    "each": re.compile(r"\b(?:each|respectively|half|either)\b", re.I),
    "past_study": re.compile(r"\b(?:previous|earlier|prior|another|other|past) (?:\w+ )?(?:study|studies|trials?)\b", re.I),
    "future": re.compile(r"\b(?:will|plan|planned|planning|aims? to|hope to|next)\b", re.I),
    "followup": re.compile(r"\bfollow(?:ed)?[- ]?up\b|\bfollowed\b", re.I),
    "timepoint": re.compile(r"\b(?:at|after|by|within)\s+(?:the end of\s+)?(?:\w+[- ])?\w+[- ](?:weeks?|months?|years?|days?)\b",
                            re.I),
    "age": re.compile(r"\b(?:aged?|ages|years? old|older|younger)\b", re.I),
    "ongoing": re.compile(r"\b(?:will|aims? to|goal|target|hopes? to|plans? to|expected to)\b", re.I),
}


# what lowering a pattern could change: an upper-case escape (\W, \S, \B, ...), a character by its code (\x41,
# \u0041, \101) or group number, a named group ("(?P<n>"), a flag turned off within the pattern ("(?-i:...)")
CASE_BOUND = re.compile(r"\\[A-Zxu0-9]|\(\?P|\(\?[a-zA-Z]*-")


def lowered_regex(regex: re.Pattern) -> re.Pattern | None:
    """A case-sensitive copy of an ``re.IGNORECASE`` regex that matches the lowered text of an ASCII string where
    ``regex`` matches the string (an ASCII character matches another ignoring case exactly when their lowered
    forms are equal), and is faster; None where lowering the pattern could change its meaning."""
    pattern = regex.pattern
    if not regex.flags & re.I or not pattern.isascii() or CASE_BOUND.search(pattern):
        return None
    if not all(_range_keeps_case(lo, hi) for lo, hi in _ranges(sre_parse.parse(pattern, regex.flags))):
        return None
    return re.compile(pattern.lower(), regex.flags & ~re.I)


def _ranges(node: Any) -> Iterator[tuple[int, int]]:
    """Every character range ("a-z") of a parsed pattern."""
    if isinstance(node, tuple) and len(node) == 2 and node[0] is sre_constants.RANGE:
        yield node[1]
    elif isinstance(node, list | tuple | sre_parse.SubPattern):
        for item in node:
            yield from _ranges(item)


def _range_keeps_case(lo: int, hi: int) -> bool:
    """Whether a range takes the same ASCII characters of lowered text as of the text ignoring case: so a range of
    lower-case letters, or one without letters ("[A-z]" and "[!-a]" do not)."""
    return ord("a") <= lo <= hi <= ord("z") or not any(chr(c).isalpha() for c in range(lo, hi + 1))


def cue_reader(cues: dict[str, re.Pattern]) -> Callable[[str], frozenset[str]]:
    """A function giving the names of ``cues`` whose regex occurs in a text. A sentence is read for every
    candidate in it, so each text is searched once and remembered (the last 1,024 texts). An ASCII text is
    lowered once and searched with the case-sensitive copies (``lowered_regex``) of the ignore-case cues."""
    ascii_cues = []
    for name, regex in cues.items():
        lowered = lowered_regex(regex)
        ascii_cues.append((name, lowered or regex, lowered is not None))

    @lru_cache(maxsize=1024)
    def read(text: str) -> frozenset[str]:
        if not text.isascii():
            return frozenset(name for name, regex in cues.items() if regex.search(text))
        lower = text.lower()
        return frozenset(name for name, regex, on_lower in ascii_cues if regex.search(lower if on_lower else text))
    return read


SENTENCE_CUES = cue_reader(CUES)


@dataclass
class Candidate:
    """A value a rule proposed: what it says, where (``text[start:end]`` is the value's phrase) and why."""

    field: str
    value: object
    start: int
    end: int
    sent: int
    rules: list[str] = field(default_factory=list)
    found: Found | None = None  # the rule component's match, when one proposed it
    features: dict[str, float] = field(default_factory=dict)

    @property
    def rule_id(self) -> str:
        """The first rule of a component, else the first candidate rule."""
        return next((r for r in self.rules if not r.startswith("cand.")), self.rules[0] if self.rules else "")


def candidate_rules(field_name: str) -> tuple[Rule, ...]:
    return tuple(r for r in load_rules("value_candidates") if r.attrs.get("field") == field_name)


def words(text: str) -> list[str]:
    return [_shape(t) for t in TOKEN.findall(text)]


SPACE = re.compile(r"\s")


def last_words(text: str, end: int, width: int) -> list[str]:
    """``words(text[:end])[-width:]``, reading only the end of the text: no token holds a space, so a scan
    started just after one splits what follows as a scan from the start does."""
    lo = end
    while width > 0 and lo > 0:
        lo = max(0, lo - 64)
        space = SPACE.search(text, lo, end) if lo else None
        if space or not lo:
            tokens = TOKEN.findall(text, space.end() if space else 0, end)
            if len(tokens) >= width or not lo:
                return [_shape(t) for t in tokens[-width:]]
    return words(text[:end])[-width:]


def _shape(token: str) -> str:
    if token[0].isdigit():
        return "D" if len(token.replace(",", "")) < 3 else "DDD"
    return token.lower()


def context_features(sent: str, rel_start: int, rel_end: int, width: int = 3) -> dict[str, float]:
    """Words before/after the value (by position and as a bag), and which sentence cues fired."""
    out: dict[str, float] = {}
    before = last_words(sent, rel_start, width)
    after = [_shape(m.group()) for m in islice(TOKEN.finditer(sent, rel_end), width)]
    for k, w in enumerate(reversed(before), 1):
        out[f"p{k}={w}"] = 1.0
    for k, w in enumerate(after, 1):
        out[f"n{k}={w}"] = 1.0
    for w in words(sent[max(0, rel_start - 60):rel_start]):
        out[f"bow_before={w}"] = 0.5
    for w in words(sent[rel_end:rel_end + 60]):
        out[f"bow_after={w}"] = 0.5
    fired = SENTENCE_CUES(sent)
    for name in CUES:
        if name in fired:
            out[f"cue={name}"] = 1.0
    if not before:
        out["sent_initial"] = 1.0
    if re.search(r"\(\s*$", sent[:rel_start]):
        out["in_parens"] = 1.0
    return out


def magnitude_features(value: float) -> dict[str, float]:
    bucket = min(7, int(math.log10(max(value, 1.0)) * 2))
    return {f"mag={bucket}": 1.0, "log_value": math.log10(max(value, 1.0)) / 5}


def position_features(sent: int, first_sent: int, n_sents: int, rank: int) -> dict[str, float]:
    """Where the sentence lies in the trial's sentences and the article, and the candidate's rank in the trial."""
    return {f"trial_sent={min(sent - first_sent, 6)}": 1.0, "article_pos": sent / max(n_sents, 1),
            f"rank={min(rank, 4)}": 1.0}


# --- head counts --------------------------------------------------------------------------


def number_candidates(field_name: str, text: str, sents: list[tuple[int, int]], sent_ids: list[int],
                      found: list[tuple[int, Found]], start_key: str = "n_start") -> list[Candidate]:
    """Head-count-like numbers in the trial's sentences: candidate rules plus the component's matches.
    One candidate per number position; every rule that proposed it is kept."""
    by_pos: dict[tuple[int, int], Candidate] = {}
    for i, f in found:
        s, e = f.data.get(start_key, f.start), f.data.get("n_end", f.end)
        n = f.data.get("n")
        if n is None:
            continue
        cand = by_pos.setdefault((s, e), Candidate(field_name, int(n), s, e, i, found=f))
        cand.found = cand.found or f
        cand.rules.append(f.rule_id)
    rules = candidate_rules("size")
    for i in sent_ids:
        s0, e0 = sents[i]
        sent = text[s0:e0]
        lower = sent.lower()
        if not re.search(r"\d|\b(?:hundred|thousand|dozen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b|"
                         r"\b(?:ten|eleven|twelve|[a-z]+teen)\b|\b(?:two|three|four|five|six|seven|eight|nine)\b",
                         sent, re.I):
            continue
        ascii_text = sent.isascii()  # once per sentence, not once per rule
        for rule in rules:
            if not rule_applies(rule, lower, ascii_text=ascii_text):
                continue
            for m in rule.regex.finditer(sent):
                value = as_int(parse_number(m.group("n")))
                if value is None or value < 2 or (1900 <= value <= 2100 and "," not in m.group("n")):
                    continue
                s, e = s0 + m.start("n"), s0 + m.end("n")
                key = next(((a, b) for a, b in by_pos if a <= s < b or s <= a < e), (s, e))
                cand = by_pos.setdefault(key, Candidate(field_name, value, s, e, i))
                if rule.id not in cand.rules:
                    cand.rules.append(rule.id)
    return sorted(by_pos.values(), key=lambda c: c.start)


def size_features(text: str, sents: list[tuple[int, int]], cands: list[Candidate], first_sent: int,
                  rule_pick: Found | None) -> None:
    """Fill ``features`` of the trial-size candidates of one trial."""
    values = sorted({c.value for c in cands}, reverse=True)
    for rank, cand in enumerate(cands):
        s0, e0 = sents[cand.sent]
        sent = text[s0:e0]
        x = context_features(sent, cand.start - s0, cand.end - s0)
        x.update(magnitude_features(float(cand.value)))
        x.update(position_features(cand.sent, first_sent, len(sents), rank))
        for r in cand.rules:
            x[f"rule={r}"] = 1.0
        if cand.found is not None:
            x[f"strength={cand.found.data.get('strength', 0)}"] = 1.0
            if cand.found.data.get("qualifier"):
                x["qualified"] = 1.0
            if cand.found.data.get("target"):
                x["target"] = 1.0
        if rule_pick is not None and rule_pick.data.get("n_start") == cand.start:
            x["rule_pick"] = 1.0
        x[f"value_rank={min(values.index(cand.value), 3)}"] = 1.0
        x["repeats"] = min(3, sum(1 for c in cands if c.value == cand.value) - 1) / 3
        if not text[cand.start].isdigit():
            x["number_word"] = 1.0
        cand.features = x


# --- durations --------------------------------------------------------------------------


# Ages, dates in the past, prices and time points are not lengths of a trial ("a 5-year-old", "aged 80 years and
# above", "two years ago", "$500 a month", "at 12 months": GUIDELINE 4.4). No \b after the age words: footnote markers
# stick to them ("above1").
NOT_A_SPAN_AFTER = re.compile(r"[\s-]*(?:old\b|of age\b|ago\b|(?:or|and) (?:older|over|above|younger|under)|of life\b)",
                              re.I)
NOT_A_SPAN_BEFORE = re.compile(r"(?:\b(?:aged?|ages|at|after|by|within|over the (?:past|last)|in the (?:past|last))|\$[\d,.]+|"
                               r"[≥≤<>]|\d\s*(?:to|-|–))\s*$", re.I)


# How long someone has had a disease is not how long the trial ran ("people who have had Type 2 diabetes for up to 10
# years").
HISTORY_BEFORE = re.compile(r"\b(?:had|have had|has had|living with|lived with|suffered from|suffering from|"
                            r"diagnosed with)\b[^.;]{0,60}\bfor (?:up to |more than |at least |about |nearly |over )?$", re.I)


def duration_candidates(text: str, sents: list[tuple[int, int]], sent_ids: list[int],
                        found: list[tuple[int, Found]]) -> list[Candidate]:
    """Every "N days/weeks/months/years" in the trial's sentences, keyed by where its number starts."""
    by_pos: dict[int, Candidate] = {}
    rules = candidate_rules("duration")
    for i in sent_ids:
        s0, e0 = sents[i]
        sent = text[s0:e0]
        low = sent.lower()
        if not any(u in low for u in ("day", "week", "month", "year", "night", "wk")):
            continue
        ascii_text = sent.isascii()  # once per sentence, not once per rule
        for rule in rules:
            if not rule_applies(rule, low, ascii_text=ascii_text):
                continue
            for m in rule.regex.finditer(sent):
                value = normalize_duration(m.group("n"), m.group("unit"))
                before = sent[:m.start()]
                if (value is None or NOT_A_SPAN_AFTER.match(sent[m.end():]) or NOT_A_SPAN_BEFORE.search(before)
                        or HISTORY_BEFORE.search(before[-120:])):
                    continue
                cand = by_pos.setdefault(s0 + m.start(), Candidate("duration", value, s0 + m.start(), s0 + m.end(), i))
                cand.rules.append(rule.id)
    for i, f in found:
        key = next((k for k, c in by_pos.items() if f.start <= k < f.end and c.value == f.data["duration"]), None)
        if key is None:
            by_pos[f.start] = Candidate("duration", f.data["duration"], f.start, f.end, i, [f.rule_id], f)
        else:
            by_pos[key].rules.insert(0, f.rule_id)
            by_pos[key].found = f
    return sorted(by_pos.values(), key=lambda c: c.start)


def duration_features(text: str, sents: list[tuple[int, int]], cands: list[Candidate], first_sent: int,
                      rule_pick: Found | None) -> None:
    for rank, cand in enumerate(cands):
        s0, e0 = sents[cand.sent]
        sent = text[s0:e0]
        x = context_features(sent, cand.start - s0, cand.end - s0)
        x.update(position_features(cand.sent, first_sent, len(sents), rank))
        number, unit = str(cand.value).split(" ", 1)
        x[f"unit={unit.rstrip('s')}"] = 1.0
        x["log_value"] = math.log10(max(float(number), 1.0))
        for r in cand.rules:
            x[f"rule={r}"] = 1.0
        if rule_pick is not None and cand.found is rule_pick:
            x["rule_pick"] = 1.0
        if "-" in text[cand.start:cand.end]:
            x["hyphenated"] = 1.0
        x["repeats"] = min(3, sum(1 for c in cands if c.value == cand.value) - 1) / 3
        cand.features = x


# --- arm sizes: (number, arm) pairs --------------------------------------------------------

COMPARATOR_ARM = re.compile(r"\b(?:placebo|sham|control|usual care|standard|dummy|sugar pill)\b", re.I)


def _gap_bucket(chars: int) -> str:
    return "0" if chars <= 3 else "s" if chars <= 25 else "m" if chars <= 60 else "l"


def arm_pair_features(text: str, sent: tuple[int, int], cand: Candidate, arm: Any, arms: list[Any],
                      mentions: list[tuple[int, Any]], trial_size: int | None) -> dict[str, float]:
    """Features of "``cand`` is the n of ``arm``": the number's context, the arm's kind, and where the arm is
    named relative to the number (``mentions``: (position, arm) in the number's sentence, in text order)."""
    s0, e0 = sent
    sentence = text[s0:e0]
    x = {k: v for k, v in cand.features.items() if not k.startswith(("bow", "article_pos", "trial_sent", "rank", "_"))}
    x["comparator_arm"] = float(bool(COMPARATOR_ARM.search(arm.label)))
    x["dosed_arm"] = float(bool(arm.doses))
    x[f"n_arms={min(len(arms), 4)}"] = 1.0
    if arm.n_start is not None and arm.n_start <= cand.start < (arm.n_end or arm.n_start + 1):
        x["rules_assigned"] = 1.0
    elif arm.n is not None:
        x["arm_has_rule_n"] = 1.0
    if trial_size is not None and cand.value == trial_size:
        x["is_trial_size"] = 1.0
    mine = [p for p, a in mentions if a is arm]
    if not mine:
        x["arm_not_in_sentence"] = 1.0
        return x
    nearest = min(mentions, key=lambda m: abs(m[0] - cand.start))
    if nearest[1] is arm:
        x["nearest_arm"] = 1.0
    after = [m for m in mentions if m[0] >= cand.end]
    before = [m for m in mentions if m[0] < cand.start]
    if after and after[0][1] is arm:
        x["next_arm"] = 1.0
        gap = sentence[cand.end - s0:after[0][0] - s0]
        x[f"gap_after={_gap_bucket(len(gap))}"] = 1.0
        for w in words(gap)[:6]:
            x[f"between_after={w}"] = 1.0
    if before and before[-1][1] is arm:
        x["previous_arm"] = 1.0
        gap = sentence[before[-1][0] - s0:cand.start - s0]
        x[f"gap_before={_gap_bucket(len(gap))}"] = 1.0
        for w in words(gap)[-6:]:
            x[f"between_before={w}"] = 1.0
    order = list(dict.fromkeys(id(a) for _, a in mentions))
    x["order_match"] = float(order.index(id(arm)) == cand.features.get("_sent_rank", -1))
    return x


# --- outcome values: keep or drop -----------------------------------------------------------

NOT_RESULT = {
    "baseline": re.compile(r"\b(?:at baseline|at the start|before (?:the )?(?:treatment|study|trial)|eligib|inclusion|"
                           r"had to have|were required)\b", re.I),
    "demographic": re.compile(r"\b(?:aged?|average age|mean age|median age|women|men|white|black|years old)\b", re.I),
    "background": re.compile(r"\b(?:each year|every year|annually|worldwide|in the (?:U\.?S\.?|United States)|"
                             r"nationwide|population|prevalence|affects|estimated)\b", re.I),
    "money": re.compile(r"\$|\b(?:cost|price|dollars|million|billion|sales|revenue)\b", re.I),
    "earlier": re.compile(r"\b(?:previous|earlier|prior|past) (?:\w+ )?(?:stud|trial|research)", re.I),
    "significance": re.compile(r"\b(?:p\s?[<=]|p-value|confidence interval|statistically significant|significant(?:ly)?)\b",
                               re.I),
    "comparison": re.compile(r"\b(?:compared (?:with|to)|versus|vs\.?|than|while|whereas)\b", re.I),
    "group": re.compile(r"\b(?:group|groups|arm|arms|placebo|control)\b", re.I),
}

OUTCOME_CUE_TABLE = {**CUES, **NOT_RESULT}
OUTCOME_CUES = cue_reader(OUTCOME_CUE_TABLE)


def outcome_features(text: str, sent: tuple[int, int], outcome: Any, position: float) -> dict[str, float]:
    """Features of "this outcome value is a reported result of the trial"."""
    s0, e0 = sent
    sentence = text[s0:e0]
    clause = text[outcome.start:outcome.end]
    x: dict[str, float] = {f"rule={outcome.rule_id}": 1.0, f"unit={outcome.unit or '-'}": 1.0,
                           f"direction={outcome.direction or '-'}": 1.0, "sent_pos": position}
    arm = (outcome.arm or "-").lower()
    x[f"arm={arm if arm in ('all', 'all groups', 'between groups') else 'named'}"] = 1.0
    if outcome.value is not None:
        x.update(magnitude_features(abs(float(outcome.value))))
        if float(outcome.value).is_integer():
            x["integer"] = 1.0
    for key in ("baseline", "upper", "count", "p_value", "ci", "timepoint", "qualifier", "comparator"):
        if getattr(outcome, key) not in (None, [], ""):
            x[f"has_{key}"] = 1.0
    for w in words(clause)[:3]:
        x[f"clause_first={w}"] = 1.0
    for w in set(words(clause)):
        x[f"clause={w}"] = 0.5
    in_clause, in_sentence = OUTCOME_CUES(clause), OUTCOME_CUES(sentence)
    for name in OUTCOME_CUE_TABLE:
        if name in in_clause:
            x[f"clause_cue={name}"] = 1.0
        elif name in in_sentence:
            x[f"sent_cue={name}"] = 1.0
    for hedge in outcome.hedges or ():
        x[f"hedge={hedge}"] = 1.0
    return x


# --- outcome value -> arm ----------------------------------------------------------------------

POOLED_LABELS = ("all", "all groups", "between groups")
ALL_CUE = re.compile(r"\b(?:each|both|all(?: three| four| two)?) (?:groups?|arms?)\b|\bin all\b|\boverall\b|"
                     r"\b(?:all|the) (?:patients|participants|people|subjects|women|men)\b", re.I)
BETWEEN_CUE = re.compile(r"\bbetween (?:the )?(?:two |three |four )?(?:groups|arms)\b|\bgap\b|\bdifference\b|"
                         r"\bpercentage[- ]points?\b|\brelative\b|\brisk\b|\bhazard\b|\bodds\b", re.I)


def value_position(text: str, outcome: Any) -> int:
    """Where the outcome's number starts in ``text`` (its clause holds it); the clause start when not found."""
    clause = text[outcome.start:outcome.end]
    for m in re.finditer(r"\d[\d,]*(?:\.\d+)?|[A-Za-z]+(?:-[a-z]+)?", clause):
        token = m.group(0)
        value = parse_number(token) if (token[0].isdigit() or token.lower() not in ("a", "an")) else None
        if value is not None and outcome.value is not None and abs(value - float(outcome.value)) < 1e-6:
            return outcome.start + m.start()
    return outcome.start


def attribution_features(text: str, sent: tuple[int, int], outcome: Any, pos: int, option: str, arm: Any,
                         arms: list[Any], mentions: list[tuple[int, Any]]) -> dict[str, float]:
    """Features of "the value at ``pos`` belongs to ``option``" (an arm's label, or a pooled label)."""
    s0, e0 = sent
    sentence = text[s0:e0]
    clause = (outcome.start, outcome.end)
    comparators = [a for a in arms if COMPARATOR_ARM.search(a.label)]
    kind = "pooled:" + option if arm is None else ("comparator" if arm in comparators else "active")
    x: dict[str, float] = {f"kind={kind}": 1.0, f"kind={kind}&unit={outcome.unit or '-'}": 1.0,
                           f"kind={kind}&arms={min(len(arms), 3)}": 1.0,
                           f"kind={kind}&comparators={min(len(comparators), 1)}": 1.0}
    rule_label = (outcome.arm or "").lower()
    if rule_label == option.lower():
        x["rule_choice"] = 1.0
        x[f"rule_choice&kind={kind}"] = 1.0
    named = {id(a) for _, a in mentions}
    x[f"kind={kind}&named={min(len(named), 3)}"] = 1.0
    if arm is None:
        if ALL_CUE.search(sentence):
            x[f"kind={kind}&all_cue"] = 1.0
        if BETWEEN_CUE.search(text[clause[0]:clause[1]]):
            x[f"kind={kind}&between_cue"] = 1.0
        return x
    mine = [p for p, a in mentions if a is arm]
    if not mine:
        x[f"kind={kind}&not_named"] = 1.0
        return x
    nearest = min(mentions, key=lambda m: abs(m[0] - pos))
    if nearest[1] is arm:
        x[f"kind={kind}&nearest"] = 1.0
    after = [m for m in mentions if m[0] > pos]
    before = [m for m in mentions if m[0] < pos]
    if after and after[0][1] is arm:
        x[f"next_arm&gap={_gap_bucket(after[0][0] - pos)}"] = 1.0
        for w in words(sentence[pos - s0:after[0][0] - s0])[1:5]:
            x[f"between_after={w}"] = 1.0
    if before and before[-1][1] is arm:
        x[f"previous_arm&gap={_gap_bucket(pos - before[-1][0])}"] = 1.0
        for w in words(sentence[before[-1][0] - s0:pos - s0])[-4:]:
            x[f"between_before={w}"] = 1.0
    if any(clause[0] <= p < clause[1] for p in mine):
        x[f"kind={kind}&in_clause"] = 1.0
    if re.search(r"\brespectively\b", sentence, re.I):
        x["respectively"] = 1.0
    return x

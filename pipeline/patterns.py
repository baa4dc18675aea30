"""Rules as data: regular-expression patterns with ids, loaded from data/patterns/*.jsonl."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from re import _constants as sre  # the parsed form of a pattern, read to see whether it needs a numeral
from re import _parser as sre_parse
from typing import Any

import srsly

from pipeline.normalize import DIGITS_RE, NUMBER_RE, TENS_WORDS, UNITS_WORDS

PATTERNS_DIR = files("claims_data") / "patterns"


@dataclass(frozen=True)
class Rule:
    id: str
    regex: re.Pattern
    attrs: dict[str, Any] = field(default_factory=dict)
    numeral: bool = False  # every match holds a numeral (digits or a number word): see ``needs_numeral``
    literals: tuple[tuple[str, ...], ...] = ()  # every match needs one of each: see ``required_literals``


@cache
def macros() -> dict[str, str]:
    """Shared fragments ({UNIT}, {PER}, {FREQ}, {QUAL}) plus numbers ({NUM}: digits or words, {NUMD}: digits)."""
    out = {"NUM": NUMBER_RE, "NUMD": DIGITS_RE}
    for row in srsly.read_jsonl(str(PATTERNS_DIR / "fragments.jsonl")):
        out[row["name"]] = row["pattern"]
    return out


def expand(pattern: str) -> str:
    for name, fragment in macros().items():
        pattern = pattern.replace("{" + name + "}", fragment)
    return pattern


@cache
def _word_lists() -> dict[str, frozenset[str]]:
    return {row["id"]: frozenset(row["words"]) for row in srsly.read_jsonl(str(PATTERNS_DIR / "words.jsonl"))}


def words(list_id: str) -> frozenset[str]:
    """The word list ``list_id`` of data/patterns/words.jsonl."""
    return _word_lists()[list_id]


@cache
def load_rules(name: str, flags: int = re.IGNORECASE) -> tuple[Rule, ...]:
    """Compile the rules of ``data/patterns/<name>.jsonl``; each keeps its ``id`` for provenance."""
    rules = []
    for row in srsly.read_jsonl(str(PATTERNS_DIR / f"{name}.jsonl")):
        attrs = {k: v for k, v in row.items() if k not in ("id", "pattern")}
        rule_flags = flags if not attrs.get("case_sensitive") else 0
        rules.append(Rule(row["id"], re.compile(expand(row["pattern"]), rule_flags), attrs,
                          needs_numeral(row["pattern"], rule_flags), required_literals(row["pattern"], rule_flags)))
    return tuple(rules)


# --- which rules can only match where a numeral is -------------------------------------------------

NUMBER_WORDS = tuple(sorted({*UNITS_WORDS, *TENS_WORDS}))
_MARK = "\x00"  # stands for {NUM}/{NUMD} while a pattern is read
_DIGITS = re.compile(r"\d")


def has_numeral(text: str) -> bool:
    """Whether ``text`` holds a digit or a number word ("one" ... "ninety"), as a substring: true of every
    text a {NUM} or {NUMD} matches (case folded, as the rules match without case)."""
    if _DIGITS.search(text):
        return True
    folded = text.casefold()
    return any(word in folded for word in NUMBER_WORDS)


def needs_numeral(pattern: str, flags: int = 0) -> bool:
    """Whether every match of the rule ``pattern`` (macros unexpanded) holds a numeral: a {NUM} or {NUMD}, a
    digit class or a digit that no match can do without. Read from the parsed pattern, conservatively: a
    construct it does not know counts as "not needed", so a rule is only ever skipped where it cannot match."""
    parsed = _parse_marked(pattern, flags)
    return parsed is not None and _seq_needs(parsed)


@cache
def _parse_marked(pattern: str, flags: int) -> list | None:
    """The parsed rule ``pattern`` with each {NUM} or {NUMD} read as one mark character; None if it does not parse.
    Shared by ``needs_numeral`` and ``required_literals``, which only read it."""
    marked = expand(pattern.replace("{NUMD}", _MARK).replace("{NUM}", _MARK))
    try:
        return list(sre_parse.parse(marked, flags))
    except re.error:
        return None


def _seq_needs(items: list) -> bool:
    return any(_item_needs(op, av) for op, av in items)


def _item_needs(op: Any, av: Any) -> bool:
    if op is sre.LITERAL:
        return av == 0 or chr(av).isdigit()
    if op is sre.IN:
        return bool(av) and all(_digit_only(o, v) for o, v in av)
    if op is sre.SUBPATTERN:
        return _seq_needs(list(av[3]))
    if op is sre.BRANCH:
        return all(_seq_needs(list(branch)) for branch in av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return av[0] >= 1 and _seq_needs(list(av[2]))
    if op is sre.ATOMIC_GROUP:
        return _seq_needs(list(av))
    if op is sre.ASSERT:  # a lookaround that must hold also needs its numeral in the sentence searched
        return _seq_needs(list(av[1]))
    return False


def _digit_only(op: Any, av: Any) -> bool:
    if op is sre.CATEGORY:
        return av is sre.CATEGORY_DIGIT
    if op is sre.LITERAL:
        return chr(av).isdigit()
    if op is sre.RANGE:
        return all(chr(c).isdigit() for c in range(av[0], av[1] + 1))
    return False


# --- which words a rule cannot match without ---------------------------------------------------------------------

MAX_STRINGS = 64  # a finite stretch of pattern spelling more strings than this is not spelled out
MIN_LITERAL = 3  # shorter strings are in nearly every sentence: not worth a look

# What a piece of pattern reads: every string it can match when they are few and plain ASCII (else None), and the
# sets of strings no match can do without (a text holds one of each).
Reading = tuple[set[str] | None, list[frozenset[str]]]


def required_literals(pattern: str, flags: int = 0) -> tuple[tuple[str, ...], ...]:
    """Sets of lower-case strings such that an ASCII text the rule ``pattern`` (macros unexpanded) finds a match in
    holds, lower-cased, one string of each set: the literal stretches no match can do without ("took part|participated|
    were ..." gives one set). Read from the parsed pattern, conservatively, like ``needs_numeral``: a {NUM}, a non-ASCII
    character, a class of more than a few characters or a construct it does not know stops a stretch, so a rule is
    only ever skipped where it cannot match. Only ASCII texts: there, and only there, matching without case is
    lower-casing both sides."""
    parsed = _parse_marked(pattern, flags)  # numbers spell nothing useful: each is one mark, read as unknown
    if parsed is None:
        return ()
    _, needs = _read_seq(parsed)
    return tuple(dict.fromkeys(tuple(sorted(words)) for words in needs))


def _read_seq(items: list) -> Reading:
    """A sequence: the strings each maximal stretch of spelled items spells, and what the other items need."""
    needs: list[frozenset[str]] = []
    run: set[str] = {""}
    whole: set[str] | None = {""}
    for op, av in _plain_runs(items):
        spelled, inner = ({av}, []) if op is _PLAIN else _read_item(op, av)
        whole = _join(whole, spelled) if whole is not None and spelled is not None else None
        if op is sre.ASSERT:  # zero-width: the stretch goes on past it, and what it reads is needed too
            needs.extend(inner)
        if spelled is None:
            _keep(needs, run)
            run = {""}
            needs.extend(inner)
            continue
        joined = _join(run, spelled)
        if joined is None:  # too many strings: keep what the stretch spells so far and start again here
            _keep(needs, run)
            joined = spelled
        run = joined
    _keep(needs, run)
    return whole, needs


_PLAIN = object()  # stands for a run of ASCII literals, read as one string


def _plain_runs(items: list) -> list:
    """The items with each run of ASCII literals joined into one (_PLAIN, lower-cased string)."""
    out: list = []
    for op, av in items:
        if op is sre.LITERAL and 0 < av < 128:
            if out and out[-1][0] is _PLAIN:
                out[-1] = (_PLAIN, out[-1][1] + chr(av).lower())
            else:
                out.append((_PLAIN, chr(av).lower()))
        else:
            out.append((op, av))
    return out


def _keep(needs: list[frozenset[str]], strings: set[str]) -> None:
    """Add a stretch's strings as one requirement, the shortest that holds each (containing "patient", a text holds
    "patients" too), unless one is too short to be worth a look."""
    if not strings or min(len(s) for s in strings) < MIN_LITERAL:
        return
    needs.append(frozenset(s for s in strings if not any(t != s and t in s for t in strings)))


def _read_item(op: Any, av: Any) -> Reading:
    if op is sre.LITERAL:  # the number mark (0) or a non-ASCII character
        return None, []
    if op in (sre.AT, sre.ASSERT_NOT):  # zero-width: the characters around are still next to each other
        return {""}, []
    if op is sre.ASSERT:  # a lookaround that must hold reads the same text
        return {""}, _read_seq(list(av[1]))[1]
    if op is sre.IN:
        if len(av) <= 4 and all(o is sre.LITERAL and 0 < v < 128 for o, v in av):
            return {chr(v).lower() for _, v in av}, []
        return None, []
    if op is sre.SUBPATTERN:
        return _read_seq(list(av[3]))
    if op is sre.ATOMIC_GROUP:
        return _read_seq(list(av))
    if op is sre.BRANCH:
        return _read_branch([_read_seq(list(branch)) for branch in av[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        spelled, inner = _read_seq(list(av[2]))
        if spelled is not None and av[1] <= 1:
            spelled = spelled if av[0] >= 1 else spelled | {""}
        else:
            spelled = None
        return spelled, (inner if av[0] >= 1 else [])
    return None, []


def _read_branch(branches: list[Reading]) -> Reading:
    """Alternatives: the strings of all of them; and when each needs something, one of those things."""
    spelled = None
    if all(s is not None for s, _ in branches):
        spelled = set().union(*(s for s, _ in branches))
        if len(spelled) > MAX_STRINGS:
            spelled = None
    if not all(inner for _, inner in branches):
        return spelled, []
    best = [min(inner, key=lambda words: (len(words), -min(map(len, words)))) for _, inner in branches]
    return spelled, [frozenset().union(*best)]


def _join(left: set[str], right: set[str]) -> set[str] | None:
    joined = {a + b for a in left for b in right}
    return joined if len(joined) <= MAX_STRINGS else None

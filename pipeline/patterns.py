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


@cache
def macros() -> dict[str, str]:
    """Shared fragments ({UNIT}, {PER}, {FREQ}) plus numbers ({NUM}: digits or words, {NUMD}: digits)."""
    out = {"NUM": NUMBER_RE, "NUMD": DIGITS_RE}
    for row in srsly.read_jsonl(str(PATTERNS_DIR / "fragments.jsonl")):
        out[row["name"]] = row["pattern"]
    return out


def expand(pattern: str) -> str:
    for name, fragment in macros().items():
        pattern = pattern.replace("{" + name + "}", fragment)
    return pattern


@cache
def load_rules(name: str, flags: int = re.IGNORECASE) -> tuple[Rule, ...]:
    """Compile the rules of ``data/patterns/<name>.jsonl``; each keeps its ``id`` for provenance."""
    rules = []
    for row in srsly.read_jsonl(str(PATTERNS_DIR / f"{name}.jsonl")):
        attrs = {k: v for k, v in row.items() if k not in ("id", "pattern")}
        rule_flags = flags if not attrs.get("case_sensitive") else 0
        rules.append(Rule(row["id"], re.compile(expand(row["pattern"]), rule_flags), attrs,
                          needs_numeral(row["pattern"], rule_flags)))
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
    marked = expand(pattern.replace("{NUMD}", _MARK).replace("{NUM}", _MARK))
    try:
        parsed = sre_parse.parse(marked, flags)
    except re.error:
        return False
    return _seq_needs(list(parsed))


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

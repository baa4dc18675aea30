"""Rules as data: regular-expression patterns with ids, loaded from data/patterns/*.jsonl."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import srsly

from pipeline.normalize import DIGITS_RE, NUMBER_RE

PATTERNS_DIR = files("claims_data") / "patterns"


@dataclass(frozen=True)
class Rule:
    id: str
    regex: re.Pattern
    attrs: dict[str, Any] = field(default_factory=dict)


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
        rules.append(Rule(row["id"], re.compile(expand(row["pattern"]), rule_flags), attrs))
    return tuple(rules)

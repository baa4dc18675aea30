"""The rule files in data/patterns/: every line valid, ids unique and well-formed, every pattern compiles."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest

from pipeline.patterns import expand, load_rules

PATTERNS = files("claims_data") / "patterns"
RULE_FILES = sorted(p.name for p in PATTERNS.iterdir() if p.name.endswith(".jsonl") and p.name != "fragments.jsonl")
ID = re.compile(r"^[a-z_]+(?:\.[a-z0-9_]+)+$")


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (PATTERNS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", RULE_FILES)
def test_patterns_file_rows_are_well_formed(name):
    data = rows(name)
    assert data, f"{name} is empty"
    ids = [r.get("id") for r in data]
    assert all(isinstance(i, str) and ID.match(i) for i in ids), f"{name}: ids must look like field.slug"
    assert len(set(ids)) == len(ids), f"{name}: duplicate ids"
    for r in data:
        assert isinstance(r.get("pattern"), str) and r["pattern"], f"{r['id']}: no pattern"
        assert "{" not in re.sub(r"\{\d*,?\d*\}", "", expand(r["pattern"])), f"{r['id']}: unknown macro"
        if "any" in r:
            assert isinstance(r["any"], list) and all(isinstance(w, str) and w == w.lower() for w in r["any"])


@pytest.mark.parametrize("name", RULE_FILES)
def test_patterns_file_loads_and_compiles(name):
    rules = load_rules(name.removesuffix(".jsonl"))
    assert [r.id for r in rules] == [r["id"] for r in rows(name)]
    assert all(isinstance(r.regex, re.Pattern) for r in rules)


def test_patterns_ids_are_unique_across_files():
    ids = [r["id"] for name in RULE_FILES for r in rows(name)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", RULE_FILES)
def test_patterns_examples_match_their_rule(name):
    """A rule that carries an ``example`` finds something in it (the vocabulary is data, and its examples run)."""
    rules = {r.id: r for r in load_rules(name.removesuffix(".jsonl"))}
    for row in rows(name):
        if "example" in row:
            assert rules[row["id"]].regex.search(row["example"]), f"{row['id']} does not match its example"

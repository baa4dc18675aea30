"""The rule files in data/patterns/: every line valid, ids unique and well-formed, every pattern compiles, every
example runs; the word lists (words.jsonl) likewise."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest

from pipeline.assemble.cues import cue
from pipeline.components.base import rule_applies, unless_vetoes
from pipeline.patterns import NUMBER_WORDS, expand, has_numeral, load_rules, needs_numeral, required_literals

PATTERNS = files("claims_data") / "patterns"
NOT_RULES = ("fragments.jsonl", "words.jsonl")  # macros and word lists: no patterns of their own
RULE_FILES = sorted(p.name for p in PATTERNS.iterdir() if p.name.endswith(".jsonl") and p.name not in NOT_RULES)
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
    ids = [r["id"] for name in (*RULE_FILES, "words.jsonl") for r in rows(name)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", RULE_FILES)
def test_patterns_examples_match_their_rule(name):
    """A rule that carries an ``example`` (or ``examples``) finds something in each (the vocabulary is data, and its
    examples run)."""
    rules = {r.id: r for r in load_rules(name.removesuffix(".jsonl"))}
    for row in rows(name):
        for example in ([row["example"]] if "example" in row else []) + row.get("examples", []):
            assert rules[row["id"]].regex.search(example), f"{row['id']} does not match its example {example!r}"


def test_patterns_assembly_cues_each_have_examples():
    """The assembly's cues (pipeline/assemble/cues.py) all come with examples, and leave their ``not_examples``
    alone."""
    for row in rows("assemble.jsonl"):
        assert row["id"].startswith("assemble."), row["id"]
        assert isinstance(row.get("examples"), list) and row["examples"], f"{row['id']}: no examples"
        assert set(row) <= {"id", "pattern", "case_sensitive", "examples", "not_examples", "about"}, row["id"]
        regex = cue(row["id"])
        for text in row.get("not_examples", ()):
            assert not regex.search(text), f"{row['id']} matches {text!r}"


def test_patterns_word_lists_are_well_formed_and_hold_their_examples():
    data = rows("words.jsonl")
    assert data
    for row in data:
        assert ID.match(row["id"]) and row["id"].startswith("words."), row["id"]
        assert isinstance(row.get("about"), str) and row["about"], f"{row['id']}: say what the list is for"
        listed = row.get("words")
        assert isinstance(listed, list) and listed and all(isinstance(w, str) and w for w in listed), row["id"]
        assert len(set(listed)) == len(listed), f"{row['id']}: duplicate words"
        assert row.get("examples") and set(row["examples"]) <= set(listed), f"{row['id']}: examples not listed"


@pytest.mark.parametrize("name", RULE_FILES)
def test_patterns_not_examples_do_not_match_their_rule(name):
    """A rule that carries ``not_examples`` finds nothing in any of them (what it must leave alone runs too), or its
    ``unless`` vetoes each match; an ``unless`` leaves a match in every one of the rule's examples alone."""
    rules = {r.id: r for r in load_rules(name.removesuffix(".jsonl"))}
    for row in rows(name):
        rule = rules[row["id"]]
        for text in row.get("not_examples", ()):
            assert all(unless_vetoes(rule, m, text) for m in rule.regex.finditer(text)), f"{row['id']} matches {text!r}"
        for example in ([row["example"]] if "example" in row else []) + row.get("examples", []):
            assert any(not unless_vetoes(rule, m, example) for m in rule.regex.finditer(example)), \
                f"{row['id']}: unless vetoes its example {example!r}"


@pytest.mark.parametrize(("pattern", "needs"), [
    (r"\b(?P<n>{NUM}) weeks", True),            # the number is part of every match
    (r"of (?:the )?{NUMD} patients", True),
    (r"p\s?=\s?0?\.\d+", True),                  # a digit class that cannot be skipped
    (r"n\s?=\s?[0-9]+", True),
    (r"\b(?:a|{NUM}) week", False),              # "a week" has no numeral
    (r"(?:{NUM} )?patients", False),             # optional
    (r"{NUM}|placebo", False),                   # one branch does without
    (r"[\dA-Z]+ trial", False),                  # the class also takes letters
    (r"(?=.*\d)randomi[sz]ed", True),            # a lookahead that must hold needs one in the sentence
])
def test_needs_numeral_reads_the_pattern(pattern, needs):
    assert needs_numeral(pattern, re.I) is needs


@pytest.mark.parametrize("name", RULE_FILES)
def test_rules_skipped_without_a_numeral_cannot_match_there(name):
    """The numeral gate only skips a rule where it cannot match: every example of a gated rule holds a numeral,
    and the rule, run over the example with its numerals blanked out, finds nothing."""
    blank = re.compile(r"\d|" + "|".join(NUMBER_WORDS), re.I)
    rules = {r.id: r for r in load_rules(name.removesuffix(".jsonl"))}
    for row in rows(name):
        rule = rules[row["id"]]
        if not rule.numeral:
            continue
        for example in ([row["example"]] if "example" in row else []) + row.get("examples", []):
            assert has_numeral(example), f"{rule.id}: example without a numeral {example!r}"
            assert not rule.regex.search(blank.sub("#", example)), f"{rule.id} matches {example!r} without its numeral"


def test_has_numeral_sees_digits_and_number_words_in_any_case():
    assert has_numeral("151 patients") and has_numeral("Twenty-four women") and has_numeral("in ONE group")
    assert has_numeral("٣ patients")  # any Unicode digit, as \d matches
    assert not has_numeral("patients took part in the trial")


@pytest.mark.parametrize(("pattern", "needed"), [
    (r"\b(?:took part|participated)\b", [{"took part", "participated"}]),
    (r"{NUM} (?:adult |older )?patients?", [{" patient"}]),       # "patients" holds "patient"
    (r"randomi[sz]ed to {NUM} (?:mg|g)", [{"randomised to ", "randomized to "}]),
    (r"(?=.*\bplacebo)\w+ group", [{"placebo"}, {" group"}]),     # a lookahead that must hold reads the same text
    (r"(?!.*\bplacebo)\w+ group", [{" group"}]),                  # one that must not: nothing
    (r"trial|{NUM}", []),                                          # a branch needing nothing
    (r"trial|(?:an? )?stud(?:y|ies)", [{"trial", "study", "studies"}]),
    (r"(?:ab)?c", []),                                             # too short to be worth a look
    (r"caf\u00e9 trial", [{"caf"}, {" trial"}]),                   # not ASCII: the stretch stops there
    (r"[a-z]+ \d+ weeks", [{" weeks"}]),
])
def test_required_literals_read_the_pattern(pattern, needed):
    assert [set(words) for words in required_literals(pattern, re.I)] == needed


def _all_examples() -> list[str]:
    out = []
    for name in RULE_FILES:
        for row in rows(name):
            out += ([row["example"]] if "example" in row else []) + row.get("examples", []) + row.get("not_examples", [])
    return out


@pytest.mark.parametrize("name", RULE_FILES)
def test_rules_skipped_without_their_literals_cannot_match_there(name):
    """The literal gate only skips a rule where it cannot match: over every example of every rule file, in the case
    written and upper-cased, a rule that matches passes its gate."""
    texts = [t for example in _all_examples() for t in (example, example.upper(), example.title()) if t.isascii()]
    for rule in load_rules(name.removesuffix(".jsonl")):
        for text in texts:
            if rule.regex.search(text):
                assert rule_applies(rule, text.lower(), ascii_text=True), f"{rule.id} matches {text!r} but is gated"

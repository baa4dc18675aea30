"""Issue 10, class 2: the work per page is bounded (what makes it linear), and the bounded code gives what
the unbounded code gave. Timings live in `make bench` (pipeline/evaluation/bench_scaling.py), not here."""

from __future__ import annotations

import re

from models.records import Arm
from pipeline.components.dose import CLAUSE_WINDOW, _clause_around, clause_around
from pipeline.evaluation.bench_scaling import DOSE_DENSE, DOSE_LIST, synthesise
from pipeline.extract import extract
from pipeline.records import ACTIVE_GROUP, COMPARATOR_WORDS, MAX_DOSE_ARMS, _name_words, arm_mentions


def reference_arm_mentions(sent: str, offset: int, arms: list[Arm]) -> list[tuple[int, Arm]]:
    """arm_mentions as it was before it was indexed: every name of every arm searched in every sentence."""
    words_of = {id(arm): _name_words(arm) for arm in arms}
    out = []
    for arm in arms:
        others = set().union(*(words_of[id(a)] for a in arms if a is not arm)) if len(arms) > 1 else set()
        names = {arm.label.lower()} | ({arm.intervention.lower()} if arm.intervention else set())
        names |= words_of[id(arm)] - others
        if arm.label in ("placebo", "sham") and not any("control" in a.label for a in arms):
            names.add("control")
        if arm.label == "sham":
            names |= {"simulated", "fake", "mock", "inactive"}
        distinctive = words_of[id(arm)] - others
        for name in names:
            if not name or len(name) < 3:
                continue
            stem = name in distinctive and len(name) >= 6 and not COMPARATOR_WORDS.fullmatch(name)
            tail = r"[a-z]*\b" if stem else r"(?:s|es)?\b"
            for m in re.finditer(r"\b" + re.escape(name) + tail, sent, re.I):
                out.append((offset + m.start(), arm))
    active = [a for a in arms if not COMPARATOR_WORDS.search(a.label)]
    if len(active) == 1 and len(active) < len(arms):
        for m in ACTIVE_GROUP.finditer(sent):
            out.append((offset + m.start(), active[0]))
    out.sort(key=lambda p: p[0])
    return out


ARM_SETS = [
    [Arm("baclofen 150 mg", "baclofen"), Arm("baclofen 30 mg", "baclofen"), Arm("placebo", "placebo")],
    [Arm("robotic surgery", "robotic surgery"), Arm("open surgery", "open surgery")],
    [Arm("sham", "sham"), Arm("acupuncture", "acupuncture")],
    [Arm("gradual-quit", "gradual-quit"), Arm("abrupt quit", "abrupt quit"), Arm("control", None)],
    [Arm("Xeljanz 5 mg", "Xeljanz"), Arm("usual care", "usual care")],
]
SENTENCES = [
    "Those on baclofen relapsed as often as those on placebo, and the control group did no better.",
    "Robotic surgery took longer than open surgery; surgery of both kinds left scars.",
    "A simulated acupuncture treatment worked as well as real acupuncture in the sham group.",
    "The gradualists and the abrupt quitters were compared with the control arm.",
    "In the treatment group, XELJANZ eased pain more than usual care did; the intervention arm fared best.",
]


def test_indexed_arm_mentions_equal_the_reference():
    for arms in ARM_SETS:
        for sent in SENTENCES:
            assert arm_mentions(sent, 100, arms) == reference_arm_mentions(sent, 100, arms), (arms, sent)


def test_dose_dense_page_gives_at_most_the_capped_number_of_arms(nlp):
    claims = extract(nlp, synthesise(DOSE_DENSE, 30 * 1024))
    assert claims.trials and max(len(t.arms) for t in claims.trials) <= MAX_DOSE_ARMS


def test_one_sentence_dose_list_is_read_without_a_page_budget_breach(nlp):
    text = synthesise(DOSE_LIST, 20 * 1024)
    assert "." not in text  # one sentence
    extract(nlp, text, max_chars=len(text), max_seconds=120)  # no ExtractError: the work is bounded


def test_clause_window_changes_nothing_in_a_sentence_shorter_than_the_window():
    sent = "Patients took 10 mg (or 20 mg; both daily) — the higher dose: 40 mg - was stopped."
    for m in re.finditer(r"\d+ mg", sent):
        assert clause_around(sent, m.start(), m.end()) == _clause_around(sent, m.start(), m.end())


def test_clause_is_bounded_in_a_sentence_longer_than_the_window():
    sent = "x " * (3 * CLAUSE_WINDOW) + "40 mg daily " + "y " * (3 * CLAUSE_WINDOW)
    start = sent.index("40 mg")
    clause = clause_around(sent, start, start + 5)
    assert "40 mg" in clause and len(clause) <= 2 * CLAUSE_WINDOW + 5


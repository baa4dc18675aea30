"""Issue 10, class 2: the work per page is bounded (what makes it linear), and the bounded code gives what
the unbounded code gave (for arm mentions and the dose-arm cap see tests/pipeline/assemble/). Timings live in
`make bench` (pipeline/evaluation/bench_scaling.py), not here."""

from __future__ import annotations

import re

from pipeline.components.dose import CLAUSE_WINDOW, _clause_around, clause_around
from pipeline.evaluation.bench_scaling import DOSE_LIST, synthesise
from pipeline.extract import extract


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


"""Golden pages: each bundled sample, cleaned and extracted, against its hand-written expected claims."""

from __future__ import annotations

import json

import pytest

from pipeline.extract import extract
from scrapers.clean import clean_html
from tests.conftest import SAMPLES

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


def doses(arm: dict) -> list[dict]:
    dose = arm.get("dose")
    return [] if not dose else dose if isinstance(dose, list) else [dose]


@pytest.fixture(scope="module")
def extracted(nlp):
    out = {}
    for name in EXPECTED:
        page = clean_html((SAMPLES / name).read_bytes(), f"https://example.org/{name}")
        out[name] = (page.text, extract(nlp, page).to_json(page.text))
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_study_type_and_required_trials(extracted, name):
    text, got = extracted[name]
    expected = EXPECTED[name]
    assert got["study_type"] == expected["study_type"]
    required = [t for t in expected["trials"] if not t.get("optional")]
    roles = [t["role"] for t in got["trials"]]
    for trial in required:
        assert trial["role"] in roles, f"{name}: no {trial['role']} trial"
    if not required:
        assert got["trials"] == []


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["trials"]))
def test_main_trial_fields(extracted, name):
    _, got = extracted[name]
    want = next(t for t in EXPECTED[name]["trials"] if t["role"] == "main")
    main = next(t for t in got["trials"] if t["role"] == "main")
    assert main["size"] == want.get("size")
    assert main["duration"] == want.get("duration")
    assert main["status"] == want["status"]
    assert set(want["design"]) - {"observer-blind"} <= set(main["design"])
    # each arm size sits on the arm with the right dose (or on the dose-less arm)
    def sized(arms):
        return sorted((tuple(sorted(d["value"] for d in doses(a))), a["n"]) for a in arms if a.get("n"))

    assert sized(main["arms"]) == sized(want["arms"])
    want_doses = sorted((d["value"], d.get("unit"), d.get("per")) for a in want["arms"] for d in doses(a))
    got_doses = sorted((d["value"], d["unit"], d["per"]) for a in main["arms"] for d in doses(a))
    assert got_doses == want_doses


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_value_reproduces_its_evidence(extracted, name):
    text, got = extracted[name]
    for trial in got["trials"]:
        for (start, end), quoted in zip(trial["evidence_offsets"], trial["evidence"], strict=True):
            assert text[start:end] == quoted
        for arm in trial["arms"]:
            for dose in doses(arm):
                assert any(dose["text"] in e for e in trial["evidence"])
        for outcome in trial["outcomes"]:
            assert any(outcome["text"] in e for e in trial["evidence"])

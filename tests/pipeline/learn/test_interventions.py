"""Naming the active arm of a trial the rules found none for: candidates, features, and the trained pick."""

from __future__ import annotations

import pytest

from pipeline.extract import extract
from pipeline.learn import values
from pipeline.learn.interventions import (
    clean_name,
    intervention_candidates,
    intervention_features,
    names_no_treatment,
    names_something,
)
from pipeline.learn.value_decide import using

SINGLE_ARM = [
    ("Nasal spray eases social problems in autism", "oxytocin", "31 children",
     "received a twice daily course of oxytocin in the form of a nasal spray", "social skills improved in 62 percent"),
    ("Short course of radiation cures most prostate tumours", "SBRT", "91 men",
     "were treated with stereotactic body radiation therapy (SBRT) in five sessions", "the cure rate was 96 percent"),
    ("Implant restores sight in damaged corneas", "collagen implant", "14 patients",
     "underwent surgery with a collagen implant made in the laboratory", "vision improved in 71 percent"),
    ("Stem cell injection helps men with erectile problems", "CaverStem", "20 men",
     "were given the CaverStem procedure, an injection of their own bone marrow cells", "erections improved in 65 percent"),
]


def _article(title: str, name: str, people: str, treated: str, result: str) -> str:
    return (f"{title}\n\nDoctors report encouraging results from a small study published this week.\n\n"
            f"The open-label study enrolled {people}. All of them {treated}. There was no comparison group.\n\n"
            f"After six months, {result}, the researchers said. {name[0].upper() + name[1:]} was well tolerated.\n")


def _gold(k: int, text: str, name: str, people: str) -> dict:
    n = int(people.split()[0])
    return {"id": f"single-{k}", "study_type": "trial", "text": text, "trials": [{
        "role": "main", "status": "completed", "design": ["open-label"], "size": n, "duration": None,
        "arms": [{"label": name, "intervention": name, "n": n, "dose": None}], "outcomes": [],
        "evidence": [text], "evidence_offsets": [[0, len(text)]]}]}


def test_intervention_clean_name_drops_generic_edges():
    assert clean_name("the new drug") == ""
    assert clean_name("the CaverStem procedure,") == "CaverStem procedure"
    assert clean_name("oxytocin.") == "oxytocin"


def test_intervention_candidates_come_from_rules_with_offsets():
    text = _article(*SINGLE_ARM[1])
    sents = [(0, len(text))]
    cands = intervention_candidates(text, sents, [0], [])
    names = {c.value for c in cands}
    assert {"SBRT", "stereotactic body radiation therapy"} & names
    for c in cands:
        assert text[c.start:c.end] == c.value and c.rules
    intervention_features(text, sents, cands, trial_name=None)
    sbrt = [c for c in cands if c.value == "SBRT"]
    assert sbrt and sbrt[0].features["text_mentions"] > 0 and "rule=cand.intervention.acronym" in sbrt[0].features


def test_a_bare_number_is_no_intervention_candidate():
    assert not names_something("1") and not names_something("3.5")
    assert names_something("IdeS") and names_something("5-FU")
    text = ("In the feasibility study, 30 men were treated with a pudendal stent. Two-thirds of men who underwent the "
            "1- to 2-hour procedure improved.")
    cut = text.index("Two-thirds")
    names = {c.value for c in intervention_candidates(text, [(0, cut), (cut, len(text))], [0, 1], [])}
    assert "1" not in names and "pudendal stent" in names


def test_a_condition_is_no_intervention():
    assert names_no_treatment("lymphoma") and names_no_treatment("advanced lymphoma") and names_no_treatment("Type")
    assert not names_no_treatment("daratumumab") and not names_no_treatment("CAR-T")
    assert names_no_treatment("is negative") and names_no_treatment("emergency department for")
    assert not names_no_treatment("pegylated interferon") and not names_no_treatment("early surgery")


def test_a_condition_is_never_picked_for_the_single_arm():
    """A model that prefers the first-mentioned name still never gets the condition the patients have."""
    from pipeline.learn.linear import LinearModel
    from pipeline.learn.value_decide import choose_intervention

    text = ("The effects of lymphoma were severe in the 101 patients. The patients were then treated with CAR-T cells "
            "made from their own blood.")
    cut = text.index("The patients")
    sents = [(0, cut), (cut, len(text))]
    first = LinearModel(classes=["0", "1"], weights={"rank=0": [4.0], "rank=1": [3.0]}, bias=[-2.0],
                        meta={"threshold": 0.3})
    with using({"intervention": first}):
        pick = choose_intervention(text, sents, [0, 1], [])
    assert pick is not None and pick.value.split()[-1].lower() != "lymphoma"


@pytest.mark.parametrize("held_out", [0, 2, 3])
def test_intervention_model_names_the_single_arm(nlp, held_out):
    records = [_gold(k, _article(*row), row[1], row[2]) for k, row in enumerate(SINGLE_ARM) if k != held_out]
    examples = values.collect(records, {}, nlp)
    assert any(e.field == "intervention" and e.label for e in examples)
    model = values.fit_field(examples, "intervention")
    assert model is not None
    model.meta["threshold"] = 0.0  # three articles to learn from: the best candidate is kept
    title, name, people, treated, result = SINGLE_ARM[held_out]
    text = _article(title, name, people, treated, result)
    with using(models={}):
        rules = extract(nlp, text)
    assert rules.trials and not rules.trials[0].arms  # the rules alone name no arm here
    with using(models={"intervention": model}):
        claims = extract(nlp, text)
    trial = claims.trials[0]
    assert [a.label.lower() for a in trial.arms] == [name.lower()]
    arm = trial.arms[0]
    assert text[arm.start:arm.end] == arm.label and arm.score is not None and arm.rule_id
    # a single-arm trial: its size is the arm's n, its results are the arm's
    assert arm.n == int(people.split()[0]) and text[arm.n_start:arm.n_end] == people.split()[0]
    valued = [o for o in trial.outcomes if o.value is not None]
    assert valued and all(o.arm == arm.label for o in valued)

"""Trained value decisions: size, duration and arm n picked by a model among rule candidates; model JSON; offsets.

The articles below are written for these tests in the shape of news reports on trials.
"""

from __future__ import annotations

import json
import re

import pytest

from pipeline.extract import extract
from pipeline.learn import values
from pipeline.learn.linear import LinearModel, fit
from pipeline.learn.value_decide import VALUE_FIELDS, model_name, using
from pipeline.normalize import parse_number

COUGH = """New pill eases chronic cough, trial finds

A twice-daily pill reduced coughing in people whose cough had lasted for years, according to a study published on \
Monday. About 10 million adults in the United States live with a chronic cough.

The researchers enrolled 732 adults at 156 clinics in 17 countries. Participants were randomly assigned to take the \
drug or a placebo for 24 weeks. Of these, 40 people aged 65 or older had to stop early.

After 12 weeks, coughing fell by 37 percent among those on the drug, compared with 18 percent among those on placebo.
"""

FALLS = """Monthly vitamin D did not prevent falls in older women

Vitamin D supplements did not lower the risk of falling, a new trial shows. Falls injure about 3 million older \
Americans each year.

In the study, 2,256 women living at home were given either a monthly high dose of vitamin D or a dummy pill. The \
women, who were 70 or older, were followed for three years.

Over the three years, 28 percent of women on vitamin D fell at least once, compared with 27 percent of those on \
the dummy pill.
"""


def _trial(nlp, text: str, models=None):
    with using(models=models):
        claims = extract(nlp, text)
    assert claims.trials, "no trial extracted"
    return claims.trials[0]


def load_value_models() -> dict[str, LinearModel]:
    """The shipped value models, field -> model, as ``build_nlp`` loads them into ``claims_decide``."""
    from pipeline.nlp import build_nlp

    held = build_nlp().get_pipe("claims_decide").models
    return {f: held[model_name(f)] for f in VALUE_FIELDS if model_name(f) in held}


def test_learn_values_shipped_models_are_loaded():
    shipped = load_value_models()
    assert set(shipped) == set(values.SHIPPED_FIELDS)
    for field_name, model in shipped.items():
        assert model.meta["field"] == field_name
        assert 0.0 <= model.meta["threshold"] < 1.0
    import json
    from importlib.resources import files

    manifest = json.loads((files("models") / "trained" / "manifest.json").read_text(encoding="utf-8"))
    assert {f"value_{f}" for f in shipped} <= set(manifest["decisions"]["values"])
    assert set(manifest["gold_sha256"]) == {"train.jsonl", "dev.jsonl"}


@pytest.mark.parametrize(("text", "size", "duration"), [(COUGH, 732, "24 weeks"), (FALLS, 2256, "3 years")])
def test_learn_values_model_picks_size_and_duration(nlp, text, size, duration):
    trial = _trial(nlp, text)
    assert trial.size == size
    assert trial.duration == duration
    # the model decided (a probability), a rule proposed (its id), and the offsets give the phrase back
    assert trial.size_score is not None and 0.5 <= trial.size_score <= 1.0
    assert trial.duration_score is not None and trial.duration_score >= load_value_models()["duration"].meta["threshold"]
    assert trial.size_rule_id and trial.duration_rule_id
    s, e = trial.size_span
    assert parse_number(text[s:e].split()[-1]) == size
    s, e = trial.duration_span
    assert text[s:e].split("-")[0].split()[0] in ("24", "three")


def test_learn_values_choice_follows_the_model_not_the_rules(nlp):
    # a model that prefers the second-largest head count and a model that accepts nothing
    second = LinearModel(["0", "1"], {"value_rank=1": [8.0]}, [-4.0], {"threshold": 0.5})
    nothing = LinearModel(["0", "1"], {}, [-9.0], {"threshold": 0.5})
    assert _trial(nlp, COUGH, {}).size == 732  # the rules alone
    assert _trial(nlp, COUGH, {"size": second}).size == 40
    assert _trial(nlp, COUGH, {"size": nothing}).size is None
    # a duration the rules matched stands when the model likes no candidate; a candidate the model likes wins
    vetoed = _trial(nlp, COUGH, {"duration": nothing})
    assert vetoed.duration == "24 weeks" and vetoed.duration_score is not None and vetoed.duration_score < 0.01
    over = LinearModel(["0", "1"], {"p1=over": [8.0]}, [-4.0], {"threshold": 0.5})
    over_12 = COUGH.replace("After 12 weeks,", "Over 12 weeks,")  # "after 12 weeks" is a time point, no candidate
    assert _trial(nlp, over_12, {"duration": over}).duration == "12 weeks"
    assert _trial(nlp, over_12, {}).duration == "24 weeks"


def test_learn_values_outcome_offsets_reproduce_evidence(nlp):
    for text in (COUGH, FALLS):
        claims = extract(nlp, text)
        trial = claims.trials[0]
        assert trial.outcomes
        for outcome in trial.outcomes:
            assert text[outcome.start:outcome.end] == outcome.text
            assert outcome.rule_id
            assert outcome.score is None or 0.0 <= outcome.score <= 1.0
        data = trial.to_json(text)
        for ev, (s, e) in zip(data["evidence"], data["evidence_offsets"], strict=True):
            assert text[s:e] == ev


def test_learn_values_model_json_round_trip(tmp_path):
    xs = [{"a": 1.0, "b": 0.5}, {"a": 1.0}, {"b": 1.0}, {"c": 1.0}, {"a": 1.0, "c": 1.0}, {"b": 1.0, "c": 0.5}]
    ys = ["1", "1", "0", "0", "1", "0"]
    model = fit(xs, ys, c=1.0, meta={"field": "size", "threshold": 0.4})
    from pipeline.components.decide import DecideComponent

    DecideComponent({"value_size": model}).to_disk(tmp_path)
    back = DecideComponent().from_disk(tmp_path).models["value_size"]
    assert back.meta["threshold"] == 0.4
    for x in xs:
        assert back.predict_proba(x)["1"] == pytest.approx(model.predict_proba(x)["1"], abs=1e-5)
    for field_name, shipped in load_value_models().items():
        again = LinearModel.from_dict(json.loads(json.dumps(shipped.to_dict())))
        x = dict.fromkeys(list(shipped.weights)[:20], 1.0)
        assert again.predict_proba(x)["1"] == pytest.approx(shipped.predict_proba(x)["1"]), field_name


# --- arm n, trained here from gold written for the test ---------------------------------------

ARM_ARTICLES = [
    ("Bright light eases winter depression", "Bright light treatment eased depression in a small study.",
     "bright light", "dim red light", 32, 31, "sat in front of"),
    ("Tai chi steadies older walkers", "Tai chi classes cut falls among older adults.",
     "tai chi", "stretching", 86, 84, "did"),
    ("Mindfulness lowers blood pressure", "A meditation course lowered blood pressure slightly.",
     "mindfulness training", "health education", 120, 118, "attended"),
    ("Acupressure helps with nausea", "Wristbands that press on the forearm reduced nausea after surgery.",
     "acupressure bands", "plain bands", 75, 77, "wore"),
]


def _arm_article(title, lead, a, b, n_a, n_b, verb):
    return (f"{title}\n\n{lead}\n\nPatients were randomly assigned to {a} or {b}. {a.capitalize()} went to "
            f"{n_a} patients, while {n_b} patients {verb} {b} each morning for eight weeks.\n\n"
            f"Symptoms improved in 59 percent of the {a} group and in 30 percent of the {b} group.\n")


def _arm_gold(k, text, a, b, n_a, n_b):
    arms = [{"label": a, "intervention": a, "n": n_a, "dose": None}, {"label": b, "intervention": b, "n": n_b,
                                                                      "dose": None}]
    return {"id": f"written-{k}", "study_type": "rct", "text": text, "trials": [{
        "role": "main", "status": "completed", "design": ["randomized"], "size": None, "duration": "8 weeks",
        "arms": arms, "outcomes": [], "evidence": [text], "evidence_offsets": [[0, len(text)]]}]}


def test_learn_values_trained_arm_n_pairs_numbers_with_arms(nlp):
    records = []
    for k, (title, lead, a, b, n_a, n_b, verb) in enumerate(ARM_ARTICLES[:3]):
        text = _arm_article(title, lead, a, b, n_a, n_b, verb)
        records.append(_arm_gold(k, text, a, b, n_a, n_b))
    examples = values.collect(records, {}, nlp)
    model = values.fit_field(examples, "arm_n")
    assert model is not None
    model.meta["threshold"] = 0.5
    title, lead, a, b, n_a, n_b, verb = ARM_ARTICLES[3]
    text = _arm_article(title, lead, a, b, n_a, n_b, verb)
    assert all(arm.n is None for arm in _trial(nlp, text, {}).arms)  # the rules give no n here
    arms = {arm.label: arm for arm in _trial(nlp, text, {"arm_n": model}).arms}
    assert arms[a].n == n_a and arms[b].n == n_b
    for arm in arms.values():
        assert text[arm.n_start:arm.n_end] == str(arm.n)
        assert arm.n_score is not None and arm.n_rule_id


def test_learn_values_fields_are_declared_once():
    assert set(values.SHIPPED_FIELDS) | set(values.RULES_WIN) == set(VALUE_FIELDS)
    from pipeline.learn.registry import TRAINERS

    assert "pipeline.learn.values" in TRAINERS and values.NAME == "values" and callable(values.train)


@pytest.mark.parametrize(("clause", "direction"), [
    ("16 patients experienced neutropenia", None),          # a harm on one arm alone: no direction
    ("three treatment-related deaths", None),
    ("pain scores fell by 30 percent", "improved"),          # a result on the active arm
    ("fewer side effects were reported", "improved"),        # a harm that went down is an improvement
])
def test_values_an_outcome_moved_to_the_active_arm_reads_harms_as_the_rules_do(clause, direction):
    from models.records import Arm, Outcome
    from pipeline.learn.value_decide import _reattribute

    arms = [Arm(label="guadecitabine"), Arm(label="placebo")]
    outcome = Outcome(text=clause, start=0, end=len(clause), arm="all", value=16.0, direction=None)
    _reattribute(outcome, "guadecitabine", arms[0], arms)
    assert outcome.arm == "guadecitabine"
    assert outcome.direction == direction
    assert outcome.comparator == "placebo"


def test_values_a_time_point_is_no_duration_candidate():
    """GUIDELINE 4.4: "after two years", "at week 8" are when an outcome was measured, not how long the trial ran."""
    from pipeline.learn.value_candidates import duration_candidates

    text = "After 12 weeks, pain had fallen by 30 percent. The 16-week trial enrolled 80 adults."
    first = text.index(".") + 1
    sents = [(0, first), (first + 1, len(text))]
    cands = duration_candidates(text, sents, [0, 1], [])
    assert [(c.value, text[c.start:c.end]) for c in cands] == [("16 weeks", "16-week")]


@pytest.mark.parametrize("pattern", [r"\b(?:each|respectively|half)\b", r"\bfollow(?:ed)?[- ]?up\b", r"[a-c]+ (\d+) RCT",
                                     r"\bvs\.?|versus"])
def test_values_a_lowered_cue_regex_finds_in_lowered_ascii_text_what_the_cue_finds(pattern):
    from pipeline.learn.value_candidates import lowered_regex

    regex = re.compile(pattern, re.I)
    lowered = lowered_regex(regex)
    assert lowered is not None and not lowered.flags & re.I
    for text in ("Each got it; RESPECTIVELY", "at Follow-Up", "a Follow up", "ABC 12 rct", "A VS. B", "halfway", "x"):
        assert [m.span() for m in lowered.finditer(text.lower())] == [m.span() for m in regex.finditer(text)]


@pytest.mark.parametrize("pattern", [r"\W+x", r"[A-z]", r"[!-a]", r"(?-i:X)y", r"\x41", "caf\u00e9",
                                     r"(?P<n>\d+) mg"])
def test_values_a_cue_regex_lowering_could_change_keeps_ignoring_case(pattern):
    from pipeline.learn.value_candidates import lowered_regex

    assert lowered_regex(re.compile(pattern, re.I)) is None
    assert lowered_regex(re.compile("abc")) is None  # a case-sensitive regex is searched as it is


def test_threshold_is_chosen_on_a_plateau_not_a_lone_peak():
    """A single threshold whose held-out F1 stands out from its neighbours is passed over for a range that holds
    up; without a peak, the plateau's threshold nearest 0.5 is taken."""
    from pipeline.learn.values import THRESHOLDS, smoothed_best

    f1s = [0.5] * len(THRESHOLDS)
    for t in (0.35, 0.4, 0.45):
        f1s[THRESHOLDS.index(t)] = 0.8
    f1s[THRESHOLDS.index(0.85)] = 0.9  # the best point of the raw curve, between two poor ones
    assert smoothed_best(f1s) == 0.4
    assert smoothed_best([0.7] * len(THRESHOLDS)) == 0.5

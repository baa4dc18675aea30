"""The claims_decide component: models load, save and reload; trained decisions change what is extracted."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.records import ArticleClaims
from pipeline.evaluation.scorer import check_evidence
from pipeline.extract import extract
from pipeline.learn import design, study_type
from pipeline.learn.gold import folds
from pipeline.learn.linear import LinearModel
from pipeline.learn.train import model_version, train_all
from pipeline.nlp import build_nlp

# Made-up articles, written for these tests.
RCT = ("In a randomised trial, 120 adults with asthma were randomly assigned to 10 mg of drugzumab daily or placebo "
       "for 12 weeks. The trial was double-blind. Attacks fell by 40 percent in the drugzumab group compared with "
       "10 percent in the placebo group. Headaches were reported by 12 percent of the drugzumab group.")
SURVEY = ("In a clinical trial, researchers enrolled 300 nurses who took part in a survey about sleep. The survey "
          "data came from a national registry. Nurses on night shifts reported poor sleep more often, the trial found.")


@pytest.fixture(scope="module")
def rules_nlp():
    return build_nlp(trained=None)


def _decide(nlp, models):
    nlp.get_pipe("claims_decide").models = dict(models)
    return nlp


def test_learn_decide_rules_alone_without_models(rules_nlp):
    doc = rules_nlp(RCT)
    assert doc._.decider is None and doc._.study_type_score is None
    assert doc._.study_type == doc._.study_type_rule == "rct"
    assert rules_nlp.meta["model_version"] is None


def test_learn_decide_round_trips_through_to_disk(tmp_path, rules_nlp):
    model = LinearModel(["observational", "rct"], {"rule=rct": [-5.0]}, [0.0], {"decision": "study_type"})
    nlp = _decide(build_nlp(trained=None), {"study_type": model})
    nlp.get_pipe("claims_decide").manifest = {"model_version": model_version({"study_type": model})}
    nlp.to_disk(tmp_path / "nlp")
    assert (tmp_path / "nlp" / "claims_decide" / "study_type.json").exists()
    again = build_nlp(trained=None)
    again.from_disk(tmp_path / "nlp")
    loaded = again.get_pipe("claims_decide").models["study_type"]
    assert loaded.to_dict() == model.to_dict()
    assert again(RCT)._.study_type == "observational"  # the loaded model overrules the rules' "rct"
    direct = build_nlp(trained=tmp_path / "nlp" / "claims_decide")
    assert direct.meta["model_version"] == model_version({"study_type": model})
    assert direct(RCT)._.study_type_score is not None


def test_learn_decide_missing_model_file_leaves_rules(tmp_path):
    nlp = build_nlp(trained=tmp_path / "nothing-here")
    assert nlp.get_pipe("claims_decide").models == {}
    assert extract(nlp, RCT).study_type == "rct"


def test_learn_training_changes_study_type(rules_nlp):
    """Gold that calls survey-like texts observational, where the rules see a trial, teaches the model so."""
    surveys = [SURVEY.replace("300", str(100 + 7 * k)).replace("nurses", w)
               for k, w in enumerate(["nurses", "teachers", "drivers", "pilots", "farmers", "cooks"])]
    rcts = [RCT.replace("120", str(60 + 11 * k)).replace("asthma", w)
            for k, w in enumerate(["asthma", "gout", "eczema", "acne", "migraine", "psoriasis"])]
    records = ([{"id": f"s{k}", "study_type": "observational", "trials": []} for k in range(len(surveys))]
               + [{"id": f"r{k}", "study_type": "rct", "trials": []} for k in range(len(rcts))])
    texts = {**{f"s{k}": t for k, t in enumerate(surveys)}, **{f"r{k}": t for k, t in enumerate(rcts)}}
    unseen = SURVEY.replace("nurses", "miners").replace("300", "412")
    assert extract(rules_nlp, unseen).study_type == "trial"  # what the rules say
    models = train_all(records, texts, rules_nlp, only=["study_type"])
    assert models == train_all(records, texts, rules_nlp, only=["study_type"])  # deterministic
    nlp = _decide(build_nlp(trained=None), models["study_type"])
    claims = extract(nlp, unseen)
    assert claims.study_type == "observational" and claims.trials == []
    assert claims.study_type_score is not None and claims.study_type_score > 0.5
    assert extract(nlp, RCT.replace("asthma", "rhinitis")).study_type == "rct"


@pytest.mark.parametrize("bias, kept", [(-8.0, False), (8.0, True)])
def test_learn_design_score_gates_tags(bias, kept):
    model = LinearModel(["drop", "keep"], {}, [bias], {})
    nlp = _decide(build_nlp(trained=None), {design.NAME: model})
    trial = extract(nlp, RCT).trials[0]
    assert bool(trial.design) is kept
    assert all(0.0 <= s <= 1.0 for s in trial.design_scores.values())
    assert set(trial.design_scores) == set(trial.design)


def _stored_values(claims: ArticleClaims):
    for trial in claims.trials:
        for arm in trial.arms:
            yield from ((d.start, d.end, d.text) for d in arm.doses)
        yield from ((o.start, o.end, o.text) for o in trial.outcomes)


@pytest.mark.parametrize("text", [RCT, SURVEY, RCT + "\n\n" + SURVEY])
def test_learn_shipped_models_keep_evidence_offsets(text):
    nlp = build_nlp()
    claims = extract(nlp, text)
    for start, end, evidence in _stored_values(claims):
        assert text[start:end] == evidence
    out = claims.to_json(text)
    for trial in out["trials"]:
        assert check_evidence(trial, text) == (True, "")
    if nlp.get_pipe("claims_decide").models:
        assert claims.study_type_score is not None
        assert all(o.direction_score is not None for t in claims.trials for o in t.outcomes)


def test_learn_folds_group_by_article_and_ignore_order():
    records = [{"id": f"a{k}"} for k in range(23)]
    split = folds(records, 5, seed=3)
    tested = [r["id"] for _, test in split for r in test]
    assert sorted(tested) == sorted(r["id"] for r in records)  # each article tested exactly once
    for train, test in split:
        assert not {r["id"] for r in train} & {r["id"] for r in test}
    again = folds(list(reversed(records)), 5, seed=3)
    assert [sorted(r["id"] for r in t) for _, t in again] == [sorted(r["id"] for r in t) for _, t in split]
    assert folds(records, 5, seed=4) != split


def test_learn_study_type_features_are_the_runtime_ones(rules_nlp):
    """Training reads the features the component computes at run time, from the same Doc."""
    doc = rules_nlp(RCT)
    x = study_type.features(doc)
    assert x["rule=rct"] == 1.0 and x["design:randomized"] > 0


@pytest.mark.parametrize("bias, drop_below, kept", [(-8.0, 0.0, True), (-8.0, 0.4, False), (8.0, 0.4, True)])
def test_learn_trial_score_drops_only_below_threshold(monkeypatch, bias, drop_below, kept):
    from pipeline.learn import trial as trial_decision

    monkeypatch.setattr(trial_decision, "DROP_BELOW", drop_below)
    model = LinearModel(["drop", "keep"], {}, [bias], {})
    nlp = _decide(build_nlp(trained=None), {trial_decision.NAME: model})
    claims = extract(nlp, RCT)
    assert bool(claims.trials) is kept
    assert all(t.score is not None and (t.score > 0.99) is (bias > 0) for t in claims.trials)
    assert all("score" in t for t in claims.to_json(RCT)["trials"])


@pytest.mark.parametrize("text", [RCT, SURVEY, "", "Mice cells. Lab rats", "Over two YEARS, 18 studies said: will",
                                  "An analysis of 106 randomized trials.", "x" * 1499 + " cells"])
def test_study_type_word_features_skip_only_cues_that_cannot_match(text, monkeypatch):
    """A cue regex is skipped where the text lacks the strings it needs: the word features are those of a scan of
    every regex. The cue regexes are lower-case, read on the lowered text with case."""
    assert not any(re.search(r"(?<!\\)[A-Z]", regex.pattern) for regex in study_type.NEEDED)
    skipping = study_type._word_features(text)
    monkeypatch.setattr(study_type, "NEEDED", {})
    assert skipping == study_type._word_features(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n,-1", max_size=40), st.integers(0, 45))
def test_study_type_counts_split_at_a_line_break_as_whole_scans(text, lead):
    """A line-bound regex counted in two parts, split at the lead's last line break, counts what scans of the whole
    text and of its lead count."""
    for pattern in (r"\b(?:a|ab|b)\b", r"\b(?:a[\w-]* ){0,2}?b\b", r"\d[\d,]*|\bba\b"):
        regex = re.compile(pattern)
        assert study_type.line_bound(regex)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(study_type, "LEAD_CHARS", lead)
            patch.setattr(study_type, "LINE_BOUND", frozenset([regex]))
            counts = study_type._counts(regex, text, text.rfind("\n", 0, lead))
        assert counts == (len(regex.findall(text)), len(regex.findall(text[:lead])))


@pytest.mark.parametrize("pattern", [r"a\sb", r"a.b", r"a[^x]b", r"a(?=b)", r"ab$", r"\b(?:a)?", r"a\Wb", r"[\n]"])
def test_study_type_line_bound_refuses_what_can_cross_or_match_empty(pattern):
    assert not study_type.line_bound(re.compile(pattern))


def test_study_type_cue_groups_are_line_bound():
    assert study_type.LINE_BOUND == frozenset(study_type.GROUPS.values())

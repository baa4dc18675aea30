"""Scoring, the `claims eval` gate and the extractor bench, on small records written here."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli.evaluation import eval_command
from pipeline.evaluation import bench
from pipeline.evaluation.gate import texts_sha256
from pipeline.evaluation.scorer import _assign, check_evidence, score
from pipeline.evaluation.scorer import scored_duration as normalize_duration

# An article in the shape of a university press release (made-up trial, numbers borrowed).
SENTENCES = [
    "Researchers at Northfield University enrolled 120 adults with chronic migraine in a "
    "randomized, placebo-controlled trial that lasted 16 weeks.",
    "Sixty participants took 400 mg of riboflavin a day and 58 took a placebo.",
    "Headache days fell by 40 percent in the riboflavin group compared with 12 percent in the placebo group.",
    "Side effects were similar in both groups.",
    "A larger trial is planned for next year, the team said.",
    "An earlier study of 48 patients at the same clinic had tested 200 mg of magnesium a day against placebo.",
]
TEXT = "\n\n".join(SENTENCES)


def _ev(*indexes: int) -> dict[str, Any]:
    ev = [SENTENCES[i] for i in indexes]
    return {"evidence": ev, "evidence_offsets": [[TEXT.index(s), TEXT.index(s) + len(s)] for s in ev]}


def main_trial() -> dict[str, Any]:
    return {
        "role": "main", "status": "completed", "design": ["randomized", "placebo-controlled"],
        "size": 120, "duration": "16 weeks", "condition": "chronic migraine", "population": "adults",
        "arms": [
            {"label": "riboflavin", "n": 60, "intervention": "riboflavin",
             "dose": {"value": 400, "upper": None, "unit": "mg", "per": "day", "text": "400 mg of riboflavin a day"}},
            {"label": "placebo", "n": 58, "intervention": "placebo", "dose": None},
        ],
        "outcomes": [
            {"measure": "headache days", "arm": "riboflavin", "comparator": "placebo", "value": 40, "unit": "%",
             "direction": "improved", "text": "Headache days fell by 40 percent in the riboflavin group",
             "optional": False},
            {"measure": "headache days", "arm": "placebo", "value": 12, "unit": "%", "direction": "reference",
             "text": "12 percent in the placebo group", "optional": False},
            {"measure": "side effects", "arm": "between groups", "value": None, "unit": None,
             "direction": "no difference", "text": "Side effects were similar in both groups", "optional": False},
        ],
        **_ev(0, 1, 2, 3),
        "optional": False,
    }


def mentioned_trial() -> dict[str, Any]:
    return {
        "role": "mentioned", "status": "completed", "design": ["placebo-controlled"], "size": 48,
        "duration": None, "arms": [
            {"label": "magnesium", "n": None, "intervention": "magnesium",
             "dose": {"value": 200, "upper": None, "unit": "mg", "per": "day", "text": "200 mg of magnesium a day"}},
            {"label": "placebo", "n": None, "intervention": "placebo", "dose": None},
        ],
        "outcomes": [], **_ev(5), "optional": False,
    }


def planned_trial() -> dict[str, Any]:
    return {
        "role": "planned", "status": "planned", "design": [], "size": None, "duration": None,
        "arms": [{"label": "riboflavin", "n": None, "intervention": "riboflavin", "dose": None}],
        "outcomes": [], **_ev(4), "optional": True,
    }


def gold_record() -> dict[str, Any]:
    return {
        "id": "art-1", "study_type": "rct", "tags": ["drug-dose", "multi-trial"],
        "trials": [main_trial(), mentioned_trial(), planned_trial()],
    }


def non_trial_record() -> dict[str, Any]:
    return {"id": "art-2", "study_type": "observational", "tags": ["non-trial"], "trials": []}


def as_prediction(gold: dict[str, Any]) -> dict[str, Any]:
    """What a perfect extractor would emit: no optional trials or outcomes, no annotation-only keys."""
    pred = copy.deepcopy(gold)
    pred["trials"] = [t for t in pred["trials"] if not t.pop("optional", False)]
    for t in pred["trials"]:
        t["outcomes"] = [o for o in t["outcomes"] if not o.pop("optional", False)]
    pred.pop("tags", None)
    return pred


TEXTS = {"art-1": TEXT, "art-2": "Coffee drinkers in a cohort of 9,000 nurses lived longer."}


def run(gold: list[dict[str, Any]], pred: list[dict[str, Any]]):
    return score(gold, pred, TEXTS)


def f1(report, key: str) -> float | None:
    return report.counts(key).f1


# --- scoring --------------------------------------------------------------------------------


def test_eval_perfect_prediction_scores_one_everywhere():
    gold = [gold_record(), non_trial_record()]
    report = run(gold, [as_prediction(g) for g in gold])
    for key in ("article", "trial", "size", "duration", "design", "arm", "arm_n", "dose", "dose_full",
                "outcome", "outcome_detect"):
        assert report.value(key) == 1.0, key
    for key in ("direction", "study_type", "status", "evidence"):
        assert report.value(key) == 1.0, key
    assert report.counts("trial").tp == 2  # the optional planned trial is not counted
    assert report.counts("outcome").tp == 2 and report.counts("outcome_detect").tp == 3
    assert all(not a.problems for a in report.articles)


def test_eval_empty_prediction_scores_zero_recall_and_no_precision():
    gold = [gold_record(), non_trial_record()]
    report = run(gold, [{"id": "art-1", "study_type": "other", "trials": []},
                        {"id": "art-2", "study_type": "observational", "trials": []}])
    trial = report.counts("trial")
    assert (trial.tp, trial.fp, trial.fn) == (0, 0, 2)
    assert trial.precision is None and trial.recall == 0.0 and trial.f1 == 0.0
    assert report.counts("dose").fn == 2  # riboflavin and magnesium doses
    assert report.acc("study_type").correct == 1
    assert report.value("evidence") is None  # nothing predicted, nothing to check


def test_eval_wrong_size_is_one_false_positive_and_one_false_negative():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["size"] = 118
    report = run(gold, [pred])
    size = report.counts("size")
    assert (size.tp, size.fp, size.fn) == (1, 1, 1)
    assert report.value("trial") == 1.0  # still the same trial
    assert any("size: gold 120" in p and "pred 118" in p for p in report.articles[0].problems)


def test_eval_size_alt_is_accepted():
    gold = [gold_record()]
    gold[0]["trials"][0]["size_alt"] = [118]
    pred = as_prediction(gold[0])
    pred["trials"][0]["size"] = 118
    assert run(gold, [pred]).value("size") == 1.0


def test_eval_size_only_in_size_alt_is_neither_rewarded_nor_penalised():
    gold = [gold_record()]
    gold[0]["trials"][1].update(size=None, size_alt=[48])
    pred = as_prediction(gold[0])
    size_before = run(gold, [as_prediction(gold[0])]).counts("size")
    pred["trials"][1]["size"] = 48
    size_after = run(gold, [pred]).counts("size")
    assert (size_after.tp, size_after.fp, size_after.fn) == (size_before.tp, size_before.fp, size_before.fn)
    pred["trials"][1]["size"] = 47
    assert run(gold, [pred]).counts("size").fp == 1


def test_eval_missed_arm_counts_arm_n_and_dose_false_negatives():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["arms"] = [a for a in pred["trials"][0]["arms"] if a["label"] != "riboflavin"]
    report = run(gold, [pred])
    assert (report.counts("arm").tp, report.counts("arm").fn) == (3, 1)
    arm_n = report.counts("arm_n")
    assert (arm_n.tp, arm_n.fn, arm_n.fp) == (1, 1, 0)
    dose = report.counts("dose")
    assert (dose.tp, dose.fn, dose.fp) == (1, 1, 0)
    assert report.value("trial") == 1.0
    assert any("missed arm 'riboflavin' n=60" in p for p in report.articles[0].problems)


def test_eval_wrong_dose_unit_fails_dose_and_full_dose_but_wrong_per_fails_only_full_dose():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["arms"][0]["dose"]["per"] = None
    report = run(gold, [pred])
    assert report.value("dose") == 1.0
    assert report.counts("dose_full").fn == 1 and report.counts("dose_full").fp == 1
    pred["trials"][0]["arms"][0]["dose"].update(unit="g", per="day")
    report = run(gold, [pred])
    assert report.counts("dose").tp == 1 and report.counts("dose").fn == 1  # magnesium right, riboflavin wrong


def test_eval_dose_units_are_normalised():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["arms"][0]["dose"].update(unit="milligrams", per="daily", value=400.0)
    assert run(gold, [pred]).value("dose_full") == 1.0


def test_eval_spurious_trial_is_a_false_positive_with_its_fields():
    gold = [gold_record(), non_trial_record()]
    preds = [as_prediction(g) for g in gold]
    preds[1]["trials"] = [{
        "role": "main", "status": "completed", "design": ["cohort"], "size": 9000, "duration": None,
        "arms": [{"label": "coffee", "n": 9000, "intervention": "coffee", "dose": None}], "outcomes": [],
        "evidence": [TEXTS["art-2"]], "evidence_offsets": [[0, len(TEXTS["art-2"])]],
    }]
    report = run(gold, preds)
    trial = report.counts("trial")
    assert (trial.tp, trial.fp, trial.fn) == (2, 1, 0)
    assert report.counts("size").fp == 1 and report.counts("arm_n").fp == 1 and report.counts("design").fp == 1
    art = report.counts("article")
    assert (art.tp, art.fp, art.fn) == (1, 1, 0)
    assert report.slices()["non-trial"]["trial"] == 0.0
    assert report.slices()["drug-dose"]["trial"] == 1.0


def test_eval_predicting_an_optional_trial_is_neither_rewarded_nor_penalised():
    gold = [gold_record()]
    with_optional = copy.deepcopy(gold[0])
    for t in with_optional["trials"]:
        t.pop("optional")
    base = run(gold, [as_prediction(gold[0])])
    report = run(gold, [with_optional])
    for key in ("trial", "size", "arm", "dose", "design"):
        a, b = base.counts(key), report.counts(key)
        assert (a.tp, a.fp, a.fn) == (b.tp, b.fp, b.fn), key
    # the same planned trial marked required is a miss when not predicted
    required = copy.deepcopy(gold)
    required[0]["trials"][2]["optional"] = False
    assert run(required, [as_prediction(gold[0])]).counts("trial").fn == 1


def test_eval_trials_are_matched_by_content_not_order():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"].reverse()
    for t in pred["trials"]:
        t["evidence"], t["evidence_offsets"] = [], []  # no shared evidence: drugs and sizes decide
    report = run(gold, [pred])
    assert report.value("trial") == 1.0 and report.value("size") == 1.0 and report.value("dose") == 1.0


@pytest.mark.parametrize(
    "pred, gold, alt, equal",
    [
        ("16 weeks", "16 weeks", None, True),
        ("16-week", "16 weeks", None, True),
        ("sixteen weeks", "16 weeks", None, True),
        ("a 16 week trial", "16 weeks", None, True),
        ("4 months", "16 weeks", None, False),
        ("112 days", "16 weeks", None, False),
        ("4 months", "16 weeks", ["4 months"], True),
        ("twenty-four weeks", "16 weeks", ["24 weeks"], True),
        ("1.8 years", "1.8 years", None, True),
    ],
)
def test_eval_duration_normalisation(pred, gold, alt, equal):
    g = gold_record()
    g["trials"][0]["duration"] = gold
    if alt:
        g["trials"][0]["duration_alt"] = alt
    p = as_prediction(g)
    p["trials"][0]["duration"] = pred
    d = run([g], [p]).counts("duration")
    assert (d.tp == 1) is equal
    assert (d.fp, d.fn) == ((0, 0) if equal else (1, 1))


def test_eval_normalize_duration_values():
    assert normalize_duration("16-week") == normalize_duration("sixteen weeks") == "16 week"
    assert normalize_duration("over a five-month period") == "5 month"
    assert normalize_duration("4 months") != normalize_duration("16 weeks")
    assert normalize_duration(None) is None


def test_eval_evidence_offset_mismatch_lowers_the_evidence_share():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    s, e = pred["trials"][0]["evidence_offsets"][0]
    pred["trials"][0]["evidence_offsets"][0] = [s + 1, e + 1]
    report = run(gold, [pred])
    acc = report.acc("evidence")
    assert (acc.correct, acc.total) == (1, 2)
    assert report.value("trial") == 1.0  # offsets do not decide detection
    assert any("evidence (pred trial 1): offsets" in p for p in report.articles[0].problems)


def test_eval_outcome_text_outside_evidence_fails_the_evidence_check():
    trial = as_prediction(gold_record())["trials"][1]
    assert check_evidence(trial, TEXT) == (True, "")
    trial["outcomes"] = [{"arm": "magnesium", "value": 30, "unit": "%", "text": "40 percent", "direction": None}]
    ok, why = check_evidence(trial, TEXT)
    assert not ok and "outcome text" in why


def test_eval_outcome_value_needs_the_right_arm():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["outcomes"][1]["arm"] = "riboflavin"  # 12 % put on the wrong arm
    report = run(gold, [pred])
    out = report.counts("outcome")
    assert (out.tp, out.fp, out.fn) == (1, 1, 1)
    assert report.value("outcome_any_arm") == 1.0


def test_eval_outcome_values_compare_within_relative_tolerance_and_without_percent_sign():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["outcomes"][0]["value"] = 40 * (1 + 1e-8)
    pred["trials"][0]["outcomes"][1]["value"] = "12%"
    assert run(gold, [pred]).value("outcome") == 1.0
    pred["trials"][0]["outcomes"][0]["value"] = 40.01
    assert run(gold, [pred]).counts("outcome").fn == 1


def test_eval_optional_outcomes_are_ignored_both_ways():
    gold = [gold_record()]
    gold[0]["trials"][0]["outcomes"].append(
        {"measure": "responders", "arm": "riboflavin", "value": 25, "unit": "%", "direction": "improved",
         "text": "40 percent", "optional": True})
    pred = as_prediction(gold[0])
    base = run(gold, [pred]).counts("outcome")
    pred["trials"][0]["outcomes"].append(
        {"measure": "responders", "arm": "riboflavin", "value": 25, "unit": "%", "direction": "improved",
         "text": "40 percent"})
    with_it = run(gold, [pred]).counts("outcome")
    assert (base.tp, base.fp, base.fn) == (with_it.tp, with_it.fp, with_it.fn) == (2, 0, 0)


def test_eval_null_value_outcomes_count_for_detection_and_direction_only():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    null_outcome = pred["trials"][0]["outcomes"][2]
    null_outcome["direction"] = "improved"
    report = run(gold, [pred])
    assert report.value("outcome") == 1.0
    assert report.value("outcome_detect") == 1.0
    assert report.acc("direction").correct == report.acc("direction").total - 1
    pred["trials"][0]["outcomes"].pop(2)
    report = run(gold, [pred])
    assert report.value("outcome") == 1.0 and report.counts("outcome_detect").fn == 1


def test_eval_design_is_scored_per_tag():
    gold = [gold_record()]
    pred = as_prediction(gold[0])
    pred["trials"][0]["design"] = ["randomised", "double-blind"]
    report = run(gold, [pred])
    tags = report.design_per_tag()
    assert tags["randomized"].tp == 1
    assert tags["placebo-controlled"].fn == 1 and tags["double-blind"].fp == 1
    d = report.counts("design")
    assert (d.tp, d.fp, d.fn) == (2, 1, 1)  # mentioned trial's placebo-controlled is the other TP


def test_eval_study_type_alt_and_status_alt_are_accepted():
    gold = [gold_record()]
    gold[0]["study_type_alt"] = "trial"
    gold[0]["trials"][0]["status_alt"] = ["ongoing"]
    pred = as_prediction(gold[0])
    pred["study_type"] = "trial"
    pred["trials"][0]["status"] = "ongoing"
    report = run(gold, [pred])
    assert report.value("study_type") == 1.0 and report.value("status") == 1.0
    pred["study_type"] = "observational"
    pred["trials"][0]["status"] = "planned"
    report = run(gold, [pred])
    assert report.value("study_type") == 0.0 and report.acc("status").correct == 1


def test_eval_missing_prediction_is_an_error():
    with pytest.raises(ValueError, match="no prediction for 1 gold record"):
        score([gold_record(), non_trial_record()], [as_prediction(gold_record())], TEXTS)


def test_eval_assignment_is_optimal_where_greedy_is_not():
    # greedy takes (0, 0) = 5 and is left with (1, 1) = 0; the best total pairs (0, 1) and (1, 0)
    sim = [[5.0, 4.0], [4.0, 0.0]]
    assert sorted(_assign(sim, minimum=1.0)) == [(0, 1), (1, 0)]
    assert _assign([[0.5]], minimum=1.0) == []
    assert sorted(_assign([[2.0, 3.0, 1.5]], minimum=1.0)) == [(0, 1)]


# --- claims eval --------------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    gold = [gold_record(), non_trial_record()]
    paths = {k: tmp_path / f"{k}.jsonl" for k in ("gold", "corpus", "pred")}
    paths["gold"].write_text("".join(json.dumps(g) + "\n" for g in gold))
    paths["corpus"].write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in TEXTS.items()))
    # a prediction that misses the mentioned trial: trial F1 = 2/3
    pred = as_prediction(gold[0])
    pred["trials"] = pred["trials"][:1]
    paths["pred"].write_text(json.dumps(pred) + "\n" + json.dumps(as_prediction(gold[1])) + "\n")
    paths["baseline"] = tmp_path / "baseline.json"
    return paths


def invoke(tiny: dict[str, Path], *extra: str):
    args = ["--gold", str(tiny["gold"]), "--corpus", str(tiny["corpus"]), "--predictions", str(tiny["pred"]),
            "--baseline", str(tiny["baseline"]), *extra]
    return CliRunner().invoke(eval_command, args)


def write_floors(path: Path, **floors: float) -> None:
    path.write_text(json.dumps({"gold_sha256": None, "corpus_sha256": None, "floors": floors}))


def test_eval_cli_exits_1_below_a_floor(tiny):
    write_floors(tiny["baseline"], trial=0.9, size=0.0)
    result = invoke(tiny)
    assert result.exit_code == 1, result.output
    assert "trial: 0.6667 < floor 0.9000" in result.output
    assert "REGRESSION" in result.output


def test_eval_cli_passes_at_or_above_floors_and_prints_targets(tiny):
    write_floors(tiny["baseline"], trial=0.6, size=0.5)
    result = invoke(tiny, "--errors")
    assert result.exit_code == 0, result.output
    assert "trial" in result.output and "0.850" in result.output  # the target column
    assert "missed trial 2: mentioned n=48" in result.output


def test_eval_cli_json_output(tiny):
    write_floors(tiny["baseline"], trial=0.0)
    result = invoke(tiny, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fields"]["trial"]["tp"] == 1 and data["fields"]["trial"]["fn"] == 1
    assert data["slices"]["drug-dose"]["n"] == 1


def test_eval_cli_update_raises_floors_and_never_lowers_them_without_allow_regression(tiny):
    write_floors(tiny["baseline"], trial=0.0, size=0.0)
    assert invoke(tiny, "--update").exit_code == 0
    saved = json.loads(tiny["baseline"].read_text())
    assert saved["floors"]["trial"] == pytest.approx(0.6666, abs=1e-4)
    assert saved["corpus_sha256"] == texts_sha256(TEXTS)

    write_floors(tiny["baseline"], trial=0.95)
    result = invoke(tiny, "--update")
    assert result.exit_code == 1
    assert json.loads(tiny["baseline"].read_text())["floors"]["trial"] == 0.95

    result = invoke(tiny, "--update", "--allow-regression")
    assert result.exit_code == 0, result.output
    assert json.loads(tiny["baseline"].read_text())["floors"]["trial"] == pytest.approx(0.6666, abs=1e-4)


def test_eval_cli_reports_a_changed_corpus_hash(tiny):
    invoke(tiny, "--update")
    tiny["corpus"].write_text(tiny["corpus"].read_text().replace("Northfield", "Southfield"))
    result = invoke(tiny)
    assert "corpus texts changed since the baseline" in result.output


def test_eval_cli_fails_when_gold_is_absent(tmp_path):
    result = CliRunner().invoke(eval_command, ["--gold", str(tmp_path / "nope" / "dev.jsonl")])
    assert result.exit_code == 1
    assert "gold file" in result.output and "not found" in result.output


def test_eval_cli_bad_predictions_line_is_a_clear_error(tiny):
    tiny["pred"].write_text('{"id": "art-1", "trials": []}\nnot json\n')
    result = invoke(tiny)
    assert result.exit_code == 1
    assert "pred.jsonl:2: not JSON" in result.output


def test_eval_cli_runs_the_extractor_in_process(tiny):
    args = ["--gold", str(tiny["gold"]), "--corpus", str(tiny["corpus"]), "--baseline", str(tiny["baseline"]),
            "--json"]
    result = CliRunner().invoke(eval_command, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_articles"] == 2
    assert data["fields"]["study_type"]["total"] == 2


# --- bench --------------------------------------------------------------------------------


def test_bench_runs_over_a_small_corpus_and_skips_without_one(tmp_path, capsys):
    corpus = tmp_path / "shared" / bench.CORPUS
    corpus.parent.mkdir(parents=True)
    corpus.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in TEXTS.items()))
    result = bench.run(bench.load_corpus(corpus), trace_limit=1)
    assert result.articles == 2 and result.chars == sum(len(t) for t in TEXTS.values())
    assert result.traced_articles == 1 and result.max_rss_mb > 0
    assert 0 <= result.with_trial <= 2 and not result.failed
    assert bench.main(["--shared", str(tmp_path / "absent")]) == 0
    assert "skipped: corpus" in capsys.readouterr().out


def test_bench_times_claims_extract_jsonl_in_a_child_process():
    run = bench.run_cli(list(TEXTS.items()))
    assert run.exit_code == 0 and run.articles == len(TEXTS)
    assert run.seconds > 0 and run.cpu_seconds > 0 and run.max_rss_mb > 50  # a spaCy pipeline was built in it
    text = bench.format_result(bench.BenchResult(2, 10, 1.0, 0.1, 2.0, 10.0, 100.0, 1, 1.0, 1, 1, "cpu 0", cli=run))
    assert "claims extract --jsonl, as users run it" in text and "peak RSS" in text


def test_eval_cli_prediction_missing_for_a_corpus_article_is_an_error(tiny):
    tiny["pred"].write_text(json.dumps(as_prediction(gold_record())) + "\n")
    result = invoke(tiny)
    assert result.exit_code == 1
    assert "no prediction for 1 gold record(s): art-2" in result.output


def test_eval_cli_leaves_out_a_seed_record_that_has_no_prediction(tiny):
    seed = {**gold_record(), "id": "seed-x", "seed_passages": SENTENCES}
    # the seed's offsets index its passages joined by "\n"; the prediction file has no line for it
    for t in seed["trials"]:
        t["evidence_offsets"] = [["\n".join(SENTENCES).index(e), "\n".join(SENTENCES).index(e) + len(e)]
                                 for e in t["evidence"]]
    with tiny["gold"].open("a") as fh:
        fh.write(json.dumps(seed) + "\n")
    result = invoke(tiny, "--json")
    assert result.exit_code == 0, result.output
    assert "left out (not in the corpus, no prediction): seed-x" in result.output
    assert '"n_articles": 2' in result.output


def test_external_size_scoring_counts_each_case():
    from pipeline.evaluation.sizes import score_sizes

    gold = [
        {"id": "a", "split": "test_gold", "size": 151},
        {"id": "b", "split": "test_gold", "size": 56},
        {"id": "c", "split": "test_gold", "size": None},
        {"id": "d", "split": "test_gold", "size": 80, "ambiguous": True},
        {"id": "e", "split": "train_crowd", "size": None},
        {"id": "f", "split": "train_crowd", "size": 30},
    ]
    predicted = {"a": 151, "b": 60, "c": 12, "d": 80, "e": 5, "f": None}
    scores = score_sizes(gold, predicted.get)
    test = scores["test_gold"]
    assert (test.scored, test.tp, test.fp, test.fn) == (3, 1, 2, 1)
    assert round(test.precision, 3) == 0.333 and test.recall == 0.5
    crowd = scores["train_crowd"]
    assert (crowd.scored, crowd.tp, crowd.fp, crowd.fn) == (1, 0, 0, 1)

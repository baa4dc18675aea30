"""Gold helpers for training: loading with texts, and the outcome pairs the scorer compares."""

from __future__ import annotations

import json

from pipeline.learn.gold import load_gold, outcome_pairs


def _trial(outcomes, arms=("drugzumab", "placebo")):
    return {"role": "main", "size": 120, "arms": [{"label": a, "intervention": a, "n": None, "dose": None} for a in arms],
            "outcomes": outcomes, "evidence": ["x"], "evidence_offsets": [[0, 1]]}


def _outcome(value, arm, direction, text="attacks fell"):
    return {"measure": "attacks", "arm": arm, "value": value, "unit": "%", "direction": direction, "text": text}


def test_learn_outcome_pairs_need_value_and_arm():
    gold = {"id": "g", "trials": [_trial([_outcome(40, "drugzumab", "improved"), _outcome(10, "placebo", "reference"),
                                          {**_outcome(5, "placebo", None), "optional": True}])]}
    pred = {"id": "g", "trials": [_trial([_outcome(10, "drugzumab", "improved"), _outcome(40, "drugzumab", None),
                                          _outcome(5, "placebo", None)])]}
    pairs = outcome_pairs(gold, pred)
    assert [(g["value"], ti, oi) for g, ti, oi in pairs] == [(40, 0, 1)]  # 10 sits on the wrong arm; 5 is optional
    loose = outcome_pairs(gold, pred, use_arm=False)
    assert sorted((g["value"], oi) for g, _, oi in loose) == [(10, 0), (40, 1)]


def test_learn_load_gold_reads_corpus_text_and_later_files_win(tmp_path):
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text(json.dumps({"id": "a1", "text": "Made-up text one."}) + "\n", encoding="utf-8")
    first, second = tmp_path / "train.jsonl", tmp_path / "extra.jsonl"
    first.write_text(json.dumps({"id": "a1", "study_type": "rct", "trials": []}) + "\n"
                     + json.dumps({"id": "gone", "study_type": "rct", "trials": []}) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "a1", "study_type": "trial", "trials": []}) + "\n"
                      + json.dumps({"id": "s1", "study_type": "other", "trials": [], "seed_passages": ["A.", "B."]}) + "\n",
                      encoding="utf-8")
    records, texts = load_gold([first, second], corpus)
    assert {r["id"]: r["study_type"] for r in records} == {"a1": "trial", "s1": "other"}  # no text: "gone" is left out
    assert texts == {"a1": "Made-up text one.", "s1": "A.\nB."}

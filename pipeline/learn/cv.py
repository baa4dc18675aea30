"""``python -m pipeline.learn.cv``: rules alone vs trained decisions, on dev (fit on train) and on 5-fold CV.

The folds are over train + dev grouped by article; every fold is scored with the project's scorer
(GUIDELINE section 9). Columns: the rules alone, each decision alone over the rules, all decisions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline.evaluation.scorer import FIELDS, score
from pipeline.extract import extract
from pipeline.learn.gold import CORPUS_REL, SEED, folds, load_gold
from pipeline.learn.linear import LinearModel
from pipeline.learn.registry import modules
from pipeline.learn.train import flat, train_all

CV_BASELINE = Path("tests") / "golden" / "cv_baseline.json"
SHOWN = ("trial", "size", "duration", "design", "arm_n", "dose", "dose_full", "outcome_any_arm", "outcome",
         "direction", "study_type", "status", "evidence")


def predict(nlp: Language, records: Sequence[Mapping[str, Any]], texts: Mapping[str, str],
            models: Mapping[str, LinearModel]) -> dict[str, dict[str, Any]]:
    """Predictions with ``models`` in claims_decide (none: the rules alone)."""
    decide = nlp.get_pipe("claims_decide")
    decide.models = dict(models)
    try:
        out = {}
        for rec in records:
            text = texts[rec["id"]]
            out[rec["id"]] = {"id": rec["id"], **extract(nlp, text).to_json(text)}
        return out
    finally:
        decide.models = {}


def variants(models: Mapping[str, Mapping[str, LinearModel]]) -> dict[str, dict[str, LinearModel]]:
    out: dict[str, dict[str, LinearModel]] = {"rules": {}}
    for decision, group in models.items():
        out[f"+{decision}"] = dict(group)
    out["trained"] = flat(models)
    return out


def run_split(nlp: Language, train: list[dict[str, Any]], test: list[dict[str, Any]], texts: Mapping[str, str],
              preds: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Fit on ``train``, predict ``test`` under every variant, adding to ``preds[variant]``."""
    models = train_all(train, texts, nlp)
    for name, chosen in variants(models).items():
        preds.setdefault(name, {}).update(predict(nlp, test, texts, chosen))


def table(title: str, gold: list[dict[str, Any]], texts: Mapping[str, str],
          preds: Mapping[str, Mapping[str, dict[str, Any]]]) -> str:
    reports = {name: score(gold, p, texts) for name, p in preds.items()}
    labels = {f.key: f.label for f in FIELDS}
    names = list(preds)
    lines = [title, f"{'field':<26}" + "".join(f"{n:>13}" for n in names)]
    for key in SHOWN:
        row = [reports[n].value(key) for n in names]
        lines.append(f"{labels[key]:<26}" + "".join(f"{'-' if v is None else f'{v:.3f}':>13}" for v in row))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold-dir", type=Path, default=Path("../shared/gold"))
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-dev", action="store_true", help="skip the fit-on-train, score-on-dev table")
    parser.add_argument("--baseline", type=Path, default=CV_BASELINE, help="CV floors of the trained pipeline (JSON)")
    parser.add_argument("--update", action="store_true", help="raise the CV floors to the current scores")
    parser.add_argument("--allow-regression", action="store_true", help="do not fail below a floor; with --update, lower")
    args = parser.parse_args(argv)
    train_file, dev_file = args.gold_dir / "train.jsonl", args.gold_dir / "dev.jsonl"
    if not (train_file.exists() and dev_file.exists()):
        print(f"no gold at {args.gold_dir}: nothing to cross-validate", file=sys.stderr)
        return 2
    from pipeline.nlp import build_nlp

    start = time.perf_counter()
    corpus = args.corpus or args.gold_dir.parent / CORPUS_REL
    train, texts = load_gold([train_file], corpus)
    dev, dev_texts = load_gold([dev_file], corpus)
    texts = {**texts, **dev_texts}
    nlp = build_nlp(trained=None)
    print(f"decisions: {', '.join(m.NAME for m in modules())}")
    if not args.no_dev:
        preds: dict[str, dict[str, dict[str, Any]]] = {}
        run_split(nlp, train, dev, texts, preds)
        print(table(f"dev ({len(dev)} articles; fit on train, {len(train)})", dev, texts, preds))
    everything = train + dev
    preds = {}
    for fold_train, fold_test in folds(everything, args.folds, args.seed):
        run_split(nlp, fold_train, fold_test, texts, preds)
    print(table(f"\n{args.folds}-fold CV over train + dev ({len(everything)} articles, grouped by article)",
                everything, texts, preds))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return gate(score(everything, preds["trained"], texts), args.baseline, args.update, args.allow_regression)


def gate(report: Any, path: Path, update: bool, allow_regression: bool) -> int:
    """The CV floors of the trained pipeline, pinned like the dev floors of ``claims eval``."""
    from pipeline.evaluation.gate import load_baseline, regressions, update_floors

    floors = {k: float(v) for k, v in load_baseline(path)["floors"].items()}
    if update:
        floors = update_floors(floors, report, allow_regression)
        path.write_text(json.dumps({"what": "5-fold CV over train + dev, trained pipeline", "floors": floors},
                                   indent=2) + "\n", encoding="utf-8")
        print(f"CV floors written to {path}")
    failed = regressions(floors, report)
    if failed and not allow_regression:
        print("below CV floor: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

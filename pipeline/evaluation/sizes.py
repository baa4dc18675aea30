"""External check of trial-size extraction on EBM-NLP sample-size labels (373 RCT abstracts).

The labels were made by other people for another purpose, so this measures the size rules on text
they were never tuned on. A record counts as correct when the main trial's size equals the gold total;
a size predicted where the gold has none (or another) is a false positive. Ambiguous records are
skipped, as the data set's README prescribes; in the crowd split, records without a gold total are
not scored.

    claims eval-sizes --shared ../shared
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SizeScore:
    split: str
    scored: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_sizes(gold: Iterable[dict], predict: Callable[[str], int | None]) -> dict[str, SizeScore]:
    """Score ``predict(record_id) -> size`` against gold records, per split."""
    scores: dict[str, SizeScore] = {}
    for record in gold:
        if record.get("ambiguous"):
            continue
        split = record.get("split", "all")
        if split == "train_crowd" and record.get("size") is None:
            continue
        score = scores.setdefault(split, SizeScore(split))
        score.scored += 1
        want, got = record.get("size"), predict(record["id"])
        if got is not None and got == want:
            score.tp += 1
            continue
        if got is not None:
            score.fp += 1
        if want is not None:
            score.fn += 1
    return scores


def main_trial_size(nlp, text: str) -> int | None:
    from pipeline.extract import extract

    trials = [t for t in extract(nlp, text).trials if t.role == "main"]
    return trials[0].size if trials else None


def load_samplesize(shared: Path) -> tuple[list[dict], dict[str, str]] | None:
    """The EBM-NLP sample-size gold and abstracts under ``shared/external/samplesize``, or None if absent."""
    folder = shared / "external" / "samplesize"
    if not (folder / "gold.jsonl").exists():
        return None
    texts = {}
    with open(folder / "abstracts.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts[record["id"]] = record["text"]
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    return gold, texts

"""External check of trial-size extraction on EBM-NLP sample-size labels (373 RCT abstracts).

The labels were made by other people for another purpose, so this measures the size rules on text
they were never tuned on. A record counts as correct when the main trial's size equals the gold total;
a size predicted where the gold has none (or another) is a false positive. Ambiguous records are
skipped, as the data set's README prescribes; in the crowd split, records without a gold total are
not scored.

    python -m pipeline.eval_sizes --shared ../shared
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table


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
    from pipeline.extract import extract_article

    trials = [t for t in extract_article(nlp, text).trials if t.role == "main"]
    return trials[0].size if trials else None


@click.command()
@click.option("--shared", type=click.Path(path_type=Path), default=Path("../shared"), show_default=True,
              help="The shared data folder holding external/samplesize/.")
def main(shared: Path) -> None:
    """Size precision/recall on the EBM-NLP sample-size set.

    Example:

        python -m pipeline.eval_sizes --shared ../shared
    """
    folder = shared / "external" / "samplesize"
    if not (folder / "gold.jsonl").exists():
        click.echo(f"skipped: {folder}/gold.jsonl not found")
        return
    from pipeline.nlp import build_nlp

    nlp = build_nlp()
    texts = {}
    with open(folder / "abstracts.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts[record["id"]] = record["text"]
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    scores = score_sizes(gold, lambda record_id: main_trial_size(nlp, texts[record_id]))
    table = Table(title="Trial size on EBM-NLP sample-size labels (abstracts, not news)")
    for column in ("split", "scored", "P", "R", "F1", "tp/fp/fn"):
        table.add_column(column, justify="right")
    for score in scores.values():
        table.add_row(score.split, str(score.scored), f"{score.precision:.3f}", f"{score.recall:.3f}",
                      f"{score.f1:.3f}", f"{score.tp}/{score.fp}/{score.fn}")
    Console().print(table)


if __name__ == "__main__":
    main()

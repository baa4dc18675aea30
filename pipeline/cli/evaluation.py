"""`claims eval` (the dev gold gate) and `claims eval-sizes` (trial size on external sample-size labels)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from models.errors import ClaimsError
from pipeline.evaluation.gate import (
    DEFAULT_BASELINE,
    DEFAULT_CORPUS,
    DEFAULT_GOLD,
    file_sha256,
    hash_notes,
    load_baseline,
    load_gold,
    predict,
    read_jsonl,
    regressions,
    texts_sha256,
    update_floors,
    write_baseline,
)
from pipeline.evaluation.scorer import FIELDS, SLICE_FIELDS, Report, score
from pipeline.evaluation.sizes import load_samplesize, main_trial_size, score_sizes


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _print_tables(report: Report, floors: Mapping[str, float], slices: bool, min_slice: int = 2) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    # rich falls back to 80 columns when piped; the tables need a little more to stay one line a row
    console.width = max(console.width, 110)
    table = Table(title=f"claims eval: {len(report.articles)} articles")
    for col in ("field", "P", "R", "F1 / acc", "tp/fp/fn", "target", "floor", "status"):
        table.add_column(col, justify="left" if col in ("field", "status") else "right")
    for spec in FIELDS:
        value = report.value(spec.key)
        if spec.kind == "prf":
            c = report.counts(spec.key)
            p, r, n = _fmt(c.precision), _fmt(c.recall), f"{c.tp}/{c.fp}/{c.fn}"
        else:
            a = report.acc(spec.key)
            p, r, n = "", "", f"{a.correct}/{a.total}"
        floor = floors.get(spec.key)
        if value is None:
            status = "[dim]n/a[/dim]"
        elif floor is not None and value < float(floor) - 1e-9:
            status = "[bold red]REGRESSION[/bold red]"
        elif spec.target is not None and value < spec.target:
            status = "[yellow]below target[/yellow]"
        else:
            status = "[green]ok[/green]"
        table.add_row(spec.label, p, r, _fmt(value), n, _fmt(spec.target), _fmt(floor), status)
    console.print(table)
    if slices:
        st = Table(title="slices by tag")
        for col in ("tag", "n", *(f"{k} F1" for k in SLICE_FIELDS)):
            st.add_column(col, justify="left" if col == "tag" else "right")
        rows = report.slices()
        shown = {t: r for t, r in rows.items() if r["n"] >= min_slice}
        for tag, row in shown.items():
            st.add_row(tag, str(row["n"]), *(_fmt(row[k]) for k in SLICE_FIELDS))
        console.print(st)
        if len(shown) < len(rows):
            console.print(f"{len(rows) - len(shown)} tags with fewer than {min_slice} articles not shown "
                          "(all are in --json)")
        tags = report.design_per_tag()
        if tags:
            dt = Table(title="design tags")
            for col in ("tag", "P", "R", "F1", "tp/fp/fn"):
                dt.add_column(col, justify="left" if col == "tag" else "right")
            for tag, c in tags.items():
                dt.add_row(tag, _fmt(c.precision), _fmt(c.recall), _fmt(c.f1), f"{c.tp}/{c.fp}/{c.fn}")
            console.print(dt)


def _print_errors(report: Report) -> None:
    for art in report.articles:
        if not art.problems:
            continue
        opt = f" (+{art.n_optional} optional)" if art.n_optional else ""
        click.echo(f"{art.id}: gold {art.n_gold}{opt} / pred {art.n_pred} trials")
        for line in art.problems:
            click.echo(f"  {line}")


@click.command("eval")
@click.option("--gold", "gold_path", type=click.Path(path_type=Path), default=DEFAULT_GOLD,
              show_default="../shared/gold/dev.jsonl", help="Gold annotations (JSONL, GUIDELINE schema).")
@click.option("--corpus", "corpus_path", type=click.Path(path_type=Path), default=DEFAULT_CORPUS,
              show_default="../shared/corpus/fakehealth/articles.jsonl", help="Corpus JSONL holding the article texts by id.")
@click.option("--predictions", "pred_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Score this JSONL ({id, study_type, trials} per line) instead of running the extractor.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), default=DEFAULT_BASELINE,
              show_default="tests/golden/baseline.json", help="Floors and hashes (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of tables.")
@click.option("--update", is_flag=True, help="Raise floors in the baseline to the current scores.")
@click.option("--allow-regression", is_flag=True,
              help="Do not fail below a floor; with --update, lower floors to the current scores.")
@click.option("--slices/--no-slices", default=True, show_default=True, help="Show results per gold tag.")
@click.option("--errors", "show_errors", is_flag=True,
              help="Print per-article mismatches (missed/spurious trials, sizes, arms, doses, outcomes).")
def eval_command(
    gold_path: Path, corpus_path: Path, pred_path: Path | None, baseline_path: Path, as_json: bool,
    update: bool, allow_regression: bool, slices: bool, show_errors: bool,
) -> None:
    """Score the extractor against gold annotations; exit 1 when a score falls below its floor.

    Runs the extractor in-process over the gold texts (or scores --predictions), prints P/R/F1 per
    field against the targets and the floors pinned in tests/golden/baseline.json.

    Example:

    \b
        claims eval --gold ../shared/gold/dev.jsonl --errors
    """
    if not gold_path.is_file():
        # a gate that cannot run must not pass: `make eval` checks for ../shared itself and skips there
        raise click.ClickException(f"gold file {gold_path} not found")
    try:
        loaded = load_gold(gold_path, corpus_path)
        if loaded is None:
            raise click.ClickException(f"corpus {corpus_path} not found")
        gold, texts = loaded
        gold, preds, notes = _predictions(gold, texts, pred_path)
        report = score(gold, preds, texts)
        baseline = load_baseline(baseline_path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    gold_hash, corpus_hash = file_sha256(gold_path), texts_sha256(texts)
    notes += hash_notes(baseline, gold_hash, corpus_hash)
    floors = {k: float(v) for k, v in baseline["floors"].items()}
    failed = regressions(floors, report)
    if update:
        new_floors = update_floors(floors, report, allow_regression)
        write_baseline(baseline_path, gold_path.name, gold_hash, corpus_hash, len(report.articles), new_floors)
        notes.append(f"floors written to {baseline_path}")
        failed = regressions(new_floors, report)
    if as_json:
        click.echo(json.dumps({**report.to_json(), "floors": floors, "regressions": failed, "notes": notes},
                              indent=2))
    else:
        _print_tables(report, floors, slices)
        if show_errors:
            _print_errors(report)
    for note in notes:
        click.echo(note, err=True)
    if failed and not allow_regression:
        click.echo("below floor: " + "; ".join(failed), err=True)
        raise SystemExit(1)


def _predictions(gold: list[dict[str, Any]], texts: dict[str, str], pred_path: Path | None):
    """(gold, predictions by id, notes): from --predictions, or by running the extractor."""
    if pred_path is None:
        try:
            return gold, predict(gold, texts), []
        except ClaimsError as exc:
            raise click.ClickException(f"extractor failed: {exc}") from exc
    preds: Mapping[str, Mapping[str, Any]] = {str(p.get("id")): p for p in read_jsonl(pred_path)}
    # the seed passages are not in the corpus, so `claims extract --jsonl` over it has no line
    # for them: leave such records out (said below) rather than score them as empty
    unseen = [g["id"] for g in gold if g.get("seed_passages") and g["id"] not in preds]
    if not unseen:
        return gold, preds, []
    return ([g for g in gold if g["id"] not in unseen], preds,
            [f"left out (not in the corpus, no prediction): {', '.join(unseen)}"])


@click.command("eval-sizes")
@click.option("--shared", type=click.Path(path_type=Path), default=Path("../shared"), show_default=True,
              help="The shared data folder holding external/samplesize/.")
def eval_sizes_command(shared: Path) -> None:
    """Trial-size precision/recall on the EBM-NLP sample-size labels (RCT abstracts, other annotators).

    Example:

    \b
        claims eval-sizes --shared ../shared
    """
    loaded = load_samplesize(shared)
    if loaded is None:
        click.echo(f"skipped: {shared}/external/samplesize/gold.jsonl not found")
        return
    from pipeline.nlp import build_nlp

    gold, texts = loaded
    nlp = build_nlp()
    scores = score_sizes(gold, lambda record_id: main_trial_size(nlp, texts[record_id]))
    table = Table(title="Trial size on EBM-NLP sample-size labels (abstracts, not news)")
    for column in ("split", "scored", "P", "R", "F1", "tp/fp/fn"):
        table.add_column(column, justify="right")
    for result in scores.values():
        table.add_row(result.split, str(result.scored), f"{result.precision:.3f}", f"{result.recall:.3f}",
                      f"{result.f1:.3f}", f"{result.tp}/{result.fp}/{result.fn}")
    Console().print(table)

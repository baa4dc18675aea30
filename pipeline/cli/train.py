"""`claims train`: refit the trained decisions on the gold, plus reviewers' verdicts from a claims database."""

from __future__ import annotations

import time
from pathlib import Path

import click

from pipeline.cli.options import existing_db


@click.command("train")
@click.option("--gold-dir", type=click.Path(path_type=Path), default=Path("../shared/gold"), show_default=True,
              help="Folder holding train.jsonl (the corpus is read from ../corpus/fakehealth/ beside it).")
@click.option("--with-audits", "audits_db", type=click.Path(dir_okay=False), default=None,
              help="Also train on the articles reviewed in this claims database (`claims audit export`).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to write the models (default: models/trained/ of this installation).")
@click.option("--partial", is_flag=True, help="With --with-audits: include articles still partly unreviewed.")
def train(gold_dir: Path, audits_db: str | None, out: Path | None, partial: bool) -> None:
    """Refit the trained decisions (seeded, deterministic) and write them with their manifest.

    The loop that makes the extractor learn from every review: ingest, audit, train, reprocess.
    Without ../shared/gold, --with-audits alone trains on the reviewed articles.

    \b
    Example:

        claims train --with-audits data/claims.db && claims reprocess --db data/claims.db
    """
    from pipeline.learn.gold import CORPUS_REL
    from pipeline.learn.train import DEFAULT_OUT, run

    audited: list[dict] = []
    if audits_db is not None:
        from pipeline.review.audit import export_gold
        from pipeline.store import open_db

        with open_db(existing_db(audits_db), read_only=True) as db:
            audited = list(export_gold(db, include_partial=partial))
        click.echo(f"{len(audited)} reviewed article(s) from {audits_db}", err=True)
    train_file = gold_dir / "train.jsonl"
    gold = [train_file] if train_file.exists() else []
    if not gold and not audited:
        raise click.ClickException(f"nothing to train on: no {train_file} and no reviewed articles")
    started = time.perf_counter()
    info = run(gold, gold_dir.parent / CORPUS_REL, out or DEFAULT_OUT, extra_records=audited,
               dev_path=gold_dir / "dev.jsonl")
    click.echo(f"trained {', '.join(info['decisions'])} on {info['records']} articles "
               f"({info['audited_records']} reviewed) in {time.perf_counter() - started:.1f} s -> {out or DEFAULT_OUT} "
               f"(model {info['model_version']})")

"""Command line for corpus scale: ``claims spark`` (WARC -> Parquet in local mode) and ``claims load``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from pipeline.settings import Settings

DEFAULTS = Settings()


@click.command("spark")
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory for Parquet.")
@click.option("--master", default="local[2]", show_default=True, help="Spark master URL.")
@click.option("--reader", type=click.Choice(["auto", "local", "binary"]), default="auto", show_default=True,
              help="auto: stream local files, read other URIs through binaryFiles.")
@click.option("--no-raw", is_flag=True, help="Do not write page bytes (the WARCs stay the raw store).")
def spark(paths: tuple[str, ...], out_dir: str, master: str, reader: str, no_raw: bool) -> None:
    """Run the claims pipeline over WARC files on Spark; write Parquet tables.

    PATHS are WARC files, directories of them or globs, local or any URI Hadoop resolves (hdfs://, s3a://).
    One table per directory under OUT (pages, articles, article_urls, trials, arms, doses, outcomes,
    flags, plus raw and skips); merge them into SQLite with `claims load`. Exit code 1 if a WARC is damaged.

    Example:

        claims spark crawl/*.warc.gz --out out/ && claims load out/ --db data/claims.db
    """
    from pipeline.corpus.spark_job import make_session, run_job

    session = make_session(master=master)
    try:
        summary = run_job(session, list(paths), out_dir, reader=reader, keep_raw=not no_raw)
    finally:
        session.stop()
    table = Table(title="Spark summary")
    for column in ("WARCs", "pages", "failed", "articles", "trials", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(str(summary.warcs), str(summary.pages), str(summary.failed), str(summary.articles),
                  str(summary.trials), f"{summary.seconds:.1f}")
    console = Console(stderr=True)
    console.print(table)
    _print_skips(console, summary.skipped)
    for warc, reason in summary.damaged:
        console.print(f"[red]damaged[/red] {warc}: {reason}")
    if summary.warcs == 0:
        raise click.ClickException(f"no WARC files found in {', '.join(paths)}")
    if summary.damaged:
        sys.exit(1)


@click.command("load")
@click.argument("parquet_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=str(DEFAULTS.db_path), show_default=True,
              help="SQLite database file.")
@click.option("--raw-dir", type=click.Path(file_okay=False), default=str(DEFAULTS.raw_dir), show_default=True,
              help="Where page bytes go (for `claims reprocess`).")
def load(parquet_dir: str, db_path: str, raw_dir: str) -> None:
    """Merge the Parquet output of `claims spark` into the claims database.

    Idempotent: loading the same output twice changes nothing; loading two runs merges them, a
    syndicated copy joining the article already stored.

    Example:

        claims load out/ --db data/claims.db && claims query "select count(*) from articles"
    """
    from pipeline.corpus.load import load_parquet
    from pipeline.store import open_db

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = open_db(db_path)
    try:
        summary = load_parquet(db, parquet_dir, raw_dir=raw_dir)
    except (FileNotFoundError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    console = Console(stderr=True)
    console.print(f"loaded {summary.articles} articles ({summary.joined} joined stored ones), "
                  f"{summary.pages} pages rows ({summary.pages_known} already there), {summary.raw} raw pages")
    _print_skips(console, summary.skipped)


def _print_skips(console: Console, skipped: dict[str, int]) -> None:
    if skipped:
        console.print("WARC records skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())))

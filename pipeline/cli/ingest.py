"""`claims ingest` and `claims reprocess`: progress bar, summary table, exit code 1 on any failure."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.cli.options import DB_OPTION, MODELS_OPTION, existing_db, settings_for
from pipeline.ingest import IngestSummary, expand_sources
from pipeline.ingest import ingest as run_ingest
from pipeline.ingest import reprocess as run_reprocess
from pipeline.store import open_db


def _print_summary(summary: IngestSummary) -> None:
    console = Console(stderr=True)
    table = Table(title="Ingest summary", show_header=True)
    for column in ("fetched", "cached", "failed", "articles", "trials"):
        table.add_column(column, justify="right")
    table.add_row(str(summary.fetched), str(summary.skipped), str(len(summary.failed)),
                  str(summary.articles), str(summary.trials))
    console.print(table)
    if summary.skipped_records:
        console.print("WARC records skipped: " + ", ".join(f"{n} {why}" for why, n in summary.skipped_records.most_common()))
    if summary.failed:
        failures = Table(title="Failures", show_header=True)
        failures.add_column("source", overflow="fold")
        failures.add_column("reason", overflow="fold")
        for result in summary.failed:
            failures.add_row(result.source, result.error or "")
        console.print(failures)


def _run_with_progress(total: int, job) -> IngestSummary:
    with Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=False,
    ) as progress:
        task = progress.add_task("ingest", total=total)

        def advance(result) -> None:
            status = "ok" if result.ok else "failed"
            progress.update(task, advance=1, description=f"{status}: {result.source[-60:]}")

        return job(advance)


WORKERS_OPTION = click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help=f"Processes that clean and extract pages (default: one per core, here {os.cpu_count() or 1}); "
         "this process fetches and writes. 1: everything in this process.")


@click.command()
@MODELS_OPTION
@click.argument("sources", nargs=-1, required=True)
@DB_OPTION
@click.option("--refresh", is_flag=True, help="Fetch again even if fetched recently.")
@click.option("--rate", type=float, default=None, help="Requests per second per host (default 1).")
@click.option("--timeout", type=float, default=None, help="Seconds per request (default 20).")
@click.option("--no-robots", is_flag=True, help="Do not consult robots.txt (local testing only).")
@WORKERS_OPTION
def ingest(sources: tuple[str, ...], db_path: str, refresh: bool, rate: float | None,
           timeout: float | None, no_robots: bool, workers: int | None) -> None:
    """Fetch pages, extract trial claims and store them in the database.

    SOURCES are URLs, local HTML files, directories of HTML files, or @FILE with one URL a line.
    Failing sources are recorded in the `pages` table with their reason; the batch goes on and
    the exit code is 1 if any source failed.

    Example:

        claims ingest https://www.eurekalert.org/news-releases/771663 data/samples/ @urls.txt
    """
    settings = settings_for(db_path, refresh=refresh, rate_per_host=rate, timeout=timeout, workers=workers)
    if no_robots:
        settings.respect_robots = False
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        expanded = expand_sources(sources)
    except OSError as exc:
        raise click.ClickException(f"cannot read sources: {exc}") from exc
    summary = _run_with_progress(
        len(expanded), lambda advance: run_ingest(expanded, settings, on_result=advance))
    _print_summary(summary)
    if summary.failed:
        sys.exit(1)


@click.command()
@MODELS_OPTION
@DB_OPTION
@WORKERS_OPTION
def reprocess(db_path: str, workers: int | None) -> None:
    """Re-run cleaning and extraction on every stored page, offline, from the raw store.

    Example:

        claims reprocess --db data/claims.db
    """
    settings = settings_for(existing_db(db_path), workers=workers)
    with open_db(db_path, read_only=True) as db:
        total = next(db.query("select count(distinct url) as n from pages where ok = 1"))["n"]
    summary = _run_with_progress(total, lambda advance: run_reprocess(settings, on_result=advance))
    _print_summary(summary)
    if summary.failed:
        sys.exit(1)

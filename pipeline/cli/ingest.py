"""`claims ingest` and `claims reprocess`: progress bar, summary table, exit code 1 on any failure."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from models.errors import ClaimsError
from pipeline.cli.options import DB_OPTION, MODELS_OPTION, POSITIVE, RAW_DIR_OPTION, existing_db, settings_for, writable_db
from pipeline.ingest import IngestSummary, expand_sources, plan_sources
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


@contextlib.contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl-C sets the event (no new fetch starts, the article in hand is finished); a
    second one exits at once with 130: SQLite rolls back a transaction that was not committed."""
    stop = threading.Event()

    def on_sigint(signum, frame) -> None:
        if stop.is_set():
            os._exit(130)
        stop.set()
        click.echo("\ninterrupted: finishing the article in hand (Ctrl-C again to quit at once)", err=True)

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals reach the main thread only (a test runner's worker thread)
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield stop
    finally:
        if not stop.is_set():  # once interrupted, ours stays to the end: a second Ctrl-C always quits with 130
            signal.signal(signal.SIGINT, previous)


@click.command()
@MODELS_OPTION
@click.argument("sources", nargs=-1, required=True)
@DB_OPTION
@RAW_DIR_OPTION
@click.option("--refresh", is_flag=True, help="Fetch again even if fetched recently.")
@click.option("--rate", type=POSITIVE, default=None, help="Requests per second per host, above 0 (default 1).")
@click.option("--timeout", type=POSITIVE, default=None, help="Seconds per request, above 0 (default 20).")
@click.option("--total-timeout", type=POSITIVE, default=None,
              help="Seconds per URL in all, retries and slow servers included (default 60).")
@click.option("--max-text", "max_text_chars", type=click.IntRange(min=1), default=None,
              help="Longest article text extracted, in characters (default 500000); longer pages fail.")
@click.option("--extract-timeout", type=POSITIVE, default=None,
              help="Seconds of extraction per page (default 60); slower pages fail.")
@click.option("--no-robots", is_flag=True, help="Do not consult robots.txt (local testing only).")
@WORKERS_OPTION
def ingest(sources: tuple[str, ...], db_path: str, raw_dir: str | None, refresh: bool, rate: float | None,
           timeout: float | None, total_timeout: float | None, max_text_chars: int | None,
           extract_timeout: float | None, no_robots: bool, workers: int | None) -> None:
    """Fetch pages, extract trial claims and store them in the database.

    SOURCES are URLs, local HTML files, directories of HTML files, or @FILE with one URL a line.
    Failing sources are recorded in the `pages` table with their reason; the batch goes on and
    the exit code is 1 if any source failed. Ctrl-C stops new fetches, finishes the article in
    hand, prints the summary so far and exits with 130; a second Ctrl-C quits at once.

    Example:

    \b
        claims ingest https://www.eurekalert.org/news-releases/771663 data/samples/ @urls.txt
        claims ingest --db /tmp/claims.db --rate 0.5 @urls.txt
    """
    settings = settings_for(writable_db(db_path), raw_dir=raw_dir, refresh=refresh, rate_per_host=rate,
                            timeout=timeout, total_timeout=total_timeout, max_text_chars=max_text_chars,
                            extract_seconds=extract_timeout, workers=workers)
    if no_robots:
        settings.respect_robots = False
    try:
        expanded = expand_sources(sources)
    except ClaimsError as exc:
        raise click.ClickException(f"cannot read sources: {exc}") from exc
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    total = len(plan_sources(expanded))
    with stop_on_ctrl_c() as stop:
        summary = _run_with_progress(
            total, lambda advance: run_ingest(expanded, settings, on_result=advance, stop=stop))
        _print_summary(summary)
        if stop.is_set():
            click.echo(f"interrupted: {total - len(summary.results)} of {total} sources not fetched", err=True)
            # The database is closed and every article committed or rolled back. Leave now, so that a
            # second Ctrl-C cannot land in the interpreter's shutdown (and fetches in flight are dropped).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
    if summary.failed:
        sys.exit(1)


@click.command()
@MODELS_OPTION
@DB_OPTION
@RAW_DIR_OPTION
@WORKERS_OPTION
def reprocess(db_path: str, raw_dir: str | None, workers: int | None) -> None:
    """Re-run cleaning and extraction on every stored page, offline, from the raw store.

    Example:

    \b
        claims reprocess --db data/claims.db
    """
    settings = settings_for(existing_db(db_path), raw_dir=raw_dir, workers=workers)
    with open_db(db_path, read_only=True) as db:
        total = next(db.query("select count(distinct url) as n from pages where ok = 1"))["n"]
    summary = _run_with_progress(total, lambda advance: run_reprocess(settings, on_result=advance))
    _print_summary(summary)
    if summary.failed:
        sys.exit(1)

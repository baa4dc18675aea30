"""Command line: a thin click layer over the importable pipeline API."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from models.errors import ClaimsError
from models.records import CleanPage
from pipeline import __version__
from pipeline.doc import extract_page
from pipeline.extract import extract_article
from pipeline.ingest import HTML_SUFFIXES, IngestSummary, expand_sources, source_url
from pipeline.ingest import ingest as run_ingest
from pipeline.ingest import reprocess as run_reprocess
from pipeline.nlp import build_nlp
from pipeline.settings import Settings
from pipeline.show import find_article, render_article
from pipeline.store import open_db
from scrapers.clean import clean_html
from scrapers.fetch import fetch_page, make_session


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claims")
def cli() -> None:
    """Turn science-news pages into an SQLite database of clinical-trial claims.

    Example:

        claims ingest data/samples/ && claims show 1
    """


DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=str(Settings().db_path),
    show_default=True, help="SQLite database file.",
)


def _settings(db_path: str, **overrides: object) -> Settings:
    settings = Settings(db_path=Path(db_path))
    for key, value in overrides.items():
        if value is not None:
            setattr(settings, key, value)
    return settings


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


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@DB_OPTION
@click.option("--refresh", is_flag=True, help="Fetch again even if fetched recently.")
@click.option("--rate", type=float, default=None, help="Requests per second per host (default 1).")
@click.option("--timeout", type=float, default=None, help="Seconds per request (default 20).")
@click.option("--no-robots", is_flag=True, help="Do not consult robots.txt (local testing only).")
def ingest(sources: tuple[str, ...], db_path: str, refresh: bool, rate: float | None,
           timeout: float | None, no_robots: bool) -> None:
    """Fetch pages, extract trial claims and store them in the database.

    SOURCES are URLs, local HTML files, directories of HTML files, or @FILE with one URL a line.
    Failing sources are recorded in the `pages` table with their reason; the batch goes on and
    the exit code is 1 if any source failed.

    Example:

        claims ingest https://www.eurekalert.org/news-releases/771663 data/samples/ @urls.txt
    """
    settings = _settings(db_path, refresh=refresh, rate_per_host=rate, timeout=timeout)
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


@cli.command()
@DB_OPTION
def reprocess(db_path: str) -> None:
    """Re-run cleaning and extraction on every stored page, offline, from data/raw/.

    Example:

        claims reprocess --db data/claims.db
    """
    settings = _settings(db_path)
    if not settings.db_path.exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
    with open_db(db_path, read_only=True) as db:
        total = next(db.query("select count(distinct url) as n from pages where ok = 1"))["n"]
    summary = _run_with_progress(total, lambda advance: run_reprocess(settings, on_result=advance))
    _print_summary(summary)
    if summary.failed:
        sys.exit(1)


@cli.command()
@click.argument("source", required=False)
@click.option("--jsonl", "jsonl_path", type=click.File("r"), default=None,
              help='Read lines {"id", "text"[, "title"]}; print one result line per input.')
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indent for one article.")
def extract(source: str | None, jsonl_path, indent: int) -> None:
    """Print the trial claims of one article (FILE, URL or - for text on stdin) as JSON.

    HTML files and URLs are cleaned first; other files and stdin are read as plain text.
    Output follows the annotation guideline's schema: study_type and trials with arms, doses,
    outcomes and evidence offsets into the article text.

    Example:

        claims extract data/samples/baclofen-alcohol-trial.html
        claims extract --jsonl articles.jsonl > predictions.jsonl
    """
    nlp = build_nlp()
    if jsonl_path is not None:
        for line_no, line in enumerate(jsonl_path, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise click.ClickException(f"line {line_no}: expected a JSON object with 'text': {exc}") from exc
            out = {"id": record.get("id"), **extract_article(nlp, text).to_json(text)}
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    if source is None:
        raise click.UsageError("give a FILE, URL or -, or --jsonl IN.jsonl")
    page = _read_source(source)
    out = {"source": source, "title": page.title, "text": page.text,
           **extract_page(nlp, page).to_json(page.text)}
    click.echo(json.dumps(out, ensure_ascii=False, indent=indent))


def _read_source(source: str) -> CleanPage:
    """A cleaned page from a URL or HTML file; plain text from a file or stdin as it is."""
    if source == "-":
        return CleanPage(url="-", text=sys.stdin.read())
    is_html = source.startswith(("http://", "https://", "file://")) or source.lower().endswith(HTML_SUFFIXES)
    if not is_html:
        try:
            return CleanPage(url=source, text=Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc}") from exc
    settings = Settings()
    fetched = fetch_page(source_url(source), make_session(settings), settings)
    if not fetched.ok:
        raise click.ClickException(f"{source}: {fetched.error}")
    try:
        return clean_html(fetched.body, fetched.final_url or fetched.url, encoding=fetched.encoding)
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.argument("sql")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON (a list of objects).")
@click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")
def query(sql: str, db_path: str, as_json: bool, as_csv: bool) -> None:
    """Run a read-only SQL query and print the rows (table, --json or --csv).

    Tables: pages, articles, trials, arms, doses, outcomes, flags, audits; view trial_summary.

    Example:

        claims query "select size, duration, role from trials where size > 100" --csv
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
    db = open_db(db_path, read_only=True)
    try:
        cursor = db.execute(sql)
    except sqlite3.Error as exc:
        raise click.ClickException(f"query failed: {exc}") from exc
    columns = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if as_json:
        click.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


@cli.command()
@click.argument("article")
@DB_OPTION
def show(article: str, db_path: str) -> None:
    """Print an article's trials, arms, doses and outcomes with their evidence sentences.

    ARTICLE is an article id, a URL or a local path that was ingested, or a row number
    (1 = first article ingested).

    Example:

        claims show data/samples/baclofen-alcohol-trial.html
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
    db = open_db(db_path, read_only=True)
    row = find_article(db, article)
    if row is None:
        raise click.ClickException(f"no article matches {article!r}")
    Console().print(render_article(db, row))


# --- commands defined in other modules register here (one line each) ---------------------
from pipeline.eval import eval_command  # noqa: E402

cli.add_command(eval_command)
from pipeline.audit import audit as audit_group  # noqa: E402
from pipeline.serve import serve as serve_command  # noqa: E402

cli.add_command(audit_group)
cli.add_command(serve_command)


@cli.command("clean")
@click.argument("sources", nargs=-1, required=True)
def clean_command(sources: tuple[str, ...]) -> None:
    """Print the article of each page (URL, .html or .html.gz file, directory) as one JSON line.

    Each line is {"source", "title", "date", "text", "trailer", "meta", "stage"}; a page that
    cannot be fetched or holds no article gives {"source", "error"} and the exit code is 1.

    Example:

        claims clean data/samples/baclofen-alcohol-trial.html https://www.eurekalert.org/news-releases/771663
    """
    settings = Settings()
    session = make_session(settings)
    failed = 0
    for source in expand_sources(sources):
        fetched = fetch_page(source_url(source), session, settings)
        out: dict = {"source": source}
        if not fetched.ok:
            out["error"] = fetched.error or "not modified"
        else:
            try:
                page = clean_html(fetched.body, fetched.final_url or fetched.url, encoding=fetched.encoding)
            except ClaimsError as exc:
                out["error"] = exc.message
            else:
                out.update(title=page.title, date=page.date, text=page.text, trailer=page.trailer,
                           meta=page.meta, stage=page.stage)
        failed += "error" in out
        click.echo(json.dumps(out, ensure_ascii=False, default=str))
    if failed:
        sys.exit(1)


from pipeline.corpus.cli import load as load_command, spark as spark_command  # noqa: E402, I001

cli.add_command(spark_command)
cli.add_command(load_command)

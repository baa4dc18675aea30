"""`claims extract` (one article or a JSONL batch as claims JSON) and `claims clean` (the cleaned article)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from models.errors import ClaimsError
from models.records import CleanPage
from pipeline.cli.options import MODELS_OPTION
from pipeline.ingest import HTML_SUFFIXES, expand_sources, source_problem, source_url
from pipeline.settings import Settings
from scrapers.clean import clean_html
from scrapers.fetch import fetch_page, make_session


@click.command()
@MODELS_OPTION
@click.argument("source", required=False)
@click.option("--jsonl", "jsonl_path", type=click.File("r"), default=None,
              help='Read lines {"id", "text"[, "title"]}; print one result line per input.')
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indent for one article.")
def extract(source: str | None, jsonl_path, indent: int) -> None:
    """Print the trial claims of one article (FILE, URL or - for text on stdin) as JSON.

    HTML files and URLs are cleaned first; other files and stdin are read as plain text.
    Output follows the annotation guideline's schema: study_type and trials with arms, doses,
    outcomes and evidence offsets into the article text. A --jsonl line whose text cannot be
    used (not a string, too long) gives {"id", "error"}; the rest go on and the exit code is 1.

    Example:

    \b
        claims extract data/samples/baclofen-alcohol-trial.html
        claims extract --jsonl articles.jsonl > predictions.jsonl
    """
    from pipeline.extract import extract as extract_claims  # spaCy: only for the command that runs it
    from pipeline.nlp import build_nlp

    nlp = build_nlp()
    if jsonl_path is not None:
        if _extract_jsonl(nlp, jsonl_path):
            sys.exit(1)
        return
    if source is None:
        raise click.UsageError("give a FILE, URL or -, or --jsonl IN.jsonl")
    page = _read_source(source)
    out = {"source": source, "title": page.title, "text": page.text,
           **extract_claims(nlp, page).to_json(page.text)}
    click.echo(json.dumps(out, ensure_ascii=False, indent=indent))


def _extract_jsonl(nlp, lines) -> int:
    """One output line per input line; a line whose text cannot be used gives {"id", "error"} and the
    batch goes on. Returns the number of such lines."""
    from pipeline.extract import extract as extract_claims

    settings = Settings()
    failed = 0
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(f"line {line_no}: expected a JSON object with 'text': {exc}") from exc
        try:
            if not isinstance(text, str):
                raise ClaimsError(f"line {line_no}: 'text' is {type(text).__name__}, not a string")
            out = {"id": record.get("id"),
                   **extract_claims(nlp, text, max_chars=settings.max_text_chars,
                                    max_seconds=settings.extract_seconds).to_json(text)}
        except ClaimsError as exc:
            failed += 1
            out = {"id": record.get("id"), "error": exc.message}
        click.echo(json.dumps(out, ensure_ascii=False))
    return failed


def _read_source(source: str) -> CleanPage:
    """A cleaned page from a URL or HTML file; plain text from a file or stdin as it is."""
    if problem := source_problem(source):
        raise click.ClickException(f"{source}: {problem}")
    if source == "-":
        data = sys.stdin.buffer.read()
        try:
            return CleanPage(url="-", text=data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"stdin is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    is_html = source.startswith(("http://", "https://", "file://")) or source.lower().endswith(HTML_SUFFIXES)
    if not is_html:
        try:
            return CleanPage(url=source, text=Path(source).read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{source} is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
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


@click.command("clean")
@click.argument("sources", nargs=-1, required=True)
def clean_command(sources: tuple[str, ...]) -> None:
    """Print the article of each page (URL, .html or .html.gz file, directory) as one JSON line.

    Each line is {"source", "title", "date", "text", "trailer", "meta", "stage"}; a page that
    cannot be fetched or holds no article gives {"source", "error"} and the exit code is 1.

    Example:

    \b
        claims clean data/samples/baclofen-alcohol-trial.html https://www.eurekalert.org/news-releases/771663
    """
    settings = Settings()
    session = make_session(settings)
    failed = 0
    for source in expand_sources(sources):
        problem = source_problem(source)
        fetched = None if problem else fetch_page(source_url(source), session, settings)
        out: dict = {"source": source}
        if fetched is None:
            out["error"] = problem
        elif not fetched.ok:
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

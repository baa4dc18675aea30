"""Ingest: sources -> fetch -> raw store -> clean -> extract -> one transaction per article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlite_utils
from spacy.language import Language

from models.errors import ClaimsError, WarcError
from models.records import FetchResult
from pipeline.extract import EXTRACTOR_VERSION, extract
from pipeline.settings import Settings
from pipeline.store import (
    content_fingerprint,
    last_ok_article,
    last_ok_pages,
    last_validators,
    load_raw,
    open_db,
    recently_fetched,
    save_article,
    save_page,
    save_raw,
    stored_capture,
)
from scrapers.clean import clean_html
from scrapers.fetch import fetch_many, normalize_url
from scrapers.warc import WARC_SUFFIXES, WarcStats, damage_page, is_warc, warc_fetches

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")


@dataclass
class SourceResult:
    source: str
    ok: bool
    article_id: str | None = None
    trials: int = 0
    error: str | None = None
    skipped: bool = False


@dataclass
class IngestSummary:
    results: list[SourceResult] = field(default_factory=list)
    skipped_records: Counter = field(default_factory=Counter)  # WARC records that are not pages, by reason

    @property
    def fetched(self) -> int:
        return sum(1 for r in self.results if r.ok and not r.skipped)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if not r.ok]

    @property
    def articles(self) -> int:
        return len({r.article_id for r in self.results if r.article_id})

    @property
    def trials(self) -> int:
        return sum(r.trials for r in self.results if r.ok and not r.skipped)


def expand_sources(sources: Iterable[str]) -> list[str]:
    """Directories become their HTML and WARC files; ``@file`` becomes the URLs listed in it."""
    out: list[str] = []
    for source in sources:
        source = source.strip()
        if not source or source.startswith("#"):
            continue
        if source.startswith("@"):
            lines = Path(source[1:]).read_text(encoding="utf-8").splitlines()
            out.extend(expand_sources(lines))
            continue
        path = Path(source)
        if "://" not in source and path.is_dir():
            out.extend(str(p) for p in sorted(path.iterdir()) if p.name.lower().endswith(HTML_SUFFIXES + WARC_SUFFIXES))
            continue
        out.append(source)
    return out


def source_url(source: str) -> str:
    """The URL under which a source is stored: local paths become file:// URIs."""
    if "://" in source:
        return normalize_url(source) if source.startswith(("http://", "https://")) else source
    return Path(source).resolve().as_uri()


def ingest(
    sources: list[str],
    settings: Settings,
    *,
    nlp: Language | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
) -> IngestSummary:
    """Fetch, clean, extract and store every source; a failing source is recorded and skipped."""
    from pipeline.nlp import build_nlp

    nlp = nlp or build_nlp()
    db = open_db(str(settings.db_path))
    summary = IngestSummary()
    expanded = expand_sources(sources)
    for path in (s for s in expanded if is_warc(s)):  # web archives: pages as if fetched, in file order

        summary.results += ingest_warc(db, nlp, path, settings, on_result=on_result, skipped=summary.skipped_records)
    urls = [source_url(s) for s in expanded if not is_warc(s)]
    todo: list[str] = []
    for url in dict.fromkeys(urls):  # same URL twice in one batch: once
        is_remote = url.startswith(("http://", "https://"))
        cached = (is_remote and not settings.refresh
                  and recently_fetched(db, url, settings.refetch_after_hours))
        if cached:
            result = SourceResult(url, ok=True, article_id=cached, skipped=True)
            summary.results.append(result)
            if on_result:
                on_result(result)
        else:
            todo.append(url)

    def handle(fetched: FetchResult) -> None:
        result = process_fetch(db, nlp, fetched, settings)
        summary.results.append(result)
        if on_result:
            on_result(result)

    fetch_many(todo, settings, on_result=handle, validators=last_validators(db, todo))
    db.close()
    return summary


def process_fetch(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                  settings: Settings) -> SourceResult:
    """Store one fetch attempt and, if it brought a page, its article and claims."""
    if fetched.not_modified:
        # 304: the stored article is current; the attempt is recorded against it
        article_id = last_ok_article(db, fetched.url)
        save_page(db, fetched, article_id=article_id)
        return SourceResult(fetched.url, ok=True, article_id=article_id, skipped=True)
    if not fetched.ok:
        save_page(db, fetched)
        return SourceResult(fetched.url, ok=False, error=fetched.error)
    save_raw(settings.raw_dir, fetched.body, fetched.sha256)
    return store_article_from_raw(db, nlp, fetched, fetched.body)


def store_article_from_raw(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                           body: bytes, *, record_page: bool = True) -> SourceResult:
    """Clean + extract + save in one transaction; a page without article text is recorded as failed."""
    try:
        page = clean_html(body, fetched.final_url or fetched.url, encoding=fetched.encoding)
        claims = extract(nlp, page)
    except ClaimsError as exc:
        if record_page:
            save_page(db, fetched, error=exc.message)
        return SourceResult(fetched.url, ok=False, error=exc.message)
    article_id = save_article(
        db, page, claims, url=fetched.url, sha256=fetched.sha256,
        fingerprint=content_fingerprint(page.text), extractor_version=EXTRACTOR_VERSION,
    )
    if record_page:
        save_page(db, replace(fetched, encoding=page.encoding), article_id=article_id)
    return SourceResult(fetched.url, ok=True, article_id=article_id, trials=len(claims.trials))


def reprocess(settings: Settings, *, nlp: Language | None = None,
              on_result: Callable[[SourceResult], None] | None = None) -> IngestSummary:
    """Re-run clean + extract for every stored article from its raw page, offline."""
    from pipeline.nlp import build_nlp

    nlp = nlp or build_nlp()
    db = open_db(str(settings.db_path))
    summary = IngestSummary()
    for row in last_ok_pages(db):
        fetched = FetchResult(url=row["url"], final_url=row["final_url"], status=row["status"],
                              content_type=row["content_type"], encoding=row["encoding"],
                              sha256=row["sha256"], fetched_at=None)
        try:
            body = load_raw(settings.raw_dir, row["sha256"])
        except (OSError, ClaimsError) as exc:
            result = SourceResult(row["url"], ok=False, error=f"raw page missing: {exc}")
        else:
            result = store_article_from_raw(db, nlp, fetched, body, record_page=False)
        summary.results.append(result)
        if on_result:
            on_result(result)
    db.close()
    return summary


def ingest_warc(db: sqlite_utils.Database, nlp: Language, path: str, settings: Settings, *,
                on_result: Callable[[SourceResult], None] | None = None,
                skipped: Counter | None = None) -> list[SourceResult]:
    """Store every HTML response of one local WARC file through ``process_fetch``.

    A capture stored by an earlier run is skipped as cached (``--refresh`` stores it again), as a
    recent fetch is. Non-page records are counted into ``skipped`` by reason. A damaged archive keeps
    every record before the damage and adds one failed ``pages`` row for the archive saying where."""
    stats = WarcStats()
    results: list[SourceResult] = []

    def emit(result: SourceResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    try:
        with open(path, "rb") as stream:
            for fetched in warc_fetches(stream, stats, source=path):
                cached = None if settings.refresh else stored_capture(db, fetched)
                if cached:
                    emit(SourceResult(fetched.url, ok=True, article_id=cached, skipped=True))
                else:
                    emit(process_fetch(db, nlp, fetched, settings))
    except OSError as exc:
        stats.damage = WarcError(f"cannot read WARC: {exc.strerror or exc}", url=path)
    except WarcError:
        pass  # stats.damage says where; the records before it are stored
    if stats.damage is not None:
        page = damage_page(stats, path)
        save_page(db, page)
        emit(SourceResult(page.url, ok=False, error=page.error))
    if skipped is not None:
        skipped.update(stats.skipped)
    return results

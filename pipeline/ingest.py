"""Ingest: sources -> fetch -> raw store -> clean -> extract (worker processes) -> one writer, batched."""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlite_utils

from models.errors import ClaimsError, WarcError
from models.records import FetchResult
from pipeline import EXTRACTOR_VERSION
from pipeline.settings import Settings
from pipeline.store import (
    last_ok_article,
    last_ok_pages,
    last_validators,
    now_iso,
    open_db,
    recently_fetched,
    save_article,
    save_page,
    stored_capture,
    trial_count,
    write_transaction,
)
from pipeline.workers import Job, Prepared, prepare, runner
from scrapers.fetch import fetch_many, normalize_url
from scrapers.warc import WARC_SUFFIXES, WarcStats, damage_page, is_warc, warc_fetches

if TYPE_CHECKING:
    from spacy.language import Language

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
        """Trials of every article this batch reached, fetched now or cached (each article once)."""
        per_article = {r.article_id: r.trials for r in self.results if r.ok and r.article_id}
        return sum(per_article.values())


class SourceError(ClaimsError):
    """A list of sources that cannot be read: an ``@file`` that is missing, not UTF-8, or includes itself."""


def expand_sources(sources: Iterable[str], _including: tuple[Path, ...] = ()) -> list[str]:
    """Directories become their HTML and WARC files; ``@file`` becomes the URLs listed in it."""
    out: list[str] = []
    for source in sources:
        source = source.strip()
        if not source or source.startswith("#"):
            continue
        if source.startswith("@"):
            out.extend(expand_sources(_read_listing(Path(source[1:]), _including),
                                      (*_including, Path(source[1:]).resolve())))
            continue
        path = Path(source)
        if "://" not in source and path.is_dir():
            out.extend(str(p) for p in sorted(path.iterdir()) if p.name.lower().endswith(HTML_SUFFIXES + WARC_SUFFIXES))
            continue
        out.append(source)
    return out


def _read_listing(path: Path, including: tuple[Path, ...]) -> list[str]:
    if path.resolve() in including:
        raise SourceError(f"@{path} includes itself")
    try:
        return path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise SourceError(f"@{path} is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    except OSError as exc:
        raise SourceError(f"cannot read @{path}: {exc.strerror or exc}") from exc


SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def source_problem(source: str) -> str | None:
    """Why a source cannot be fetched at all (checked before any fetch), or None."""
    scheme = SCHEME.match(source)
    if scheme and not Path(source).exists():
        name = scheme.group(1).lower()
        if name not in ("http", "https", "file"):
            return f"unsupported URL scheme {name!r} (http, https, file or a local path)"
    if source.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(source)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            return f"malformed URL: {exc}"
        if not parts.hostname:
            return "malformed URL: no host"
    return None


def source_url(source: str) -> str:
    """The URL under which a source is stored: local paths become file:// URIs."""
    if "://" in source:
        return normalize_url(source) if source.lower().startswith(("http://", "https://")) else source
    return Path(source).resolve().as_uri()


@dataclass
class Planned:
    """One distinct source of a batch: its URL, or why it cannot be fetched."""

    source: str
    url: str
    problem: str | None = None


def plan_sources(sources: Iterable[str]) -> list[Planned]:
    """The distinct sources of a batch (same URL twice: once), each checked before any fetch."""
    planned: dict[str, Planned] = {}
    for source in sources:
        problem = source_problem(source)
        url = source if problem else source_url(source)
        planned.setdefault(url, Planned(source, url, problem))
    return list(planned.values())


def workers_for(settings: Settings) -> int:
    """Worker processes for clean + extract: ``settings.workers``, by default one per core."""
    return max(1, settings.workers or os.cpu_count() or 1)


class Writer:
    """The one writer. Pages are written in batches, one transaction per batch; each page's rows (article,
    claims, fetch record) go in a savepoint of their own, so a page is never half-written and a write
    error costs only that page. Results reach the summary and ``on_result`` once committed."""

    BATCH = 16  # pages per transaction
    MAX_WAIT = 1.0  # seconds a finished page may wait for its batch

    def __init__(self, db: sqlite_utils.Database, summary: IngestSummary,
                 on_result: Callable[[SourceResult], None] | None, *, record_pages: bool = True) -> None:
        self.db = db
        self.summary = summary
        self.on_result = on_result
        self.record_pages = record_pages
        self.pending: list[tuple[FetchResult, Prepared | None]] = []
        self.since = 0.0

    def add(self, fetched: FetchResult, prepared: Prepared | None) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append((fetched, prepared))

    def flush_if_due(self) -> None:
        if len(self.pending) >= self.BATCH or (self.pending and time.monotonic() - self.since >= self.MAX_WAIT):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        results = []
        with write_transaction(self.db):  # BEGIN IMMEDIATE: overlapping ingests wait their turn
            for fetched, prepared in self.pending:
                results.append(self._write(fetched, prepared))
        self.pending = []
        for result in results:
            self.summary.results.append(result)
            if self.on_result:
                self.on_result(result)

    def _write(self, fetched: FetchResult, prepared: Prepared | None) -> SourceResult:
        try:
            with self.db.atomic():
                return store_prepared(self.db, fetched, prepared, record_page=self.record_pages)
        except Exception as exc:  # this page's rows are rolled back; the batch goes on
            error = f"internal error while storing: {exc.__class__.__name__}: {exc}"
            if self.record_pages:
                save_page(self.db, fetched, error=error)
            return SourceResult(fetched.url, ok=False, error=error)


def job_for(fetched: FetchResult, settings: Settings) -> Job:
    return Job(url=fetched.final_url or fetched.url, body=fetched.body, sha256=fetched.sha256,
               encoding=fetched.encoding, raw_dir=str(settings.raw_dir),
               max_chars=settings.max_text_chars, max_seconds=settings.extract_seconds)


def ingest(
    sources: list[str],
    settings: Settings,
    *,
    nlp: Language | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    stop: threading.Event | None = None,
) -> IngestSummary:
    """Fetch, clean, extract and store every source; a failing source is recorded and the batch goes on.

    Clean + extract run in ``workers_for(settings)`` processes (in this one when ``nlp`` is given or
    there is one worker), fed by the fetcher threads; this process writes. Once ``stop`` is set (Ctrl-C)
    no new fetch starts; pages in hand are finished (each commits or rolls back whole) and the summary so
    far is returned."""
    db = open_db(str(settings.db_path))
    summary = IngestSummary()

    def record(result: SourceResult) -> None:
        summary.results.append(result)
        if on_result:
            on_result(result)

    expanded = expand_sources(sources)
    warcs = [s for s in expanded if is_warc(s)]
    todo = plan_fetches(db, [s for s in expanded if not is_warc(s)], settings, record)
    writer = Writer(db, summary, on_result)
    try:
        with runner(workers_for(settings), writer.add, nlp=nlp) as pool:
            for path in warcs:  # web archives: their pages as if fetched, in file order
                if stop is not None and stop.is_set():
                    break
                ingest_warc(db, path, settings, pool, writer, summary, on_result, stop=stop)

            def handle(fetched: FetchResult) -> None:
                if fetched.ok and not fetched.not_modified:
                    pool.submit(fetched, job_for(fetched, settings))
                else:
                    writer.add(fetched, None)
                pool.poll()
                writer.flush_if_due()

            fetch_many(todo, settings, on_result=handle, validators=last_validators(db, todo), stop=stop)
            pool.drain()
        writer.flush()
    finally:
        db.close()
    return summary


def plan_fetches(db: sqlite_utils.Database, sources: list[str], settings: Settings,
                 record: Callable[[SourceResult], None]) -> list[str]:
    """The URLs to fetch. Sources that cannot be fetched at all are recorded as failures before any fetch;
    URLs fetched recently are reported as cached with the trials stored for them."""
    todo: list[str] = []
    for item in plan_sources(sources):
        if item.problem:
            save_page(db, FetchResult(url=item.url, fetched_at=now_iso(), error=item.problem))
            record(SourceResult(item.url, ok=False, error=item.problem))
            continue
        is_remote = item.url.startswith(("http://", "https://"))
        cached = (is_remote and not settings.refresh
                  and recently_fetched(db, item.url, settings.refetch_after_hours))
        if cached:
            record(SourceResult(item.url, ok=True, article_id=cached, skipped=True, trials=trial_count(db, cached)))
        else:
            todo.append(item.url)
    return todo


def store_prepared(db: sqlite_utils.Database, fetched: FetchResult, prepared: Prepared | None, *,
                   record_page: bool = True) -> SourceResult:
    """Write one fetch attempt and, if it brought a page, its article and claims (``prepared``: what
    ``pipeline.workers.prepare`` made of the page; None for a failed or not-modified fetch)."""
    if fetched.not_modified:
        # 304: the stored article is current; the attempt is recorded against it
        article_id = last_ok_article(db, fetched.url)
        save_page(db, fetched, article_id=article_id)
        return SourceResult(fetched.url, ok=True, article_id=article_id, skipped=True,
                            trials=trial_count(db, article_id) if article_id else 0)
    if prepared is None:
        save_page(db, fetched)
        return SourceResult(fetched.url, ok=False, error=fetched.error)
    if prepared.error is not None or prepared.page is None or prepared.claims is None:
        if record_page:
            save_page(db, fetched, error=prepared.error)
        return SourceResult(fetched.url, ok=False, error=prepared.error)
    page = prepared.page
    article_id = save_article(
        db, page, prepared.claims, url=fetched.url, sha256=fetched.sha256,
        fingerprint=prepared.fingerprint, extractor_version=EXTRACTOR_VERSION, bands=prepared.bands,
    )
    if record_page:
        save_page(db, replace(fetched, encoding=page.encoding), article_id=article_id)
    return SourceResult(fetched.url, ok=True, article_id=article_id, trials=len(prepared.claims.trials))


def process_fetch(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                  settings: Settings) -> SourceResult:
    """Store one fetch attempt and, if it brought a page, its article and claims (in this process)."""
    prepared = prepare(nlp, job_for(fetched, settings)) if fetched.ok and not fetched.not_modified else None
    return store_prepared(db, fetched, prepared)


def reprocess(settings: Settings, *, nlp: Language | None = None,
              on_result: Callable[[SourceResult], None] | None = None) -> IngestSummary:
    """Re-run clean + extract for every stored article from its raw page, offline (worker processes
    as in ``ingest``)."""
    db = open_db(str(settings.db_path))
    summary = IngestSummary()
    writer = Writer(db, summary, on_result, record_pages=False)
    try:
        with runner(workers_for(settings), writer.add, nlp=nlp) as pool:
            for row in last_ok_pages(db):
                fetched = FetchResult(url=row["url"], final_url=row["final_url"], status=row["status"],
                                      content_type=row["content_type"], encoding=row["encoding"],
                                      sha256=row["sha256"], fetched_at=None)
                pool.submit(fetched, Job(url=row["final_url"] or row["url"], body=None, sha256=row["sha256"],
                                         encoding=row["encoding"], raw_dir=str(settings.raw_dir),
                                         max_chars=settings.max_text_chars, max_seconds=settings.extract_seconds))
                writer.flush_if_due()
            pool.drain()
        writer.flush()
    finally:
        db.close()
    return summary


def ingest_warc(db: sqlite_utils.Database, path: str, settings: Settings, pool, writer: Writer,
                summary: IngestSummary, on_result: Callable[[SourceResult], None] | None = None, *,
                stop: threading.Event | None = None) -> None:
    """Hand every HTML response of one local WARC file to the workers, as if it had been fetched.

    A capture stored by an earlier run is skipped as cached (``--refresh`` stores it again), as a
    recent fetch is. Non-page records are counted into ``summary.skipped_records`` by reason. A damaged
    archive keeps every record before the damage and adds one failed ``pages`` row saying where."""
    stats = WarcStats()
    try:
        with open(path, "rb") as stream:
            seen: set[tuple] = set()
            for fetched in warc_fetches(stream, stats, source=path):
                if stop is not None and stop.is_set():
                    break
                capture = (fetched.url, fetched.fetched_at, fetched.sha256)
                if capture in seen:  # the same capture twice in one archive: let the first one land first
                    pool.drain()
                    writer.flush()
                seen.add(capture)
                cached = None if settings.refresh else stored_capture(db, fetched)
                if cached:
                    result = SourceResult(fetched.url, ok=True, article_id=cached, skipped=True,
                                          trials=trial_count(db, cached))
                    summary.results.append(result)
                    if on_result:
                        on_result(result)
                else:
                    pool.submit(fetched, job_for(fetched, settings))
                pool.poll()
                writer.flush_if_due()
    except OSError as exc:
        stats.damage = WarcError(f"cannot read WARC: {exc.strerror or exc}", url=path)
    except WarcError:
        pass  # stats.damage says where; the records before it are stored
    if stats.damage is not None:
        writer.add(damage_page(stats, path), None)
    summary.skipped_records.update(stats.skipped)

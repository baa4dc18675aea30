"""Ingest: sources -> fetch -> raw store -> clean -> extract -> one transaction per article."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils
from spacy.language import Language

from models.errors import ClaimsError
from models.records import FetchResult
from pipeline.extract import EXTRACTOR_VERSION, extract
from pipeline.settings import Settings
from pipeline.store import (
    content_fingerprint,
    last_ok_article,
    last_ok_pages,
    last_validators,
    load_raw,
    now_iso,
    open_db,
    recently_fetched,
    save_article,
    save_page,
    save_raw,
    trial_count,
    write_transaction,
)
from scrapers.clean import clean_html
from scrapers.fetch import fetch_many, normalize_url

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
    """Directories become their HTML files; ``@file`` becomes the URLs listed in it."""
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
            out.extend(str(p) for p in sorted(path.iterdir()) if p.name.lower().endswith(HTML_SUFFIXES))
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


def ingest(
    sources: list[str],
    settings: Settings,
    *,
    nlp: Language | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    stop: threading.Event | None = None,
) -> IngestSummary:
    """Fetch, clean, extract and store every source; a failing source is recorded and the batch goes on.

    Once ``stop`` is set (Ctrl-C) no new fetch starts; the article in hand is finished (its
    transaction commits or rolls back whole) and the summary so far is returned."""
    from pipeline.nlp import build_nlp

    nlp = nlp or build_nlp()
    db = open_db(str(settings.db_path))
    summary = IngestSummary()

    def record(result: SourceResult) -> None:
        summary.results.append(result)
        if on_result:
            on_result(result)

    todo: list[str] = []
    for item in plan_sources(expand_sources(sources)):
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

    def handle(fetched: FetchResult) -> None:
        try:
            result = process_fetch(db, nlp, fetched, settings)
        except Exception as exc:  # the per-source boundary: whatever one page does, the batch goes on
            result = record_failure(db, fetched, f"{type(exc).__name__}: {exc}")
        record(result)

    fetch_many(todo, settings, on_result=handle, validators=last_validators(db, todo), stop=stop)
    db.close()
    return summary


def record_failure(db: sqlite_utils.Database, fetched: FetchResult, reason: str) -> SourceResult:
    """A source that failed after its fetch: the attempt is recorded with the reason, nothing else."""
    save_page(db, replace(fetched, body=None), error=reason)
    return SourceResult(fetched.url, ok=False, error=reason)


def process_fetch(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                  settings: Settings) -> SourceResult:
    """Store one fetch attempt and, if it brought a page, its article and claims."""
    if fetched.not_modified:
        # 304: the stored article is current; the attempt is recorded against it
        article_id = last_ok_article(db, fetched.url)
        save_page(db, fetched, article_id=article_id)
        return SourceResult(fetched.url, ok=True, article_id=article_id, skipped=True,
                            trials=trial_count(db, article_id) if article_id else 0)
    if not fetched.ok:
        save_page(db, fetched)
        return SourceResult(fetched.url, ok=False, error=fetched.error)
    save_raw(settings.raw_dir, fetched.body, fetched.sha256)
    return store_article_from_raw(db, nlp, fetched, fetched.body, settings=settings)


def store_article_from_raw(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                           body: bytes, *, record_page: bool = True, settings: Settings | None = None) -> SourceResult:
    """Clean + extract + save in one transaction; a page without article text, or over its budget,
    is recorded as failed."""
    settings = settings or Settings()
    try:
        page = clean_html(body, fetched.final_url or fetched.url, encoding=fetched.encoding)
        claims = extract(nlp, page, max_chars=settings.max_text_chars, max_seconds=settings.extract_seconds)
    except ClaimsError as exc:
        if record_page:
            save_page(db, fetched, error=exc.message)
        return SourceResult(fetched.url, ok=False, error=exc.message)
    with write_transaction(db):  # the article and its page row together: a kill between them leaves neither
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
            try:
                result = store_article_from_raw(db, nlp, fetched, body, record_page=False, settings=settings)
            except Exception as exc:  # the per-source boundary, as in ingest
                result = SourceResult(row["url"], ok=False, error=f"{type(exc).__name__}: {exc}")
        summary.results.append(result)
        if on_result:
            on_result(result)
    db.close()
    return summary

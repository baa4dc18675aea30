"""Ingest: sources -> fetch -> raw store -> clean -> extract -> one transaction per article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils
from spacy.language import Language

from models.errors import ClaimsError
from models.records import FetchResult
from pipeline.doc import extract_page
from pipeline.extract import EXTRACTOR_VERSION
from pipeline.settings import Settings
from pipeline.store import open_db, save_article, save_page
from scrapers.clean import clean_html, content_fingerprint
from scrapers.fetch import fetch_many, load_raw, normalize_url, save_raw
from scrapers.warc import WARC_SUFFIXES, is_warc

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


def recently_fetched(db: sqlite_utils.Database, url: str, hours: float) -> str | None:
    """The article id of a successful fetch of ``url`` within ``hours``, if any."""
    since = (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0).isoformat()
    rows = list(db.query(
        "select article_id from pages where url = ? and ok = 1 and article_id is not null "
        "and fetched_at >= ? order by id desc limit 1", [url, since]))
    return rows[0]["article_id"] if rows else None


def last_validators(db: sqlite_utils.Database, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """ETag / Last-Modified of each URL's last successful fetch, for conditional requests."""
    out = {}
    for url in urls:
        if not url.startswith(("http://", "https://")):
            continue
        rows = list(db.query("select etag, last_modified from pages where url = ? and ok = 1 and article_id is not null "
                             "order by id desc limit 1", [url]))
        if rows and (rows[0]["etag"] or rows[0]["last_modified"]):
            out[url] = (rows[0]["etag"], rows[0]["last_modified"])
    return out


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
        from pipeline.corpus.warc_ingest import ingest_warc

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
        known = list(db.query("select article_id from pages where url = ? and ok = 1 and article_id is not null "
                              "order by id desc limit 1", [fetched.url]))
        article_id = known[0]["article_id"] if known else None
        save_page(db, fetched, article_id=article_id)
        return SourceResult(fetched.url, ok=True, article_id=article_id, skipped=True)
    if not fetched.ok:
        save_page(db, fetched)
        return SourceResult(fetched.url, ok=False, error=fetched.error)
    sha = save_raw(settings.raw_dir, fetched.body)
    fetched = _with_sha(fetched, sha)
    return store_article_from_raw(db, nlp, fetched, fetched.body)


def store_article_from_raw(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult,
                           body: bytes, *, record_page: bool = True) -> SourceResult:
    """Clean + extract + save in one transaction; a page without article text is recorded as failed."""
    try:
        page = clean_html(body, fetched.final_url or fetched.url, encoding=fetched.encoding)
        claims = extract_page(nlp, page)
    except ClaimsError as exc:
        if record_page:
            save_page(db, fetched, error=exc.message)
        return SourceResult(fetched.url, ok=False, error=exc.message)
    article_id = save_article(
        db, page, claims, url=fetched.url, sha256=fetched.sha256,
        fingerprint=content_fingerprint(page.text), extractor_version=EXTRACTOR_VERSION,
    )
    if record_page:
        save_page(db, fetched, article_id=article_id)
    return SourceResult(fetched.url, ok=True, article_id=article_id, trials=len(claims.trials))


def reprocess(settings: Settings, *, nlp: Language | None = None,
              on_result: Callable[[SourceResult], None] | None = None) -> IngestSummary:
    """Re-run clean + extract for every stored article from its raw page, offline."""
    from pipeline.nlp import build_nlp

    nlp = nlp or build_nlp()
    db = open_db(str(settings.db_path))
    summary = IngestSummary()
    rows = list(db.query(
        "select p.url, p.final_url, p.sha256, p.encoding, p.content_type, p.status from pages p "
        "join (select url, max(id) as id from pages where ok = 1 group by url) last on last.id = p.id"))
    for row in rows:
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


def _with_sha(fetched: FetchResult, sha: str) -> FetchResult:
    from dataclasses import replace

    return replace(fetched, sha256=sha)


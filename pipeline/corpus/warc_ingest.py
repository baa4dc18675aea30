"""WARC files on one machine: every HTML response stored exactly as if it had been fetched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import sqlite_utils
from spacy.language import Language

from models.errors import WarcError
from models.records import FetchResult
from pipeline.ingest import SourceResult, process_fetch
from pipeline.settings import Settings
from pipeline.store import save_page
from scrapers.fetch import normalize_url
from scrapers.warc import WarcStats, iter_warc


def warc_uri(path: str) -> str:
    """The URL a WARC file is recorded under in ``pages`` (its damage, if any): file:// for local paths."""
    if path.startswith("file:"):  # Spark and Hadoop write file:/x, Python file:///x
        return Path(unquote(urlsplit(path).path)).as_uri()
    if "://" in path:
        return path
    return Path(path).resolve().as_uri()


def warc_fetches(stream: BinaryIO, stats: WarcStats, *, source: str) -> Iterator[FetchResult]:
    """The archive's pages as FetchResults, URLs spelled as ``claims ingest URL`` spells them."""
    for fetched in iter_warc(stream, stats, source=source):
        yield replace(fetched, url=normalize_url(fetched.url)) if fetched.url else fetched


def damage_page(stats: WarcStats, source: str) -> FetchResult:
    """The ``pages`` row that records a damaged archive: its URL, the reason, the records read before it."""
    assert stats.damage is not None
    return FetchResult(url=warc_uri(source), error=stats.damage.message)


def already_stored(db: sqlite_utils.Database, fetched: FetchResult) -> str | None:
    """The article id of the same capture (URL, WARC-Date, bytes) stored by an earlier run, if any."""
    rows = list(db.query(
        "select article_id from pages where url = ? and fetched_at = ? and sha256 = ? and ok = 1 "
        "and article_id is not null order by id desc limit 1", [fetched.url, fetched.fetched_at, fetched.sha256]))
    return rows[0]["article_id"] if rows else None


def ingest_warc(db: sqlite_utils.Database, nlp: Language, path: str, settings: Settings, *,
                on_result: Callable[[SourceResult], None] | None = None,
                skipped: Counter | None = None) -> list[SourceResult]:
    """Store every HTML response of one local WARC file through ``pipeline.ingest.process_fetch``.

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
                cached = None if settings.refresh else already_stored(db, fetched)
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

"""Named reads of the claims database: an article by any of its names, the last good fetch of a URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from models.records import FetchResult


def find_article(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """Find an article by id, URL (any alias), local path, or 1-based row number."""
    candidates = [key]
    if "://" not in key and Path(key).exists():
        candidates.append(Path(key).resolve().as_uri())
    for candidate in candidates:
        rows = list(db.query(
            "select a.* from articles a where a.id = ? or a.url = ? or a.canonical_url = ? "
            "or a.id in (select article_id from article_urls where url = ?) limit 1",
            [candidate] * 4))
        if rows:
            return rows[0]
    if key.isdigit() and 1 <= int(key) <= 2 ** 62:  # 0 is no row; a huge number is none either
        rows = list(db.query("select * from articles order by rowid limit 1 offset ?", [int(key) - 1]))
        if rows:
            return rows[0]
    return None


def recently_fetched(db: sqlite_utils.Database, url: str, hours: float) -> str | None:
    """The article id of a successful fetch of ``url`` within ``hours``, if any."""
    since = (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0).isoformat()
    rows = list(db.query(
        "select article_id from pages where url = ? and ok = 1 and article_id is not null "
        "and fetched_at >= ? order by id desc limit 1", [url, since]))
    return rows[0]["article_id"] if rows else None


def last_ok_article(db: sqlite_utils.Database, url: str) -> str | None:
    """The article id of the last successful fetch of ``url``."""
    rows = list(db.query("select article_id from pages where url = ? and ok = 1 and article_id is not null "
                         "order by id desc limit 1", [url]))
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


def last_ok_pages(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The last successful fetch of every URL: what ``reprocess`` re-runs from the raw store."""
    return list(db.query(
        "select p.url, p.final_url, p.sha256, p.encoding, p.content_type, p.status from pages p "
        "join (select url, max(id) as id from pages where ok = 1 group by url) last on last.id = p.id"))


def stored_capture(db: sqlite_utils.Database, fetched: FetchResult) -> str | None:
    """The article id of the same capture (URL, WARC-Date, bytes) stored by an earlier run, if any."""
    rows = list(db.query(
        "select article_id from pages where url = ? and fetched_at = ? and sha256 = ? and ok = 1 "
        "and article_id is not null order by id desc limit 1", [fetched.url, fetched.fetched_at, fetched.sha256]))
    return rows[0]["article_id"] if rows else None


def trial_count(db: sqlite_utils.Database, article_id: str) -> int:
    """How many trials are stored for an article."""
    return db.table("trials").count_where("article_id = ?", [article_id])

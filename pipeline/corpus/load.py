"""Parquet output of the Spark job merged into the claims database, idempotently, as ``claims ingest`` would.

Articles already in the database keep their id: an incoming article whose URL or fingerprint is known
joins the stored one (its claims' ids move with it), as a syndicated copy does on one machine. A
``pages`` row already present (same URL, capture time, bytes, outcome) is not added again, so loading
the same output twice changes nothing and loading two runs merges them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from models.schema import TABLES
from pipeline.corpus.spark_job import OUTPUT_TABLES, PAGE_ORDER
from pipeline.store import delete_claims, save_raw

Row = dict[str, Any]
CHILD_TABLES = ["trials", "arms", "doses", "outcomes", "flags"]
PAGE_MATCH = ["url", "fetched_at", "sha256", "ok", "error", "article_id"]


@dataclass
class LoadSummary:
    pages: int = 0
    pages_known: int = 0
    articles: int = 0
    joined: int = 0  # articles that joined one already stored under another id
    raw: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def read_table(parquet_dir: Path, table: str) -> list[Row]:
    """All rows of one output table; a table the job did not write is empty."""
    import pyarrow.parquet as pq

    path = parquet_dir / table
    if not path.exists():
        return []
    return pq.read_table(path).to_pylist()


def load_parquet(db: sqlite_utils.Database, parquet_dir: str | Path, *, raw_dir: str | Path | None = None) -> LoadSummary:
    """Merge one Spark output directory into ``db`` (shaped with models.schema.ensure_schema)."""
    base = Path(parquet_dir)
    if not (base / "pages").exists():
        raise FileNotFoundError(f"no Parquet tables under {base} (expected {base}/pages/)")
    summary = LoadSummary()
    tables = {t: read_table(base, t) for t in OUTPUT_TABLES}
    pages = sorted(tables["pages"], key=lambda r: (r["warc_order"], r["warc_seq"]))
    first_seen = {}
    for index, page in enumerate(pages):
        first_seen.setdefault(page["article_id"], index)
    by_article: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for table in ["article_urls", *CHILD_TABLES]:
        for row in tables[table]:
            by_article[row["article_id"]][table].append(row)
    articles = sorted(tables["articles"], key=lambda a: (first_seen.get(a["id"], len(pages)), a["id"]))
    moved: dict[str, str] = {}
    with db.conn:
        for article in articles:
            target = _merge_article(db, article, by_article[article["id"]])
            summary.articles += 1
            if target != article["id"]:
                moved[article["id"]] = target
                summary.joined += 1
        # Known before this load, not during it: a failed attempt repeated within one run stays two rows.
        known = [_known_page(db, _page_row(page, moved)) for page in pages]
        for page, seen in zip(pages, known, strict=True):
            if not seen:
                _insert_page(db, _page_row(page, moved))
        summary.pages_known = sum(known)
        summary.pages = len(pages) - summary.pages_known
    if raw_dir is not None:
        for row in read_table(base, "raw"):
            save_raw(raw_dir, row["body"])
            summary.raw += 1
    for row in read_table(base, "skips"):
        summary.skipped[row["reason"]] = summary.skipped.get(row["reason"], 0) + row["count"]
    return summary


def _merge_article(db: sqlite_utils.Database, article: Row, rows: dict[str, list[Row]]) -> str:
    """Store one article as ``pipeline.store.save_article`` would; returns the id it is stored under."""
    urls = [article["url"]] + [r["url"] for r in rows["article_urls"] if r["url"] != article["url"]]
    target = _stored_id(db, urls, article["fingerprint"]) or article["id"]
    existing = list(db.query("select url from articles where id = ?", [target]))
    stored = dict(article, id=target, url=existing[0]["url"] if existing else article["url"])
    delete_claims(db, target)
    db.table("articles").upsert(stored, pk="id")
    for row in rows["article_urls"]:
        db.table("article_urls").upsert(dict(row, article_id=target), pk="url")
    for table in CHILD_TABLES:
        moved = [_move(row, article["id"], target) for row in rows[table]]
        if moved:
            db.table(table).insert_all(moved, pk="id")
    return target


def _stored_id(db: sqlite_utils.Database, urls: list[str], fingerprint: str | None) -> str | None:
    """The stored article an incoming one is, by the rule of ``pipeline.store.find_article_for``:
    a known URL first, then the same fingerprint (a syndicated copy)."""
    for url in urls:
        row = db.execute("select article_id from article_urls where url = ?", [url]).fetchone()
        if row:
            return row[0]
    if fingerprint:
        row = db.execute("select id from articles where fingerprint = ? limit 1", [fingerprint]).fetchone()
        if row:
            return row[0]
    return None


def _move(row: Row, old: str, new: str) -> Row:
    out = dict(row, article_id=new)
    if old != new:
        for key in ("id", "trial_id", "arm_id"):
            if out.get(key) and out[key].startswith(old + ":"):
                out[key] = new + out[key][len(old):]
    return out


def _page_row(page: Row, moved: dict[str, str]) -> Row:
    row = {k: v for k, v in page.items() if k not in PAGE_ORDER}
    if row.get("article_id") in moved:
        row["article_id"] = moved[row["article_id"]]
    return row


def _known_page(db: sqlite_utils.Database, row: Row) -> bool:
    """The same attempt (URL, capture time, bytes, outcome) is already recorded."""
    where = " and ".join(f"[{c}] is ?" for c in PAGE_MATCH)
    return db.execute(f"select 1 from pages where {where} limit 1", [row.get(c) for c in PAGE_MATCH]).fetchone() is not None


def _insert_page(db: sqlite_utils.Database, row: Row) -> None:
    columns = [c for c in TABLES["pages"]["columns"] if c != "id"]
    db.table("pages").insert({c: row.get(c) for c in columns})

"""The claims database: opening (and shaping) it, and writes of pages, articles and their claims (sqlite-utils)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from models.records import ArticleClaims, CleanPage, FetchResult, Trial
from models.schema import ensure_schema
from pipeline.store.fingerprint import SAME_TEXT_JACCARD, jaccard, shingles, text_bands

CLAIM_TABLES = ["flags", "outcomes", "doses", "arms", "trials"]  # children first, for deletion


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def open_db(path: str, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (and shape) the database; read-only connections never write, not even the schema."""
    if read_only:
        return open_read_only(path)
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=BUSY_SECONDS))
    _retry_while_busy(lambda: db.execute("pragma journal_mode = wal"))
    _retry_while_busy(lambda: ensure_schema(db))
    return db


BUSY_SECONDS = 30.0  # how long a writer waits for another one (three ingests starting at once)


def _retry_while_busy(step, seconds: float = BUSY_SECONDS) -> None:
    """Run an idempotent schema step again while another process holds the lock or has just created
    the same table: SQLite reports such races at once, without waiting on the busy timeout."""
    deadline = time.monotonic() + seconds
    delay = 0.02
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            racing = any(word in str(exc) for word in ("locked", "busy", "already exists"))
            if not racing or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def open_read_only(path: str | Path) -> sqlite_utils.Database:
    """A connection that cannot write, attach or create anything. In a directory (or on a file) this
    user cannot write, SQLite cannot keep its WAL index beside the file, so the file is opened
    ``immutable``: a snapshot, which is what a reader there gets anyway."""
    path = Path(path).resolve()
    writable = os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)
    uri = f"{path.as_uri()}?mode=ro" + ("" if writable else "&immutable=1")
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS)
    conn.set_authorizer(_refuse_attach)
    return sqlite_utils.Database(conn)


def _refuse_attach(action: int, *args: object) -> int:
    # ATTACH would create (or open for writing) another file through a read-only command
    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK


def article_id_for(url: str) -> str:
    """Deterministic article id from its URL, so that re-ingesting updates instead of duplicating."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


def save_page(db: sqlite_utils.Database, result: FetchResult, *, article_id: str | None = None,
              error: str | None = None) -> int:
    """Record one fetch attempt (every attempt is a row). Returns the row id."""
    row = {
        "url": result.url,
        "final_url": result.final_url,
        "status": result.status,
        "ok": int(error is None and (result.ok or result.not_modified)),
        "error": error or result.error,
        "content_type": result.content_type,
        "encoding": result.encoding,
        "sha256": result.sha256,
        "etag": result.etag,
        "last_modified": result.last_modified,
        "fetched_at": result.fetched_at or now_iso(),
        "elapsed_ms": result.elapsed_ms,
        "article_id": article_id,
    }
    with write_transaction(db):
        return insert_rows(db, "pages", [row])


def find_article_for(db: sqlite_utils.Database, url: str, text: str | None = None,
                     claims: ArticleClaims | None = None, *, bands: list[str] | None = None) -> str:
    """The id under which a page's article is stored: a known URL keeps its id; the same text
    republished under another URL (syndication) joins the existing article, but only when it is
    measurably the same text (a candidate by MinHash-LSH band, then shingle Jaccard >= 0.9 on the
    two texts) and its extracted facts agree (trial sizes, doses): two stories written from one
    template stay two articles."""
    known = list(db.query("select article_id from article_urls where url = ?", [url]))
    if known:
        return known[0]["article_id"]
    if text and bands:
        marks = ", ".join("?" for _ in bands)
        candidates = [r["article_id"] for r in db.query(
            f"select article_id, count(*) as shared from article_bands where band in ({marks}) "
            "group by article_id order by shared desc, article_id limit 20", bands)]
        mine = shingles(text) if candidates else set()
        for candidate in candidates:
            row = next(db.query("select text from articles where id = ?", [candidate]), None)
            if (row and jaccard(mine, shingles(row["text"] or "")) >= SAME_TEXT_JACCARD
                    and (claims is None or stored_facts(db, candidate) == facts_of(claims))):
                return candidate
    return article_id_for(url)


def facts_of(claims: ArticleClaims) -> tuple[list, list]:
    """What two copies of one story must agree on: trial sizes and doses."""
    sizes = sorted(t.size for t in claims.trials if t.size is not None)
    doses = sorted({(d.value, d.unit) for t in claims.trials for a in t.arms for d in a.doses})
    return sizes, doses


def stored_facts(db: sqlite_utils.Database, article_id: str) -> tuple[list, list]:
    sizes = sorted(r["size"] for r in db.query(
        "select size from trials where article_id = ? and size is not null", [article_id]))
    doses = sorted({(r["value"], r["unit"]) for r in db.query(
        "select distinct value, unit from doses where article_id = ?", [article_id])})
    return sizes, doses


def save_article(
    db: sqlite_utils.Database,
    page: CleanPage,
    claims: ArticleClaims,
    *,
    url: str,
    sha256: str | None,
    fingerprint: str | None,
    extractor_version: str,
    model_version: str | None = None,
    bands: list[str] | None = None,
) -> str:
    """Write one article and all its claims in a single transaction. Returns the article id.
    ``bands``: the text's LSH band keys (``text_bands``) when the caller has them already."""
    bands = text_bands(page.text) if bands is None else bands
    article_id = find_article_for(db, url, page.text, claims, bands=bands)
    meta = dict(page.meta or {})
    article = {
        "id": article_id,
        "url": url,
        "canonical_url": meta.get("canonical_url"),
        "title": page.title or meta.get("title"),
        "date": page.date or meta.get("date"),
        "publisher": meta.get("publisher"),
        "author": meta.get("author"),
        "lang": page.lang or meta.get("lang"),
        "doi": meta.get("doi"),
        "journal": meta.get("journal"),
        "paper_url": meta.get("paper_url"),
        "nct_ids": json.dumps(meta.get("nct_ids") or []),
        "meta": json.dumps(meta, default=str),
        "text": page.text,
        "trailer": page.trailer,
        "stage": page.stage,
        "sha256": sha256,
        "fingerprint": fingerprint,
        "study_type": claims.study_type,
        "study_type_score": claims.study_type_score,
        "extractor_version": extractor_version,
        "model_version": model_version if model_version is not None else claims.model_version,
        "ingested_at": now_iso(),
    }
    with write_transaction(db):  # one transaction: sqlite-utils' own writes nest inside it as savepoints
        existing = db.table("articles").count_where("id = ?", [article_id])
        if existing:
            # Keep the first URL as the article's own; later ones are aliases.
            first_url = next(db.query("select url from articles where id = ?", [article_id]))["url"]
            article["url"] = first_url
        delete_claims(db, article_id)
        upsert_row(db, "articles", article, "id")
        upsert_row(db, "article_urls", {"url": url, "article_id": article_id, "first_seen": now_iso()}, "url")
        db.execute("delete from article_bands where article_id = ?", [article_id])
        db.conn.executemany("insert or ignore into article_bands (article_id, band) values (?, ?)",
                            [(article_id, b) for b in bands])
        save_claims(db, article_id, claims)
    return article_id


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One transaction that takes the write lock when it begins (BEGIN IMMEDIATE). A deferred one that
    reads first and writes later fails at once with "database is locked" when another ingest has written
    in between; an immediate one waits its turn on the busy timeout instead."""
    if db.conn.in_transaction:
        with db.atomic():  # already inside one: a savepoint
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def delete_claims(db: sqlite_utils.Database, article_id: str) -> None:
    for table in CLAIM_TABLES:
        db.execute(f"delete from [{table}] where article_id = ?", [article_id])


def save_claims(db: sqlite_utils.Database, article_id: str, claims: ArticleClaims) -> None:
    """Insert trials, arms, doses, outcomes and flags; ids are deterministic per article."""
    trials, arms, doses, outcomes, flags = [], [], [], [], []
    for t_idx, trial in enumerate(claims.trials):
        trial_id = f"{article_id}:{t_idx}"
        trials.append(_trial_row(trial, trial_id, article_id, t_idx))
        for a_idx, arm in enumerate(trial.arms):
            arm_id = f"{trial_id}:{a_idx}"
            arms.append({
                "id": arm_id, "trial_id": trial_id, "article_id": article_id, "idx": a_idx,
                "label": arm.label, "intervention": arm.intervention, "n": arm.n,
                "n_start": arm.n_start, "n_end": arm.n_end, "start": arm.start, "end": arm.end,
                "rule_id": arm.rule_id, "score": arm.score, "n_rule_id": arm.n_rule_id or None, "n_score": arm.n_score,
            })
            for d_idx, dose in enumerate(arm.doses):
                doses.append({
                    "id": f"{arm_id}:{d_idx}", "arm_id": arm_id, "trial_id": trial_id,
                    "article_id": article_id, "idx": d_idx, "drug": dose.drug or arm.intervention,
                    "value": dose.value, "upper": dose.upper, "unit": dose.unit, "per": dose.per,
                    "frequency": dose.frequency, "text": dose.text, "start": dose.start,
                    "end": dose.end, "rule_id": dose.rule_id, "score": dose.score,
                })
        for o_idx, out in enumerate(trial.outcomes):
            outcomes.append({
                "id": f"{trial_id}:o{o_idx}", "trial_id": trial_id, "article_id": article_id,
                "idx": o_idx, "measure": out.measure, "arm": out.arm, "comparator": out.comparator,
                "value": out.value, "unit": out.unit, "qualifier": out.qualifier,
                "baseline": out.baseline, "upper": out.upper, "count": out.count,
                "denominator": out.denominator, "p_value": out.p_value,
                "ci_low": out.ci[0] if out.ci else None, "ci_high": out.ci[1] if out.ci else None,
                "timepoint": out.timepoint, "direction": out.direction, "text": out.text,
                "start": out.start, "end": out.end, "rule_id": out.rule_id,
                "hedges": json.dumps(out.hedges) if out.hedges else None,
                "score": out.score, "direction_score": out.direction_score,
            })
        for f_idx, (kind, message) in enumerate(trial.flags):
            flags.append({
                "id": f"{trial_id}:f{f_idx}", "trial_id": trial_id, "article_id": article_id,
                "kind": kind, "message": message,
            })
    for name, rows in (("trials", trials), ("arms", arms), ("doses", doses),
                       ("outcomes", outcomes), ("flags", flags)):
        insert_rows(db, name, rows)


def _trial_row(trial: Trial, trial_id: str, article_id: str, idx: int) -> dict[str, Any]:
    spans = sorted(set(trial.evidence))
    return {
        "id": trial_id, "article_id": article_id, "idx": idx, "role": trial.role,
        "status": trial.status, "name": trial.name, "phase": trial.phase, "registry": trial.registry,
        "design": json.dumps(trial.design), "size": trial.size,
        "size_qualifier": trial.size_qualifier,
        "size_start": trial.size_span[0] if trial.size_span else None,
        "size_end": trial.size_span[1] if trial.size_span else None,
        "duration": trial.duration,
        "duration_start": trial.duration_span[0] if trial.duration_span else None,
        "duration_end": trial.duration_span[1] if trial.duration_span else None,
        "condition": trial.condition, "population": trial.population,
        "terminated": int(trial.terminated),
        "evidence": json.dumps([list(s) for s in spans]),
        "evidence_start": spans[0][0] if spans else None,
        "evidence_end": spans[-1][1] if spans else None,
        "size_rule_id": trial.size_rule_id or None, "size_score": trial.size_score,
        "duration_rule_id": trial.duration_rule_id or None, "duration_score": trial.duration_score,
        "score": trial.score, "design_scores": json.dumps(trial.design_scores) if trial.design_scores else None,
    }


# Prepared statements: one SQL text per table and column list, so sqlite3's statement cache compiles
# each once per connection; an article's rows of one table go in one executemany.


@functools.cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})"


@functools.cache
def _upsert_sql(table: str, columns: tuple[str, ...], pk: str) -> str:
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != pk)
    return f"{_insert_sql(table, columns)} on conflict([{pk}]) do update set {updates}"


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> int | None:
    """Insert rows that share their keys; returns the rowid of a single row."""
    if not rows:
        return None
    columns = tuple(rows[0])
    sql = _insert_sql(table, columns)
    with _transaction(db):
        if len(rows) == 1:
            return db.conn.execute(sql, tuple(rows[0].values())).lastrowid
        db.conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])
    return None


def upsert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any], pk: str) -> None:
    """Insert a row, or update every given column of the row with the same ``pk``."""
    with _transaction(db):
        db.conn.execute(_upsert_sql(table, tuple(row), pk), tuple(row.values()))


@contextlib.contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """The caller's transaction, or one of its own (committed) when there is none."""
    if db.conn.in_transaction:
        yield
    else:
        with db.conn:
            yield

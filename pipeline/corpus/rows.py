"""Table rows for one WARC, built by the store's own code, and the merge of syndicated copies across WARCs.

Each WARC is processed into a throw-away SQLite file with ``pipeline.store`` (``save_article``,
``save_page``), exactly as ``claims ingest`` stores it; its rows are then read out. That is what
guarantees the same ids, columns and values as one machine. No Spark here: the job maps these functions.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

import sqlite_utils
from spacy.language import Language

from models.errors import ClaimsError, WarcError
from models.records import ArticleClaims, CleanPage, FetchResult
from models.schema import ensure_schema
from pipeline.extract import EXTRACTOR_VERSION
from pipeline.store import CLAIM_TABLES, content_fingerprint, save_article, save_page
from scrapers.clean import clean_html
from scrapers.warc import WarcStats, damage_page, warc_fetches, warc_uri

Row = dict[str, Any]
Tagged = tuple[str, Row]
CHILD_TABLES = list(reversed(CLAIM_TABLES))  # trials, arms, doses, outcomes, flags

_NLP: Language | None = None


def shared_nlp() -> Language:
    """One spaCy pipeline per Python process (a Spark executor's worker), built on first use."""
    global _NLP
    if _NLP is None:
        from pipeline.nlp import build_nlp

        _NLP = build_nlp()
    return _NLP


def extract_claims(nlp: Language, page: CleanPage) -> ArticleClaims:
    """The one call into the extractor: ``claims ingest``'s entry point (to become ``pipeline.extract.extract``)."""
    from pipeline.extract import extract

    return extract(nlp, page)


def store_record(db: sqlite_utils.Database, nlp: Language, fetched: FetchResult) -> None:
    """Clean + extract + save one page as ``pipeline.ingest.store_article_from_raw`` does; any failure,
    even an unexpected one, becomes the page's row with its reason instead of stopping the job."""
    try:
        page = clean_html(fetched.body, fetched.final_url or fetched.url, encoding=fetched.encoding)
        claims = extract_claims(nlp, page)
    except ClaimsError as exc:
        save_page(db, fetched, error=exc.message)
        return
    except Exception as exc:  # one odd page must not fail a cluster job; the reason is stored
        save_page(db, fetched, error=f"internal error: {exc.__class__.__name__}: {exc}")
        return
    article_id = save_article(db, page, claims, url=fetched.url, sha256=fetched.sha256,
                              fingerprint=content_fingerprint(page.text), extractor_version=EXTRACTOR_VERSION)
    save_page(db, fetched, article_id=article_id)


def process_warc(order: int, path: str, opener: Callable[[], AbstractContextManager[BinaryIO]], nlp: Language,
                 *, keep_raw: bool = True) -> Iterator[Tagged]:
    """Every row one WARC yields, tagged by kind: ``pages``, ``raw``, ``skips`` and one ``bundle`` per
    article (the article, its URLs and claims, and where in the input order its pages came)."""
    stats = WarcStats()
    seen_raw: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="claims-warc-") as tmp:
        db = sqlite_utils.Database(Path(tmp) / "part.db")
        ensure_schema(db)
        try:
            with opener() as stream:
                for fetched in warc_fetches(stream, stats, source=path):
                    store_record(db, nlp, fetched)
                    if keep_raw and fetched.sha256 not in seen_raw:
                        seen_raw.add(fetched.sha256)
                        yield "raw", {"sha256": fetched.sha256, "body": fetched.body}
        except OSError as exc:
            stats.damage = WarcError(f"cannot read WARC: {exc.strerror or exc}", url=path)
        except WarcError:
            pass  # stats.damage says where; the records before it are kept
        if stats.damage is not None:
            save_page(db, damage_page(stats, path))
        yield from _rows_out(db, order, path)
        for reason, count in sorted(stats.skipped.items()):
            yield "skips", {"warc_file": warc_uri(path), "reason": reason, "count": count}
        db.close()


def _rows_out(db: sqlite_utils.Database, order: int, path: str) -> Iterator[Tagged]:
    for page in db.query("select * from pages order by id"):
        seq = page.pop("id")
        yield "pages", {**page, "warc_file": warc_uri(path), "warc_order": order, "warc_seq": seq}
    spans = {r["article_id"]: (r["first"], r["last"]) for r in db.query(
        "select article_id, min(id) as first, max(id) as last from pages where article_id is not null group by article_id")}
    for article in db.query("select * from articles order by id"):
        local_id = article["id"]
        first, last = spans.get(local_id, (0, 0))
        children = {t: list(db.query(f"select * from [{t}] where article_id = ? order by id", [local_id]))
                    for t in CHILD_TABLES}
        urls = {r["url"]: r for r in db.query("select * from article_urls where article_id = ?", [local_id])}
        yield "bundle", {
            "id": local_id, "url": article["url"], "fingerprint": article["fingerprint"],
            "first": (order, first), "last": (order, last), "members": [(order, local_id)],
            "article": article, "content_id": local_id, "children": children, "urls": urls,
        }


def group_key(bundle: Row) -> str:
    """Syndicated copies share a fingerprint (``scrapers.clean.content_fingerprint``)."""
    return bundle["fingerprint"] or f"id:{bundle['id']}"


def merge_bundles(a: Row, b: Row) -> Row:
    """Two partial articles as one, as sequential ingest leaves them: the id and URL of the earliest page,
    the text and claims of the latest, every URL. Associative and commutative, for ``reduceByKey``."""
    first, other = (a, b) if (a["first"], a["id"]) <= (b["first"], b["id"]) else (b, a)
    last = a if (a["last"], a["content_id"]) > (b["last"], b["content_id"]) else b
    return {
        "id": first["id"], "url": first["url"], "fingerprint": last["fingerprint"],
        "first": first["first"], "last": last["last"],
        "members": first["members"] + other["members"],
        "article": last["article"], "content_id": last["content_id"], "children": last["children"],
        "urls": {**first["urls"], **other["urls"]},
    }


def bundle_rows(bundle: Row) -> Iterator[Tagged]:
    """A merged article as table rows, its claims' ids moved under the article's final id."""
    article_id, old = bundle["id"], bundle["content_id"]
    yield "articles", {**bundle["article"], "id": article_id, "url": bundle["url"]}
    for row in bundle["urls"].values():
        yield "article_urls", {**row, "article_id": article_id}
    for table, rows in bundle["children"].items():
        for row in rows:
            out = dict(row, article_id=article_id)
            for key in ("id", "trial_id", "arm_id"):
                if key in out and out[key] and out[key].startswith(old + ":"):
                    out[key] = article_id + out[key][len(old):]
            yield table, out


def member_ids(bundle: Row) -> Iterator[tuple[tuple[int, str], str]]:
    """(WARC order, id an article had in that WARC) -> its final id, to point ``pages`` rows at it."""
    for member in bundle["members"]:
        yield tuple(member), bundle["id"]


def capture_key(page: Row) -> tuple:
    """A stored capture (URL, WARC-Date, bytes): seen again later it is skipped as cached, as ``claims
    ingest`` skips it; failed attempts are each kept, as on one machine."""
    if page["ok"] and page["article_id"] and page["sha256"]:
        return ("capture", page["url"], page["fetched_at"], page["sha256"])
    return ("attempt", page["warc_order"], page["warc_seq"])


def earliest(a: Row, b: Row) -> Row:
    return a if (a["warc_order"], a["warc_seq"]) <= (b["warc_order"], b["warc_seq"]) else b


def with_span(bundle: Row, span: tuple[int, int]) -> Row:
    """The bundle's place in the input order counting only pages that were not repeats."""
    order = bundle["first"][0]
    return {**bundle, "first": (order, span[0]), "last": (order, span[1])}

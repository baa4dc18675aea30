"""The claims database and the raw store: writes (``save_*``), named reads, raw pages, syndication fingerprints."""

from pipeline.store.db import (
    CLAIM_TABLES,
    article_id_for,
    delete_claims,
    now_iso,
    open_db,
    save_article,
    save_claims,
    save_page,
    write_transaction,
)
from pipeline.store.fingerprint import content_fingerprint
from pipeline.store.raw import load_raw, save_raw
from pipeline.store.reads import (
    find_article,
    last_ok_article,
    last_ok_pages,
    last_validators,
    recently_fetched,
    stored_capture,
    trial_count,
)

__all__ = [
    "CLAIM_TABLES", "article_id_for", "content_fingerprint", "delete_claims", "find_article", "last_ok_article",
    "last_ok_pages", "last_validators", "load_raw", "now_iso", "open_db", "recently_fetched", "save_article", "save_claims",
    "save_page", "save_raw", "stored_capture", "trial_count", "write_transaction",
]

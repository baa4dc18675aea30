"""Database shape: tables, foreign keys, indexes, full-text search and views (sqlite-utils)."""

from __future__ import annotations

import sqlite_utils

SCHEMA_VERSION = 1

# Column types per table. ``id`` is the primary key everywhere; child rows carry their
# parent's id and ``article_id`` so that one article's claims are deleted and rewritten
# together.
TABLES: dict[str, dict] = {
    "pages": {
        "columns": {
            "id": int,
            "url": str,
            "final_url": str,
            "status": int,
            "ok": int,
            "error": str,
            "content_type": str,
            "encoding": str,
            "sha256": str,
            "etag": str,
            "last_modified": str,
            "fetched_at": str,
            "elapsed_ms": int,
            "article_id": str,
        },
        "pk": "id",
        "indexes": [["url"], ["sha256"], ["article_id"]],
    },
    "articles": {
        "columns": {
            "id": str,
            "url": str,
            "canonical_url": str,
            "title": str,
            "date": str,
            "publisher": str,
            "author": str,
            "lang": str,
            "doi": str,
            "journal": str,
            "paper_url": str,
            "nct_ids": str,  # JSON list
            "meta": str,  # JSON object: everything scrapers.meta found
            "text": str,
            "trailer": str,
            "stage": str,
            "sha256": str,
            "fingerprint": str,
            "study_type": str,
            "study_type_score": float,  # probability, when a trained model decided the study type
            "extractor_version": str,
            "model_version": str,  # the trained models (models/trained/manifest.json); null: rules only
            "ingested_at": str,
        },
        "pk": "id",
        "indexes": [["url"], ["fingerprint"], ["study_type"]],
    },
    "article_bands": {
        # MinHash-LSH band keys of an article's text (pipeline/store/fingerprint.py): two articles sharing
        # a key are candidates for one syndicated text, confirmed on the texts before they are merged.
        "columns": {"article_id": str, "band": str},
        "pk": ("article_id", "band"),
        "foreign_keys": [("article_id", "articles", "id")],
        "indexes": [["band"]],
    },
    "article_urls": {
        "columns": {"url": str, "article_id": str, "first_seen": str},
        "pk": "url",
        "foreign_keys": [("article_id", "articles", "id")],
        "indexes": [["article_id"]],
    },
    "trials": {
        "columns": {
            "id": str,
            "article_id": str,
            "idx": int,
            "role": str,
            "status": str,
            "name": str,
            "phase": str,
            "registry": str,
            "design": str,  # JSON list of tags
            "size": int,
            "size_qualifier": str,
            "size_start": int,
            "size_end": int,
            "size_rule_id": str,
            "size_score": float,
            "duration": str,
            "duration_start": int,
            "duration_end": int,
            "duration_rule_id": str,
            "duration_score": float,
            "condition": str,
            "population": str,
            "terminated": int,
            "evidence": str,  # JSON list of [start, end]
            "evidence_start": int,
            "evidence_end": int,
            "score": float,  # probability that this is a trial the article describes
            "design_scores": str,  # JSON {tag: probability}
        },
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id")],
        "indexes": [["article_id"], ["role"], ["status"]],
    },
    "arms": {
        "columns": {
            "id": str,
            "trial_id": str,
            "article_id": str,
            "idx": int,
            "label": str,
            "intervention": str,
            "n": int,
            "n_start": int,
            "n_end": int,
            "start": int,
            "end": int,
            "rule_id": str,
            "score": float,
            "n_rule_id": str,
            "n_score": float,
        },
        "pk": "id",
        "foreign_keys": [("trial_id", "trials", "id"), ("article_id", "articles", "id")],
        "indexes": [["trial_id"], ["article_id"], ["intervention"]],
    },
    "doses": {
        "columns": {
            "id": str,
            "arm_id": str,
            "trial_id": str,
            "article_id": str,
            "idx": int,
            "drug": str,
            "value": float,
            "upper": float,
            "unit": str,
            "per": str,
            "frequency": str,
            "text": str,
            "start": int,
            "end": int,
            "rule_id": str,
            "score": float,
        },
        "pk": "id",
        "foreign_keys": [
            ("arm_id", "arms", "id"),
            ("trial_id", "trials", "id"),
            ("article_id", "articles", "id"),
        ],
        "indexes": [["arm_id"], ["trial_id"], ["article_id"], ["drug"]],
    },
    "outcomes": {
        "columns": {
            "id": str,
            "trial_id": str,
            "article_id": str,
            "idx": int,
            "measure": str,
            "arm": str,
            "comparator": str,
            "value": float,
            "unit": str,
            "qualifier": str,
            "baseline": float,
            "upper": float,
            "count": int,
            "denominator": int,
            "p_value": str,
            "ci_low": float,
            "ci_high": float,
            "timepoint": str,
            "direction": str,
            "text": str,
            "start": int,
            "end": int,
            "rule_id": str,
            "hedges": str,  # JSON list of hedging cues in the outcome's sentence
            "score": float,
            "direction_score": float,
        },
        "pk": "id",
        "foreign_keys": [("trial_id", "trials", "id"), ("article_id", "articles", "id")],
        "indexes": [["trial_id"], ["article_id"]],
    },
    "flags": {
        "columns": {
            "id": str,
            "trial_id": str,
            "article_id": str,
            "kind": str,
            "message": str,
        },
        "pk": "id",
        "foreign_keys": [("trial_id", "trials", "id"), ("article_id", "articles", "id")],
        "indexes": [["trial_id"], ["article_id"], ["kind"]],
    },
    "audits": {
        # Verdicts on extracted values. Never rewritten by re-extraction: ``claim_key``
        # identifies a value by what it says and where, not by a row id.
        "columns": {
            "id": int,
            "article_id": str,
            "claim_key": str,
            "target_table": str,
            "target_id": str,
            "field": str,
            "value": str,
            "start": int,
            "end": int,
            "rule_id": str,
            "verdict": str,  # accept | reject | correct | not_a_trial
            "corrected_value": str,
            "reviewer": str,
            "extractor_version": str,
            "created_at": str,
        },
        "pk": "id",
        "indexes": [["article_id"], ["claim_key"], ["verdict"]],
    },
}

# Tables in dependency order (parents before children), for creation and deletion.
ORDER = ["pages", "articles", "article_bands", "article_urls", "trials", "arms", "doses", "outcomes", "flags", "audits"]

VIEWS = {
    "trial_summary": """
select
  t.id as trial_id,
  a.title as article_title,
  a.url as article_url,
  a.date as article_date,
  t.role, t.status, t.name, t.phase, t.registry, t.design,
  t.size, t.size_qualifier, t.duration, t.condition,
  (select group_concat(
      coalesce(ar.label, '') ||
      case when ar.n is not null then ' (n=' || ar.n || ')' else '' end ||
      coalesce((select ': ' || group_concat(d.text, ' + ') from doses d where d.arm_id = ar.id), ''),
      '; ')
   from arms ar where ar.trial_id = t.id) as arms,
  (select group_concat(o.text, ' | ') from outcomes o where o.trial_id = t.id) as outcomes,
  (select count(*) from flags f where f.trial_id = t.id) as n_flags
from trials t join articles a on a.id = t.article_id
""",
}


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns, indexes, FTS and views; idempotent."""
    db.execute("pragma foreign_keys = on")
    for name in ORDER:
        spec = TABLES[name]
        table = db.table(name)
        if not table.exists():
            table.create(
                spec["columns"],
                pk=spec["pk"],
                foreign_keys=spec.get("foreign_keys"),
                not_null=set(spec["pk"]) if isinstance(spec["pk"], tuple) else {spec["pk"]},
            )
        else:
            missing = {c: t for c, t in spec["columns"].items() if c not in table.columns_dict}
            for column, col_type in missing.items():
                table.add_column(column, col_type)
        for columns in spec.get("indexes", []):
            table.create_index(columns, if_not_exists=True)
    articles = db.table("articles")
    if not db.table("articles_fts").exists():
        articles.enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    for view, sql in VIEWS.items():
        # No check-then-drop: another process shaping the same new database may drop or create the view
        # between the two (seen as "no such view" when three ingests start at once).
        db.execute(f"drop view if exists [{view}]")
        db.execute(f"create view if not exists [{view}] as {sql}")
    db.execute(f"pragma user_version = {SCHEMA_VERSION}")

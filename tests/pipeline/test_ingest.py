"""End to end: sample pages over a real local HTTP server into a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.ingest import expand_sources, ingest
from pipeline.settings import Settings
from tests.conftest import SAMPLES, Response

SEED = "baclofen-alcohol-trial.html"
TABLES = ["pages", "articles", "article_urls", "trials", "arms", "doses", "outcomes", "flags"]


def fast_settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "claims.db", raw_dir=tmp_path / "raw", timeout=1.0, total_timeout=3.0,
                    retries=0, backoff=0.01, rate_per_host=100.0, per_host_concurrency=4)


def counts(db_path: Path) -> dict[str, int]:
    db = sqlite_utils.Database(db_path)
    return {t: db.table(t).count for t in TABLES}


@pytest.fixture
def ingested(server, tmp_path, nlp):
    server.routes["/slow.html"] = Response(200, b"<html><body><p>late</p></body></html>", delay=2.5)
    server.routes["/paper.pdf"] = Response(200, b"%PDF-1.4 not html", {"Content-Type": "application/pdf"})
    urls = [server.url(f"/samples/{p.name}") for p in sorted(SAMPLES.glob("*.html"))]
    urls += [server.url("/missing.html"), server.url("/slow.html"), server.url("/paper.pdf")]
    settings = fast_settings(tmp_path)
    summary = ingest(urls, settings, nlp=nlp)
    return settings, summary, urls


def seed_article(db: sqlite_utils.Database) -> dict:
    rows = list(db.query("select * from articles where url like ?", [f"%/{SEED}"]))
    assert len(rows) == 1
    return rows[0]


def test_ingest_stores_seed_like_sample(ingested):
    settings, summary, _ = ingested
    db = sqlite_utils.Database(settings.db_path)
    article = seed_article(db)
    text = article["text"]
    assert article["study_type"] == "rct"
    assert "Share on Facebook" not in text and "Related Posts" not in text
    trials = list(db.query("select * from trials where article_id = ? order by idx", [article["id"]]))
    roles = [t["role"] for t in trials]
    assert roles.count("main") == 1 and "mentioned" in roles and "planned" in roles
    main = next(t for t in trials if t["role"] == "main")
    assert main["size"] == 151 and main["duration"] == "16 weeks"
    assert text[main["size_start"]:main["size_end"]] == "151"
    arm_ns = sorted(r["n"] for r in db.query("select n from arms where trial_id = ? and n is not null", [main["id"]]))
    assert arm_ns == [31, 58, 62]
    doses = {(d["value"], d["upper"], d["unit"], d["per"]): d for d in
             db.query("select * from doses where trial_id = ?", [main["id"]])}
    assert (150.0, 150.0, "mg", "day") in doses  # "up to 150 mg/day"
    assert (30.0, None, "mg", "day") in doses
    for dose in doses.values():
        assert text[dose["start"]:dose["end"]] == dose["text"]
    relapse = list(db.query("select * from outcomes where trial_id = ? and value = 25", [main["id"]]))
    assert relapse and relapse[0]["unit"] == "%" and relapse[0]["direction"] == "no difference"
    mentioned = next(t for t in trials if t["role"] == "mentioned")
    assert mentioned["size"] == 56
    planned = next(t for t in trials if t["role"] == "planned")
    planned_doses = list(db.query("select value, upper from doses where trial_id = ?", [planned["id"]]))
    assert planned_doses == [{"value": 330.0, "upper": 330.0}]


def test_every_stored_offset_reproduces_its_evidence(ingested):
    settings, _, _ = ingested
    db = sqlite_utils.Database(settings.db_path)
    texts = {r["id"]: r["text"] for r in db.query("select id, text from articles")}
    for table in ("doses", "outcomes"):
        for row in db.query(f"select * from {table}"):
            assert texts[row["article_id"]][row["start"]:row["end"]] == row["text"]
    for trial in db.query("select * from trials"):
        text = texts[trial["article_id"]]
        for start, end in json.loads(trial["evidence"]):
            assert 0 <= start < end <= len(text)
            assert text[start:end].strip() == text[start:end]


def test_failures_are_recorded_and_the_batch_goes_on(ingested):
    settings, summary, urls = ingested
    db = sqlite_utils.Database(settings.db_path)
    assert summary.articles == len(list(SAMPLES.glob("*.html")))
    failed = {r.source.rsplit("/", 1)[-1]: r.error for r in summary.failed}
    assert set(failed) == {"missing.html", "slow.html", "paper.pdf"}
    assert "404" in failed["missing.html"]
    assert "timed out" in failed["slow.html"].lower() or "timeout" in failed["slow.html"].lower()
    assert "application/pdf" in failed["paper.pdf"]
    rows = {r["url"].rsplit("/", 1)[-1]: r for r in db.query("select * from pages where ok = 0")}
    assert set(rows) == {"missing.html", "slow.html", "paper.pdf"}
    assert rows["missing.html"]["status"] == 404 and rows["missing.html"]["error"]


def test_reingest_updates_instead_of_duplicating(ingested, nlp):
    settings, _, urls = ingested
    before = counts(settings.db_path)
    settings.refresh = True
    ingest(urls, settings, nlp=nlp)
    after = counts(settings.db_path)
    assert {k: v for k, v in after.items() if k != "pages"} == {k: v for k, v in before.items() if k != "pages"}
    assert after["pages"] == before["pages"] * 2  # every attempt is a row


def test_recent_fetch_is_not_repeated_without_refresh(ingested, server, nlp):
    settings, _, urls = ingested
    hits = dict(server.hits)
    summary = ingest(urls[:2], settings, nlp=nlp)
    assert summary.skipped == 2
    assert {k: v for k, v in server.hits.items() if k.startswith("/samples/")} == {
        k: v for k, v in hits.items() if k.startswith("/samples/")}


def test_reprocess_runs_offline_from_raw_pages(ingested, nlp):
    settings, _, _ = ingested
    from pipeline.ingest import reprocess

    before = counts(settings.db_path)
    summary = reprocess(settings, nlp=nlp)
    assert not summary.failed
    assert counts(settings.db_path) == before


def test_local_paths_and_directories_are_sources(tmp_path, nlp):
    settings = fast_settings(tmp_path)
    summary = ingest([str(SAMPLES)], settings, nlp=nlp)
    assert summary.articles == len(expand_sources([str(SAMPLES)])) and not summary.failed


def test_urls_file_expands(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# comment\nhttps://example.org/a\n\nhttps://example.org/b\n")
    assert expand_sources([f"@{listing}"]) == ["https://example.org/a", "https://example.org/b"]


def test_cli_ingest_show_query_and_exit_code(server, tmp_path):
    db_path = tmp_path / "cli.db"
    runner = CliRunner()
    ok = runner.invoke(cli, ["ingest", "--db", str(db_path), "--rate", "100", server.url(f"/samples/{SEED}")])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["ingest", "--db", str(db_path), "--rate", "100", server.url("/nothing-here.html")])
    assert bad.exit_code == 1 and "404" in bad.output
    shown = runner.invoke(cli, ["show", "--db", str(db_path), "1"])
    assert shown.exit_code == 0 and "size 151" in shown.output and "planned" in shown.output
    queried = runner.invoke(cli, ["query", "--db", str(db_path), "--json", "select size from trials where role='main'"])
    assert json.loads(queried.output) == [{"size": 151}]
    as_csv = runner.invoke(cli, ["query", "--db", str(db_path), "--csv", "select role from trials order by idx"])
    assert as_csv.output.splitlines()[0] == "role"
    refused = runner.invoke(cli, ["query", "--db", str(db_path), "delete from trials"])
    assert refused.exit_code != 0
    assert sqlite_utils.Database(db_path).table("trials").count > 0


def test_same_release_under_two_urls_is_one_article(server, tmp_path, nlp):
    page = (SAMPLES / SEED).read_bytes()
    server.routes["/mirror/republished-release.html"] = Response(200, page)
    settings = fast_settings(tmp_path)
    ingest([server.url(f"/samples/{SEED}"), server.url("/mirror/republished-release.html")], settings, nlp=nlp)
    db = sqlite_utils.Database(settings.db_path)
    assert db.table("articles").count == 1
    urls = [r["url"] for r in db.query("select url from article_urls order by url")]
    assert len(urls) == 2 and any("/mirror/" in u for u in urls)
    assert db.table("trials").count == 3


def test_ingest_stores_exactly_what_extract_prints(tmp_path):
    """One entry point: the trials `claims ingest` stores for a page are the ones `claims extract` prints."""
    page = SAMPLES / "baclofen-alcohol-trial.html"
    runner = CliRunner()
    printed = json.loads(runner.invoke(cli, ["extract", str(page)]).output)
    db_path = tmp_path / "claims.db"
    assert runner.invoke(cli, ["ingest", "--db", str(db_path), str(page)]).exit_code == 0
    db = sqlite_utils.Database(db_path)
    article = next(db.query("select * from articles"))
    assert article["text"] == printed["text"] and article["study_type"] == printed["study_type"]
    trials = list(db.query("select * from trials order by idx"))
    assert [(t["role"], t["status"], t["size"], t["duration"], json.loads(t["design"])) for t in trials] == [
        (t["role"], t["status"], t["size"], t["duration"], t["design"]) for t in printed["trials"]]
    assert [json.loads(t["evidence"]) for t in trials] == [t["evidence_offsets"] for t in printed["trials"]]
    stored_doses = [(d["value"], d["upper"], d["unit"], d["per"], d["text"]) for d in
                    db.query("select * from doses order by trial_id, arm_id, idx")]
    printed_doses = []
    for t in printed["trials"]:
        for arm in t["arms"]:
            dose = arm["dose"]
            for d in dose if isinstance(dose, list) else [dose] if dose else []:
                printed_doses.append((d["value"], d["upper"], d["unit"], d["per"], d["text"]))
    assert stored_doses == printed_doses and stored_doses
    stored_outcomes = [(o["value"], o["arm"], o["direction"], o["text"]) for o in
                       db.query("select * from outcomes order by trial_id, idx")]
    assert stored_outcomes == [(o["value"], o["arm"], o["direction"], o["text"])
                               for t in printed["trials"] for o in t["outcomes"]]

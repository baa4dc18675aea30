"""The Spark job in local[2], loaded into SQLite, equals `claims ingest` of the same WARC files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.corpus.load import load_parquet
from pipeline.ingest import ingest
from pipeline.settings import Settings
from pipeline.store import open_db
from scrapers.warc import write_warc
from tests.conftest import SAMPLES

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime (.ci/run installs openjdk-17-jre-headless)", allow_module_level=True)

TABLES = ["pages", "articles", "article_urls", "trials", "arms", "doses", "outcomes", "flags"]
WRITE_TIMES = {"ingested_at", "first_seen"}  # when a row was written; the damage row's fetched_at is one too


@pytest.fixture(scope="session")
def spark():
    from pipeline.corpus.spark_job import make_session

    session = make_session("local[2]", "trial-claims-tests")
    yield session
    session.stop()


def _warc(path: Path, pages: list[tuple[str, bytes]], cut: float | None = None, date: str = "2026-01-01T00:00:00Z") -> str:
    stream = io.BytesIO()
    write_warc(stream, pages, date=date)
    data = stream.getvalue()
    path.write_bytes(data if cut is None else data[:int(len(data) * cut)])
    return str(path)


@pytest.fixture(scope="module")
def warcs(tmp_path_factory) -> list[str]:
    """Three archives: samples; more samples, one of them twice (the second capture is skipped as cached), a
    syndicated copy of the first one under another host and a page without article text; a later crawl
    of the first samples, cut off half way (records before the damage stored, then the damage)."""
    root = tmp_path_factory.mktemp("warcs")
    pages = [(f"https://news.example.org/{p.name}", p.read_bytes()) for p in sorted(SAMPLES.glob("*.html"))]
    syndicated = ("https://mirror.example.net/health/copy.html", pages[0][1])
    empty = ("https://news.example.org/empty.html", b"<html><body><p>Nothing here.</p></body></html>")
    return [_warc(root / "a.warc.gz", pages[:3]),
            _warc(root / "b.warc.gz", pages[3:4] + pages[3:] + [syndicated, empty]),
            _warc(root / "c.warc.gz", pages[:4], cut=0.6, date="2026-02-01T00:00:00Z")]


@pytest.fixture(scope="module")
def ingested(warcs, tmp_path_factory) -> Path:
    from pipeline.nlp import build_nlp

    root = tmp_path_factory.mktemp("ingest")
    settings = Settings(db_path=root / "claims.db", raw_dir=root / "raw")
    ingest(warcs, settings, nlp=build_nlp())
    return settings.db_path


def dump(db_path: Path) -> dict[str, list[dict]]:
    db = sqlite_utils.Database(db_path)
    out = {}
    for table in TABLES:
        rows = []
        for row in db.query(f"select * from [{table}] order by rowid"):
            row = {k: v for k, v in row.items() if k not in WRITE_TIMES}
            if table == "pages" and row["sha256"] is None:
                row.pop("fetched_at")
            rows.append(row)
        key = "id" if table != "article_urls" else "url"
        out[table] = sorted(rows, key=lambda r, key=key: r[key])
    return out


def load_into(db_path: Path, *dirs: Path, raw_dir: Path | None = None) -> None:
    db = open_db(str(db_path))
    for parquet in dirs:
        load_parquet(db, parquet, raw_dir=raw_dir)
    db.close()


@pytest.fixture(scope="module")
def spark_out(spark, warcs, tmp_path_factory) -> Path:
    from pipeline.corpus.spark_job import run_job

    out = tmp_path_factory.mktemp("spark") / "all"
    summary = run_job(spark, warcs, str(out))
    assert summary.warcs == 3 and len(summary.damaged) == 1
    return out


def test_spark_then_load_equals_ingest(spark_out, ingested, tmp_path):
    load_into(tmp_path / "spark.db", spark_out, raw_dir=tmp_path / "raw")
    expected, got = dump(ingested), dump(tmp_path / "spark.db")
    for table in TABLES:
        assert got[table] == expected[table], table
    raw = sorted(p.name for p in (ingested.parent / "raw").rglob("*.gz"))
    assert sorted(p.name for p in (tmp_path / "raw").rglob("*.gz")) == raw
    # what the equality covers: a syndicated copy in another WARC, a page without text, a damaged WARC
    db = sqlite_utils.Database(tmp_path / "spark.db")
    copy = db.execute("select article_id from article_urls where url like 'https://mirror.%'").fetchone()[0]
    assert db.execute("select count(*) from article_urls where article_id = ?", [copy]).fetchone()[0] >= 2
    errors = [r["error"] for r in db.query("select error from pages where ok = 0 order by id")]
    assert errors[0] == "no main text" and errors[1].startswith("damaged WARC after")
    recrawled = db.execute("select count(*) from pages where fetched_at like '2026-02-01%'").fetchone()[0]
    assert 0 < recrawled < 4


def test_load_twice_changes_nothing_and_two_runs_merge(spark, spark_out, warcs, ingested, tmp_path):
    from pipeline.corpus.spark_job import run_job

    once = tmp_path / "once.db"
    load_into(once, spark_out)
    before = dump(once)
    load_into(once, spark_out)
    assert dump(once) == before
    # the same WARCs in two runs, the first read through binaryFiles (as hdfs:// or s3a:// input is)
    first, second = tmp_path / "run1", tmp_path / "run2"
    run_job(spark, warcs[:1], str(first), reader="binary")
    run_job(spark, warcs[1:], str(second))
    merged = tmp_path / "merged.db"
    load_into(merged, first, second)
    assert dump(merged) == dump(ingested)


def test_cli_load_reports_and_query_works(spark_out, tmp_path):
    db = tmp_path / "cli.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["load", str(spark_out), "--db", str(db), "--raw-dir", str(tmp_path / "raw")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["query", "select count(*) as n from trial_summary", "--db", str(db), "--json"])
    assert result.exit_code == 0 and '"n": ' in result.output

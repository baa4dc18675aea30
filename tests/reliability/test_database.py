"""Issue 10, classes 6, 7 (databases) and 10 (query): concurrent schema creation, corrupt and read-only
databases, the read-only query path."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

import pipeline.store.db as store_db
from pipeline.cli import cli
from pipeline.store import open_db
from tests.reliability.helpers import ROOT, assert_clean_error, run_claims

OPEN_AND_WRITE = """
import sys
from pipeline.store import open_db
db = open_db(sys.argv[1])
db.table("pages").insert({"url": sys.argv[2], "ok": 0, "error": "test"})
db.close()
"""


def test_three_processes_creating_the_schema_at_once_all_succeed(tmp_path):
    for round_no in range(2):
        path = tmp_path / f"new{round_no}.db"
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_WRITE, str(path), f"u{i}"], cwd=ROOT,
                                  stderr=subprocess.PIPE) for i in range(3)]
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode()
        with sqlite3.connect(path) as conn:
            assert sorted(r[0] for r in conn.execute("select url from pages")) == ["u0", "u1", "u2"]


@pytest.mark.parametrize("args", [
    ["show", "1"], ["query", "select count(*) from articles"], ["reprocess"], ["audit", "report"],
    ["serve", "--get", "/claims.json"], ["ingest", "data/samples/baclofen-alcohol-trial.html"],
])
def test_corrupt_or_non_sqlite_database_is_a_clean_error(tmp_path, args):
    bad = tmp_path / "claims.db"
    bad.write_bytes(b"this is not an SQLite file, just text that happens to sit here\n" * 20)
    full = ["audit", "--db", str(bad), "report"] if args[0] == "audit" else [args[0], "--db", str(bad), *args[1:]]
    result = run_claims(*full)
    assert_clean_error(result)
    out = (result.stdout + result.stderr).decode()
    assert "not a database" in out or "not a readable claims database" in out or "file is not a database" in out, out


@pytest.fixture
def wal_db(tmp_path):
    """A WAL database with one article, its connection closed (no -wal/-shm left behind)."""
    path = tmp_path / "ro" / "claims.db"
    path.parent.mkdir()
    db = open_db(str(path))
    db.table("articles").insert({"id": "a1", "url": "https://example.org/a", "title": "A", "text": "t"})
    db.close()
    return path


def test_query_on_a_wal_database_in_a_read_only_directory_still_reads(wal_db, monkeypatch):
    # the user cannot write there: SQLite cannot keep the WAL index beside the file, so it opens immutable
    monkeypatch.setattr(store_db.os, "access", lambda path, mode: False)
    db = open_db(str(wal_db), read_only=True)
    assert [r["id"] for r in db.query("select id from articles")] == ["a1"]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("insert into articles (id) values ('x')")
    assert not (wal_db.parent / "claims.db-shm").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere; the monkeypatched test above covers it")
def test_query_in_a_directory_the_user_cannot_write(wal_db):
    os.chmod(wal_db.parent, 0o555)
    try:
        result = run_claims("query", "select id from articles", "--db", str(wal_db), "--csv")
        assert result.returncode == 0 and b"a1" in result.stdout
    finally:
        os.chmod(wal_db.parent, 0o755)


def test_query_refuses_attach_and_creates_no_file(wal_db, tmp_path):
    target = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["query", f"attach database '{target}' as a", "--db", str(wal_db)])
    assert_clean_error(result, "query failed: not authorized", "ATTACH is refused")
    assert not target.exists()


def test_query_cannot_write(wal_db):
    result = CliRunner().invoke(cli, ["query", "delete from articles", "--db", str(wal_db)])
    assert_clean_error(result, "query failed: attempt to write a readonly database")


def test_show_0_is_an_error_and_a_huge_number_matches_nothing(wal_db):
    assert_clean_error(CliRunner().invoke(cli, ["show", "0", "--db", str(wal_db)]), "row numbers start at 1")
    huge = "9" * 40
    assert_clean_error(CliRunner().invoke(cli, ["show", huge, "--db", str(wal_db)]), f"no article matches '{huge}'")


def test_db_that_is_a_directory_is_a_clean_error(tmp_path):
    assert_clean_error(CliRunner().invoke(cli, ["show", "1", "--db", str(tmp_path)]), "is a directory", code=2)

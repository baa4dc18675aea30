"""Worker processes: the database after `--workers 2` equals the one after `--workers 1`; a worker that dies
costs nothing (its page is retried) or only its page; kill -9 of the ingest or of a worker, then a rerun,
gives the uninterrupted run's database. Runs `claims` as subprocesses on real SQLite files."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.workers import Job, WorkerPool
from tests.conftest import ROOT, SAMPLES

TABLES = ["pages", "articles", "article_urls", "trials", "arms", "doses", "outcomes", "flags"]
VOLATILE = {"pages": {"id", "fetched_at", "elapsed_ms"}, "articles": {"ingested_at"}, "article_urls": {"first_seen"}}
CLAIMS = ["trials", "arms", "doses", "outcomes", "flags"]


def sources(tmp: Path) -> list[str]:
    """The sample pages, and two sources that fail (a missing file, a page without article text)."""
    empty = tmp / "empty-page.html"
    empty.write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    return [str(SAMPLES), str(tmp / "missing.html"), str(empty)]


def claims_cmd(*args: str) -> list[str]:
    """The command line of the ``claims`` console script (which starts the forkserver before reading it)."""
    return [sys.executable, "-c", "from pipeline.launch import main; main()", *args]


def run_ingest(db: Path, srcs: list[str], workers: int) -> subprocess.CompletedProcess:
    return subprocess.run(claims_cmd("ingest", "--db", str(db), "--workers", str(workers), *srcs),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def snapshot(db: Path, *, last_attempt_only: bool = False) -> dict[str, list[tuple]]:
    """Every table's rows as (column, value) pairs without ids and timestamps, sorted. ``last_attempt_only``:
    the last fetch attempt of each URL (a rerun adds attempts: every attempt is a row)."""
    conn = sqlite3.connect(db)
    out = {}
    for table in TABLES:
        cursor = conn.execute(f"select * from [{table}] order by rowid")
        names = [d[0] for d in cursor.description]
        rows = [tuple((n, v) for n, v in zip(names, row, strict=True) if n not in VOLATILE.get(table, ()))
                for row in cursor.fetchall()]
        if table == "pages" and last_attempt_only:
            rows = list({dict(row)["url"]: row for row in rows}.values())
        out[table] = sorted(rows, key=repr)
    conn.close()
    return out


def per_article(db: Path) -> dict[str, dict[str, list[tuple]]]:
    """Each article's row and claim rows: what must be written whole or not at all."""
    conn = sqlite3.connect(db)
    out: dict[str, dict[str, list[tuple]]] = {}
    for (article_id, text) in conn.execute("select id, text from articles"):
        out[article_id] = {"text": [(text,)]}
        for table in CLAIMS:
            out[article_id][table] = sorted(conn.execute(f"select * from [{table}] where article_id = ?",
                                                         [article_id]).fetchall(), key=repr)
    conn.close()
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run with one worker (everything in one process) and one with two."""
    tmp = tmp_path_factory.mktemp("reference")
    srcs = sources(tmp)
    runs = {}
    for workers in (1, 2):
        db = tmp / f"w{workers}" / "claims.db"
        done = run_ingest(db, srcs, workers)
        assert done.returncode == 1, done.stderr  # two sources fail, on purpose
        runs[workers] = db
    return srcs, runs


def test_workers_two_and_one_give_the_same_database(reference):
    _, runs = reference
    one, two = snapshot(runs[1]), snapshot(runs[2])
    assert len(one["articles"]) == len(list(SAMPLES.glob("*.html")))
    assert sum(1 for row in one["pages"] if dict(row)["ok"] == 0) == 2
    for table in TABLES:
        assert two[table] == one[table], table


def test_reprocess_with_workers_keeps_the_database(reference, tmp_path):
    _, runs = reference
    db = tmp_path / "claims.db"
    conn = sqlite3.connect(runs[2])
    conn.execute("vacuum into ?", [str(db)])
    conn.close()
    (tmp_path / "raw").symlink_to(runs[2].parent / "raw")
    done = subprocess.run(claims_cmd("reprocess", "--db", str(db), "--workers", "2"), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert snapshot(db) == snapshot(runs[2])


def descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid``, with its depth (workers fork from the forkserver: depth 2)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier, depth = {}, [pid], 0
    while frontier:
        depth += 1
        frontier = [child for child, parent in parents.items() if parent in frontier]
        out.update(dict.fromkeys(frontier, depth))
    return out


def workers_of(pid: int) -> list[int]:
    below = descendants(pid)
    return [p for p, depth in below.items() if depth == 2]


def assert_whole_articles(db: Path, full: Path) -> None:
    """Every article in ``db`` has exactly the rows it has after an uninterrupted run."""
    partial, complete = per_article(db), per_article(full)
    for article_id, rows in partial.items():
        assert rows == complete[article_id], article_id


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_kill_9_of_a_worker_and_the_writer_then_rerun_gives_the_uninterrupted_database(reference, tmp_path):
    """kill -9 a worker at a random moment (its page is retried), then the writer (the main process) a
    random moment later: no article is half-written, and a rerun gives the uninterrupted run's database."""
    srcs, runs = reference
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    db = tmp_path / "claims.db"
    proc = subprocess.Popen(claims_cmd("ingest", "--db", str(db), "--workers", "2", *srcs), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and len(workers_of(proc.pid)) < 2:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.0))
        for pid in workers_of(proc.pid)[:1]:
            os.kill(pid, signal.SIGKILL)
        time.sleep(rng.uniform(0.0, 1.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    if db.exists():
        assert_whole_articles(db, runs[2])
    done = run_ingest(db, srcs, 2)
    assert done.returncode == 1, done.stderr
    assert snapshot(db, last_attempt_only=True) == snapshot(runs[2], last_attempt_only=True), f"seed {seed}"


# --- the pool itself ----------------------------------------------------------------------------------


def test_pool_retries_a_page_whose_worker_died_and_records_a_second_death(tmp_path):
    page = (SAMPLES / "baclofen-alcohol-trial.html").read_bytes()
    job = Job(url=(SAMPLES / "baclofen-alcohol-trial.html").as_uri(), body=page, sha256=None, encoding=None,
              raw_dir=str(tmp_path / "raw"))
    done = {}
    with WorkerPool(1, lambda key, prepared: done.__setitem__(key, prepared)) as pool:
        pool.submit("once", job)
        os.kill(pool.workers[0].process.pid, signal.SIGKILL)  # it holds the page: retried on a fresh worker
        pool.drain()
        assert done["once"].error is None and done["once"].claims.trials
        pool.submit("twice", job)
        killed = 0
        while "twice" not in done:  # kill the worker holding each attempt, once
            worker = pool.workers[0]
            if worker.task is not None and worker.task.attempt == killed:
                os.kill(worker.process.pid, signal.SIGKILL)
                killed += 1
            pool.poll()
            time.sleep(0.01)
    assert done["twice"].page is None
    assert done["twice"].error.startswith("worker process died on this page") and "signal 9" in done["twice"].error


def test_pool_turns_any_exception_into_the_pages_error(tmp_path):
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the raw store's directory should be")
    job = Job(url="file:///x.html", body=b"<html><body><p>text</p></body></html>", sha256="ab" * 32,
              encoding=None, raw_dir=str(blocker))
    done = {}
    with WorkerPool(1, lambda key, prepared: done.__setitem__(key, prepared)) as pool:
        pool.submit("page", job)
        pool.drain()
    assert re.match(r"^\w+Error: ", done["page"].error)


@pytest.mark.parametrize("argv, cores, opens", [
    (["claims", "ingest", "page.html"], 2, True),
    (["claims", "ingest", "page.html"], 1, False),
    (["claims", "reprocess", "--db", "c.db"], 4, True),
    (["claims", "ingest", "--workers", "1", "page.html"], 2, False),
    (["claims", "ingest", "--workers=3", "page.html"], 1, True),
    (["claims", "ingest", "--workers", "many", "page.html"], 2, False),
    (["claims", "ingest", "--models", "models/", "page.html"], 2, False),
    (["claims", "ingest", "--help"], 2, False),
    (["claims", "query", "select 1"], 2, False),
    (["claims"], 2, False),
])
def test_the_forkserver_starts_early_only_for_a_command_that_opens_workers(monkeypatch, argv, cores, opens):
    from pipeline.forkserver import opens_workers

    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert opens_workers(argv) is opens


def test_start_early_that_cannot_start_the_forkserver_leaves_it_to_the_pool(monkeypatch):
    import multiprocessing.forkserver

    from pipeline.forkserver import start_early

    def refuse() -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running", refuse)
    assert start_early(["claims", "ingest", "page.html"]) is False


def test_start_early_leaves_a_running_forkserver_that_the_pool_then_uses():
    script = ("import multiprocessing.forkserver as fs\n"
              "from pipeline.forkserver import start_early\n"
              "started = start_early(['claims', 'ingest', '--workers', '2', 'page.html'])\n"
              "pid = fs._forkserver._forkserver_pid\n"
              "from pipeline.workers import WorkerPool\n"
              "pool = WorkerPool(1, lambda key, result: None)\n"
              "print(started, pid is not None, fs._forkserver._forkserver_pid == pid)\n"
              "pool.close()\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "True"], out.stderr

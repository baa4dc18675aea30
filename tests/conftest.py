"""Shared fixtures: a blank spaCy pipeline, a real SQLite file, a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils

from models.schema import ensure_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import build_nlp

    return build_nlp()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = sqlite_utils.Database(tmp_path / "claims.db")
    ensure_schema(database)
    yield database
    database.close()


# --- local HTTP server ------------------------------------------------------------------


@dataclass
class Response:
    """A canned response. ``body`` may be a callable taking the handler (for slow or odd replies)."""

    status: int = 200
    body: bytes | Callable = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0


class LocalServer:
    """Serves ``data/samples/`` at ``/samples/<file>`` plus routes a test adds."""

    def __init__(self) -> None:
        self.routes: dict[str, Response | list[Response]] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                server.requests.append((path, dict(self.headers)))
                resp = server.resolve(path)
                if resp.delay:
                    time.sleep(resp.delay)
                if callable(resp.body):
                    resp.body(self)
                    return
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(resp.body)
                    except (BrokenPipeError, ConnectionResetError):
                        return  # the client gave up (a timeout test); nothing to answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def resolve(self, path: str) -> Response:
        route = self.routes.get(path)
        if isinstance(route, list):
            # A sequence of responses: one per hit, the last one repeats.
            index = min(self.hits[path] - 1, len(route) - 1)
            return route[index]
        if route is not None:
            return route
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        if path.startswith("/samples/"):
            file = SAMPLES / path.removeprefix("/samples/").split("?")[0]
            if file.is_file():
                return Response(200, file.read_bytes())
        return Response(404, b"<html><body>Not found</body></html>")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# Odd servers, as ``Response.body`` callables: they write the whole reply themselves.


def drip(body: bytes, interval: float, content_type: str = "text/html; charset=utf-8") -> Callable:
    """Headers at once, then the body one byte every ``interval`` seconds (each byte resets a read timeout)."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for i in range(len(body)):
                handler.wfile.write(body[i:i + 1])
                handler.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            return

    return reply


def stall(seconds: float, first: bytes = b"<html><body><p>") -> Callable:
    """Headers and a first few bytes, then silence for ``seconds``."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            handler.wfile.write(first)
            handler.wfile.flush()
            time.sleep(seconds)
        except (BrokenPipeError, ConnectionResetError):
            return

    return reply


def endless(chunk: bytes = b"<p>" + b"x" * 65536 + b"</p>") -> Callable:
    """A body without Content-Length that never ends (until the client hangs up): the byte cap must cut it."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            while True:
                handler.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return

    return reply


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


# --- claims databases built row by row (what an ingest writes), for review and web tests ------

# An article in the shape of the seed news story (numbers borrowed, sentences our own).
BACLOFEN = (
    "High-dose baclofen fails to beat placebo in alcohol trial\n\n"
    "In total, 151 patients with alcohol dependence took part in the 16 week trial. "
    "Of these, 58 received high-dose baclofen, with the dose rising to up to 150 mg/day, "
    "31 received low-dose baclofen at 30 mg/day and 62 received placebo. "
    "About 25% of patients relapsed in each group.\n\n"
    "An earlier study from 2015 had followed 56 patients who took up to 270 mg/day of baclofen or placebo. "
    "In that study 68 % of those on baclofen stayed abstinent.\n\n"
    "The team now plans a new trial testing baclofen at up to 330 mg per day."
)

PAYLOAD = (
    "Trial of a vitamin drink\n\n"
    "Readers pasted <script>window.__pwned = 1</script> and <img src=x onerror=\"window.__pwned = 2\"> "
    "and <a href=\"javascript:window.__pwned=3\">click</a> into the comments. "
    "The trial enrolled 40 adults who drank the vitamin drink for 8 weeks."
)


def span(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def sentence_spans(text: str, *phrases: str) -> str:
    return json.dumps([list(span(text, p)) for p in phrases])


def add_article(db: sqlite_utils.Database, article_id: str, text: str, *, title: str, date: str | None,
                url: str | None = None, version: str = "0.1.0") -> None:
    db.table("articles").upsert({
        "id": article_id, "url": url or f"https://news.example.org/{article_id}", "title": title,
        "date": date, "text": text, "study_type": "rct", "extractor_version": version,
        "ingested_at": "2026-01-01T00:00:00+00:00",
    }, pk="id")


def add_baclofen_claims(db: sqlite_utils.Database, aid: str, *, size: int = 151, size_phrase: str = "151",
                        dose_rule: str = "dose.up_to") -> None:
    """The rows an ingest of the baclofen story writes: three trials with arms, doses, outcomes."""
    t = BACLOFEN
    t0, t1, t2 = f"{aid}:0", f"{aid}:1", f"{aid}:2"
    s_start, s_end = span(t, size_phrase)
    d_start, d_end = span(t, "16 week trial")
    db.table("trials").insert_all([
        {"id": t0, "article_id": aid, "idx": 0, "role": "main", "status": "completed", "design": "[]",
         "size": size, "size_start": s_start, "size_end": s_end, "duration": "16 weeks",
         "duration_start": d_start, "duration_end": d_end, "condition": "alcohol dependence",
         "evidence": sentence_spans(t, "In total, 151 patients", "Of these, 58", "About 25% of patients")},
        {"id": t1, "article_id": aid, "idx": 1, "role": "mentioned", "status": "completed", "design": "[]",
         "size": 56, "size_start": span(t, "56")[0], "size_end": span(t, "56")[1],
         "evidence": sentence_spans(t, "An earlier study from 2015", "In that study 68 %")},
        {"id": t2, "article_id": aid, "idx": 2, "role": "planned", "status": "planned", "design": "[]",
         "evidence": sentence_spans(t, "The team now plans")},
    ], pk="id")
    arms = [
        (t0, 0, "high-dose baclofen", "baclofen", 58, "58 received high-dose baclofen", "58"),
        (t0, 1, "low-dose baclofen", "baclofen", 31, "31 received low-dose baclofen", "31"),
        (t0, 2, "placebo", "placebo", 62, "62 received placebo", "62"),
        (t1, 0, "baclofen", "baclofen", None, "took up to 270 mg/day of baclofen", None),
        (t2, 0, "baclofen", "baclofen", None, "testing baclofen", None),
    ]
    for trial_id, idx, label, intervention, n, phrase, n_phrase in arms:
        start, end = span(t, phrase)
        n_start, n_end = span(t, n_phrase) if n_phrase else (None, None)
        db.table("arms").insert({
            "id": f"{trial_id}:{idx}", "trial_id": trial_id, "article_id": aid, "idx": idx, "label": label,
            "intervention": intervention, "n": n, "n_start": n_start, "n_end": n_end, "start": start,
            "end": end, "rule_id": "arm.received",
        }, pk="id")
    doses = [
        (f"{t0}:0", t0, 150, 150, "up to 150 mg/day", dose_rule),
        (f"{t0}:1", t0, 30, None, "30 mg/day", "dose.per_day"),
        (f"{t1}:0", t1, 270, 270, "up to 270 mg/day", dose_rule),
        (f"{t2}:0", t2, 330, 330, "up to 330 mg per day", dose_rule),
    ]
    for arm_id, trial_id, value, upper, phrase, rule in doses:
        start, end = span(t, phrase)
        db.table("doses").insert({
            "id": f"{arm_id}:0", "arm_id": arm_id, "trial_id": trial_id, "article_id": aid, "idx": 0,
            "drug": "baclofen", "value": value, "upper": upper, "unit": "mg", "per": "day", "text": phrase,
            "start": start, "end": end, "rule_id": rule,
        }, pk="id")
    outcomes = [
        (t0, 0, "relapse", "all groups", 25, "no difference", "About 25% of patients relapsed in each group"),
        (t1, 0, "remained abstinent", "baclofen", 68, "improved", "68 % of those on baclofen stayed abstinent"),
    ]
    for trial_id, idx, measure, arm, value, direction, phrase in outcomes:
        start, end = span(t, phrase)
        db.table("outcomes").insert({
            "id": f"{trial_id}:o{idx}", "trial_id": trial_id, "article_id": aid, "idx": idx,
            "measure": measure, "arm": arm, "value": value, "unit": "%", "direction": direction,
            "text": phrase, "start": start, "end": end, "rule_id": "outcome.percent",
        }, pk="id")
    db.table("flags").insert({"id": f"{t1}:f0", "trial_id": t1, "article_id": aid, "kind": "no_arm_sizes",
                              "message": "size 56 but no arm sizes"}, pk="id")


def add_payload_claims(db: sqlite_utils.Database, aid: str) -> None:
    t = PAYLOAD
    s = span(t, "40")
    db.table("trials").insert({
        "id": f"{aid}:0", "article_id": aid, "idx": 0, "role": "main", "status": "completed", "design": "[]",
        "size": 40, "size_start": s[0], "size_end": s[1], "duration": "8 weeks",
        "duration_start": span(t, "8 weeks")[0], "duration_end": span(t, "8 weeks")[1],
        "evidence": sentence_spans(t, "The trial enrolled 40 adults"),
    }, pk="id")


def build_sample_db(path: Path) -> sqlite_utils.Database:
    """A claims DB with the baclofen story and an article whose text holds markup payloads."""
    from models.schema import ensure_schema

    db = sqlite_utils.Database(path)
    ensure_schema(db)
    add_article(db, "bac", BACLOFEN, title="High-dose baclofen fails to beat placebo", date="2016-10-12")
    add_baclofen_claims(db, "bac")
    add_article(db, "xss", PAYLOAD, title="<script>window.__pwned=4</script>Vitamin drink", date="2016-01-01",
                url="javascript:window.__pwned=5")
    add_payload_claims(db, "xss")
    return db


class Builders:
    """The builders above, handed to tests as the ``builders`` fixture."""

    BACLOFEN = BACLOFEN
    PAYLOAD = PAYLOAD
    span = staticmethod(span)
    sentence_spans = staticmethod(sentence_spans)
    add_article = staticmethod(add_article)
    add_baclofen_claims = staticmethod(add_baclofen_claims)
    add_payload_claims = staticmethod(add_payload_claims)
    build_sample_db = staticmethod(build_sample_db)


@pytest.fixture
def builders() -> type[Builders]:
    return Builders

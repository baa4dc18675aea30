"""Shared fixtures: a blank spaCy pipeline, a real SQLite file, a real local HTTP server."""

from __future__ import annotations

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


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()

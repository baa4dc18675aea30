"""Local HTTP server of the audit page: 127.0.0.1 only, per-server token, same-origin verdicts."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlite_utils

from models.errors import ClaimsError
from pipeline.review.audit import article_view, build_queue, progress, save_verdict

TEMPLATES = files("pipeline.web") / "templates"
STATIC = {
    "/static/audit.js": ("audit.js", "text/javascript; charset=utf-8"),
    "/static/audit.css": ("audit.css", "text/css; charset=utf-8"),
}
MAX_BODY = 64 * 1024

# The page loads only its own script and style; nothing inline, nothing from elsewhere. Even
# if scraped text were ever turned into markup by mistake, an injected script would not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class AuditServer:
    """Serves the audit page for one database. ``token`` must come back on every API call."""

    def __init__(self, db_path: str | Path, *, reviewer: str, port: int = 0) -> None:
        self.db_path = str(db_path)
        self.reviewer = reviewer
        self.token = secrets.token_urlsafe(24)
        self.write_lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> AuditServer:
        """Serve from a background thread (tests, scripted runs)."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        if self.thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()

    def connect(self) -> sqlite_utils.Database:
        # One connection per request: sqlite3 connections must not cross threads.
        return sqlite_utils.Database(sqlite3.connect(self.db_path, timeout=10))


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _handler_for(app: AuditServer) -> type[BaseHTTPRequestHandler]:
    """A handler class bound to ``app``: http.server makes one handler per request from a class, not an instance."""
    return type("Handler", (AuditHandler,), {"app": app})


class AuditHandler(BaseHTTPRequestHandler):
    """Routes of the audit page; ``app`` is set on the subclass ``_handler_for`` makes."""

    app: AuditServer
    server_version = "claims-audit"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # requests carry article text; keep it out of the terminal

    # --- plumbing ---------------------------------------------------------------

    def send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, data: Any) -> None:
        self.send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

    def check_host(self) -> None:
        # A page on another site that rebinds its DNS name to 127.0.0.1 sends its own Host.
        if self.headers.get("Host", "") not in self.app.allowed_hosts:
            raise HTTPError(403, "unexpected Host header")

    def check_api(self) -> None:
        self.check_host()
        origin = self.headers.get("Origin")
        if origin is not None and origin.rstrip("/") not in {f"http://{h}" for h in self.app.allowed_hosts}:
            raise HTTPError(403, "cross-origin request refused")
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            raise HTTPError(403, "cross-site request refused")
        token = self.headers.get("X-Audit-Token", "")
        if not secrets.compare_digest(token.encode(), self.app.token.encode()):
            raise HTTPError(403, "missing or wrong audit token")

    def route(self, method: str) -> None:
        try:
            path = urlsplit(self.path).path
            if method == "GET":
                self.get(path)
            else:
                self.post(path)
        except HTTPError as exc:
            self.send_json(exc.status, {"error": exc.message})
        except ClaimsError as exc:
            self.send_json(400, {"error": exc.message})
        except sqlite3.Error as exc:
            self.send_json(500, {"error": f"database error: {exc}"})

    def do_GET(self) -> None:
        self.route("GET")

    def do_HEAD(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    # --- routes -----------------------------------------------------------------

    def get(self, path: str) -> None:
        if path == "/":
            self.send_page()
        elif path in STATIC:
            self.send_static(path)
        elif path == "/favicon.ico":
            self.send(204, b"", "image/x-icon")
        elif path == "/api/queue":
            self.send_queue()
        elif path.startswith("/api/article/"):
            self.send_article(path)
        else:
            raise HTTPError(404, "not found")

    def send_page(self) -> None:
        self.check_host()
        page = (TEMPLATES / "audit.html").read_text(encoding="utf-8")
        # The token is URL-safe base64: it needs no escaping inside an attribute.
        page = page.replace("{{token}}", self.app.token)
        self.send(200, page.encode("utf-8"), "text/html; charset=utf-8")

    def send_static(self, path: str) -> None:
        self.check_host()
        name, content_type = STATIC[path]
        self.send(200, (TEMPLATES / name).read_bytes(), content_type)

    def send_queue(self) -> None:
        self.check_api()
        db = self.app.connect()
        try:
            queue = [vars(e) for e in build_queue(db)]
            self.send_json(200, {"queue": queue, "progress": progress(db), "reviewer": self.app.reviewer})
        finally:
            db.close()

    def send_article(self, path: str) -> None:
        self.check_api()
        article_id = unquote(path.removeprefix("/api/article/"))
        db = self.app.connect()
        try:
            view = article_view(db, article_id)
            view["progress"] = progress(db)
            self.send_json(200, view)
        finally:
            db.close()

    def post(self, path: str) -> None:
        if path != "/api/verdict":
            raise HTTPError(404, "not found")
        self.check_api()
        article_id, key, verdict, corrected_value = self.read_verdict()
        with self.app.write_lock:
            db = self.app.connect()
            try:
                row = save_verdict(db, str(article_id), str(key), str(verdict), reviewer=self.app.reviewer,
                                   corrected_value=corrected_value)
                self.send_json(200, {"saved": row, "progress": progress(db)})
            finally:
                db.close()

    def read_verdict(self) -> tuple[Any, Any, Any, Any]:
        """article_id, key, verdict and corrected_value (None if absent) of the request's JSON body."""
        # A JSON body cannot be sent cross-site without a CORS preflight, which we never grant.
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise HTTPError(415, "verdicts are JSON")
        declared = (self.headers.get("Content-Length") or "0").strip()
        length = int(declared) if declared.isdigit() else -1  # "abc", "-5", "1e3": not a length
        if length <= 0 or length > MAX_BODY:
            raise HTTPError(400, "missing or oversized body")
        try:
            body = json.loads(self.rfile.read(length))
            article_id, key, verdict = body["article_id"], body["key"], body["verdict"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise HTTPError(400, f"bad verdict request: {exc}") from exc
        return article_id, key, verdict, body.get("corrected_value")

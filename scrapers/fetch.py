"""Polite, robust fetching: one pooled session, robots.txt, per-host rate limits, retries, byte caps."""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http
import logging
import re
import socket
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import requests
import urllib3
import urllib3.connection
from protego import Protego
from requests.adapters import HTTPAdapter

from models.records import FetchResult
from scrapers.encoding import binary_reason


@dataclass
class FetchSettings:
    """How pages are fetched: politeness, limits and retries. ``pipeline.settings.Settings`` extends it."""

    user_agent: str = "trial-claims (+https://github.com/trial-claims/trial-claims; science-news claims pipeline)"
    timeout: float = 20.0  # seconds, per request (connect and read)
    total_timeout: float = 60.0  # seconds, one URL including retries
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 3
    backoff: float = 0.5  # seconds, doubled per retry
    max_redirects: int = 10
    rate_per_host: float = 1.0  # requests per second per host
    per_host_concurrency: int = 2
    concurrency: int = 8
    respect_robots: bool = True


Settings = FetchSettings  # the annotation used below: any settings object with these fields

# Query parameters that only track the reader; dropping them makes one article one URL.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "_ga", "_gl",
    "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "ref_src", "cmpid",
    "ncid", "sr_share", "spm", "s_cid", "trk", "rss", "feed",
})
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "itm_")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024


# --- URLs -------------------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """One spelling per URL: lowercase scheme and host, no default port, no fragment, no tracking params."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query, doseq=True), ""))


def host_key(url: str) -> str:
    """scheme://host[:port], the unit for robots.txt, rate limits and concurrency caps."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}" if parts.scheme in ("http", "https") else ""


# --- session, robots, rate limits -------------------------------------------------------


# The socket each fetch thread waits on, by thread id, so that a watchdog can cut it at the URL's
# deadline: a server that drips its status line or headers a byte at a time resets every read timeout.
_WAITING: dict[int, socket.socket] = {}


class _WatchedConnection(urllib3.connection.HTTPConnection):
    def getresponse(self, *args, **kwargs):
        _WAITING[threading.get_ident()] = self.sock
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def getresponse(self, *args, **kwargs):
        _WAITING[threading.get_ident()] = self.sock
        return super().getresponse(*args, **kwargs)


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class _Watchdog:
    """At ``deadline``, shuts down the socket the calling thread waits on; ``fired`` says it did."""

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self.owner = threading.get_ident()
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self.timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _WAITING.pop(self.owner, None)
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        _WAITING.pop(self.owner, None)

    def _fire(self) -> None:
        sock = _WAITING.get(self.owner)
        if sock is not None:
            self.fired = True
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


class _QuietHeaderWarnings(logging.Filter):
    """urllib3 logs a traceback when headers end early, which is what a cut-off drip-feed looks like;
    the fetch records its own reason for the page."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to parse headers")


_HEADER_FILTER = _QuietHeaderWarnings()


def make_session(settings: Settings) -> requests.Session:
    """One session per run: pooled connections, the project's User-Agent, a redirect cap."""
    logging.getLogger("urllib3.connection").addFilter(_HEADER_FILTER)  # a set: adding twice is once
    session = requests.Session()
    pool = max(settings.concurrency, settings.per_host_concurrency, 4)
    adapter = _WatchedAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({
        "User-Agent": settings.user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        "Accept-Language": "en;q=1.0,*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    })
    session.max_redirects = settings.max_redirects
    return session


class HostGate:
    """Per-host politeness: at most ``concurrency`` requests at once, starts spaced by 1/rate seconds."""

    def __init__(self, rate: float, concurrency: int) -> None:
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._next = 0.0

    def wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Gates:
    """HostGate per host, created on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> HostGate:
        key = host_key(url)
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = HostGate(self.settings.rate_per_host, self.settings.per_host_concurrency)
            return gate


class RobotsCache:
    """robots.txt per host, fetched once per run. ``allowed`` returns None or the reason for refusal."""

    def __init__(self) -> None:
        self._rules: dict[str, Protego | str | None] = {}
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._lock = threading.Lock()

    def refusal(self, url: str, session: requests.Session, settings: Settings,
                gate: HostGate | None = None) -> str | None:
        key = host_key(url)
        if not key:
            return None
        with self._lock:
            host_lock = self._locks[key]
        with host_lock:
            if key not in self._rules:
                self._rules[key] = _fetch_robots(key, session, settings, gate)
        rules = self._rules[key]
        if rules is None:
            return None
        if isinstance(rules, str):
            return rules
        return None if rules.can_fetch(url, settings.user_agent) else "disallowed by robots.txt"


def _fetch_robots(key: str, session: requests.Session, settings: Settings,
                  gate: HostGate | None) -> Protego | str | None:
    """RFC 9309: 4xx means no rules; 5xx means assume everything is disallowed for now."""
    if gate is not None:
        gate.wait_turn()
    try:
        with _Watchdog(time.monotonic() + settings.timeout):  # one request: a dripping robots.txt must not hang the host
            resp = session.get(f"{key}/robots.txt", timeout=settings.timeout, allow_redirects=True, stream=True)
            body = _read_capped(resp, 512 * 1024)
            status = resp.status_code
            resp.close()
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        # The host is unreachable: fetching the page will fail with the precise reason.
        return None
    if status >= 500:
        return f"robots.txt unavailable (HTTP {status}); not fetched"
    if status >= 400:
        return None
    return Protego.parse(body.decode("utf-8", errors="replace"))


def _read_capped(resp: requests.Response, cap: int) -> bytes:
    out = bytearray()
    for chunk in resp.iter_content(CHUNK):
        out += chunk
        if len(out) > cap:
            break
    return bytes(out[:cap])


# --- one page ---------------------------------------------------------------------------


def fetch_page(url: str, session: requests.Session, settings: Settings, *, robots: RobotsCache | None = None,
               etag: str | None = None, last_modified: str | None = None) -> FetchResult:
    """Fetch one URL or local file. Never raises for network, HTTP or content problems: ``error`` says why."""
    return _fetch(url, session, settings, robots=robots, etag=etag, last_modified=last_modified, gate=None)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _fetch(url: str, session: requests.Session, settings: Settings, *, robots: RobotsCache | None,
           etag: str | None, last_modified: str | None, gate: HostGate | None) -> FetchResult:
    started = time.monotonic()
    fetched_at = _now()
    if not url.startswith(("http://", "https://")):
        return _fetch_file(url, settings, fetched_at, started)

    def failed(error: str, **fields: object) -> FetchResult:
        return FetchResult(url=url, fetched_at=fetched_at, error=error,
                           elapsed_ms=int((time.monotonic() - started) * 1000), **fields)

    if settings.respect_robots:
        robots = robots or RobotsCache()
        reason = robots.refusal(url, session, settings, gate)
        if reason:
            return failed(reason)

    deadline = started + settings.total_timeout
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempt = 0
    while True:
        attempt += 1
        if gate is not None:
            gate.wait_turn()
        outcome = _attempt(url, session, settings, headers, deadline, attempt)
        retry_in = outcome.pop("retry_in", None)
        if retry_in is None or attempt > settings.retries:
            break
        if time.monotonic() + retry_in > deadline:
            outcome["error"] = f"{outcome['error']}; gave up: next retry in {retry_in:g}s exceeds the time budget"
            break
        time.sleep(retry_in)
    backoff_note = f" after {attempt} attempts" if attempt > 1 and outcome.get("error") else ""
    if outcome.get("error"):
        outcome["error"] += backoff_note
    return FetchResult(url=url, fetched_at=fetched_at, elapsed_ms=int((time.monotonic() - started) * 1000),
                       **outcome)


def _attempt(url: str, session: requests.Session, settings: Settings, headers: dict[str, str],
             deadline: float, attempt: int) -> dict:
    """One request. Returns FetchResult fields, plus ``retry_in`` (seconds) when worth retrying."""
    remaining = max(0.1, deadline - time.monotonic())
    timeout = min(settings.timeout, remaining)
    backoff = settings.backoff * (2 ** (attempt - 1))
    watchdog = _Watchdog(deadline)
    try:
        with watchdog:
            resp = session.get(url, headers=headers, timeout=timeout, allow_redirects=True, stream=True)
    except requests.RequestException as exc:
        if watchdog.fired:
            return {"error": "timed out waiting for the response (total time budget exceeded)"}
        return _request_failed(exc, settings, timeout, backoff)
    if watchdog.fired:  # cut off inside the headers: what arrived is not a response
        resp.close()
        return {"error": "timed out waiting for the response (total time budget exceeded)"}
    try:
        return _read_response(resp, url, settings, deadline, backoff)
    finally:
        resp.close()


def _request_failed(exc: requests.RequestException, settings: Settings, timeout: float, backoff: float) -> dict:
    """FetchResult fields for a request that brought no response."""
    if isinstance(exc, requests.TooManyRedirects):
        return {"error": f"too many redirects (more than {settings.max_redirects})"}
    if isinstance(exc, requests.Timeout):
        return {"error": f"timed out after {timeout:g}s", "retry_in": backoff}
    if isinstance(exc, requests.exceptions.InvalidURL):
        return {"error": f"invalid URL: {exc}"}
    if isinstance(exc, requests.ConnectionError):
        reason = _connection_reason(exc)
        # A name that does not resolve will not resolve a second later either.
        return {"error": reason} if reason == "DNS lookup failed" else {"error": reason, "retry_in": backoff}
    return {"error": f"request failed: {exc.__class__.__name__}: {exc}"}


def _read_response(resp: requests.Response, url: str, settings: Settings, deadline: float,
                   backoff: float) -> dict:
    status = resp.status_code
    content_type, charset = _content_type(resp.headers.get("Content-Type", ""))
    fields: dict = {
        "final_url": resp.url if resp.url != url else None,
        "status": status,
        "content_type": content_type or None,
        "etag": resp.headers.get("ETag"),
        "last_modified": resp.headers.get("Last-Modified"),
    }
    if status == 304:
        return {**fields, "not_modified": True}
    if status >= 400:
        fields["error"] = f"HTTP {status} {_reason(status, resp.reason)}"
        if status in RETRY_STATUSES:
            retry_after = _retry_after(resp.headers.get("Retry-After"))
            fields["retry_in"] = max(backoff, retry_after) if retry_after is not None else backoff
        return fields
    if content_type and content_type not in HTML_TYPES:
        return {**fields, "error": f"unsupported content type {content_type}"}
    length = resp.headers.get("Content-Length")
    encoding_header = resp.headers.get("Content-Encoding", "").lower()
    if length and length.isdigit() and int(length) > settings.max_bytes and encoding_header in ("", "identity"):
        return {**fields, "error": f"body larger than {_mb(settings.max_bytes)} (Content-Length {int(length)})"}
    try:
        body = _read_body(resp, settings.max_bytes, deadline, encoding_header, settings.timeout)
    except _BodyError as exc:
        return {**fields, "error": str(exc)}
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        return {**fields, "error": f"connection broken while reading the body: {exc.__class__.__name__}",
                "retry_in": backoff}
    if not body.strip():
        return {**fields, "error": "empty body"}
    if reason := binary_reason(body):
        return {**fields, "error": reason}
    if not content_type and not _looks_like_html(body):
        return {**fields, "error": "unsupported content type (none declared, body is not HTML)"}
    # The cleaner decodes the body once; the fetch keeps the charset the server declared.
    return {**fields, "body": body, "sha256": hashlib.sha256(body).hexdigest(), "encoding": charset or None}


class _BodyError(Exception):
    """A body that must not be used: too large, truncated, corrupt, too slow."""


def _read_body(resp: requests.Response, cap: int, deadline: float, content_encoding: str,
               read_timeout: float | None = None) -> bytes:
    """Stream the body, decompressing ourselves so that a truncated gzip is noticed and the cap
    applies to decoded bytes (a small gzip can expand to gigabytes).

    The time budget holds whatever the server does: each read returns what has arrived (``read1``),
    the deadline is checked after every read, and the socket timeout is cut to the time left, so
    neither a server that drips one byte a second nor one that stalls outlives the budget."""
    decoder = None
    if content_encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif content_encoding == "deflate":
        decoder = zlib.decompressobj()
    out = bytearray()
    raw = resp.raw
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _BodyError("timed out while reading the body (total time budget exceeded)")
        _set_socket_timeout(raw, min(read_timeout or remaining, remaining))
        try:
            chunk = raw.read1(CHUNK, decode_content=decoder is None)
        except (TimeoutError, urllib3.exceptions.ReadTimeoutError) as exc:
            if time.monotonic() >= deadline - 0.05:
                raise _BodyError("timed out while reading the body (total time budget exceeded)") from exc
            raise _BodyError(f"timed out while reading the body (no data for {read_timeout:g}s)") from exc
        if not chunk:
            break
        if decoder is not None:
            try:
                chunk = decoder.decompress(chunk, cap + 1 - len(out))
            except zlib.error as exc:
                raise _BodyError(f"corrupt {content_encoding} body: {exc}") from exc
        out += chunk
        if len(out) > cap:
            raise _BodyError(f"body larger than {_mb(cap)} (cut off while streaming)")
    if decoder is not None and not decoder.eof:
        raise _BodyError(f"truncated {content_encoding} body ({len(out)} bytes decoded before it ended)")
    return bytes(out)


def _set_socket_timeout(raw: urllib3.HTTPResponse, seconds: float) -> None:
    """Cut the socket timeout of a streaming response to ``seconds`` (the time left in the budget)."""
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(0.05, seconds))
        except OSError:
            pass  # already closed: the next read says so


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta", b"<title", b"<div",
                            b"<p"))


def _content_type(value: str) -> tuple[str, str | None]:
    main, _, params = value.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return main.strip().lower(), (match.group(1).lower() if match else None)


def _reason(status: int, given: str | None) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return given or "error"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _connection_reason(exc: requests.ConnectionError) -> str:
    """A plain reason from the chain of wrapped exceptions urllib3 and requests build."""
    seen = set()
    stack: list[BaseException] = [exc]
    text = str(exc)
    while stack:
        err = stack.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, socket.gaierror) or err.__class__.__name__ == "NameResolutionError":
            return "DNS lookup failed"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, ConnectionResetError):
            return "connection reset by the server"
        stack.extend(e for e in (err.__cause__, err.__context__, getattr(err, "reason", None)) if e is not None)
        stack.extend(a for a in getattr(err, "args", ()) if isinstance(a, BaseException))
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "DNS lookup failed"
    if "Connection refused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "connection closed by the server without a response"
    return f"connection failed: {exc.__class__.__name__}"


# --- local files ------------------------------------------------------------------------


def _fetch_file(url: str, settings: Settings, fetched_at: str, started: float) -> FetchResult:
    """Local paths and file:// URLs: status None, body = the file's bytes (``.gz`` decompressed)."""
    if url.startswith("file://"):
        path = Path(unquote(urlsplit(url).path))
    else:
        path = Path(url)

    def done(**fields: object) -> FetchResult:
        return FetchResult(url=url, fetched_at=fetched_at, elapsed_ms=int((time.monotonic() - started) * 1000),
                           **fields)

    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            return done(error=f"body larger than {_mb(settings.max_bytes)} (file is {size} bytes)")
        body = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            body = _gunzip_capped(body, settings.max_bytes)
    except FileNotFoundError:
        return done(error=f"file not found: {path}")
    except IsADirectoryError:
        return done(error=f"is a directory: {path}")
    except _BodyError as exc:
        return done(error=str(exc))
    except OSError as exc:
        return done(error=f"cannot read {path}: {exc.strerror or exc}")
    if not body.strip():
        return done(error="empty body")
    if reason := binary_reason(body):
        return done(error=reason)
    content_type = "application/xhtml+xml" if ".xhtml" in path.name.lower() else "text/html"
    return done(body=body, sha256=hashlib.sha256(body).hexdigest(), encoding=None, content_type=content_type)


def _gunzip_capped(data: bytes, cap: int) -> bytes:
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(data, cap + 1)
    except zlib.error as exc:
        raise _BodyError(f"corrupt gzip file: {exc}") from exc
    if len(out) > cap:
        raise _BodyError(f"body larger than {_mb(cap)} (after decompression)")
    if not decoder.eof:
        raise _BodyError(f"truncated gzip file ({len(out)} bytes decoded before it ended)")
    return out


# --- many pages -------------------------------------------------------------------------


def fetch_many(urls: Iterable[str], settings: Settings, *, session: requests.Session | None = None,
               on_result: Callable[[FetchResult], None] | None = None,
               validators: dict[str, tuple[str | None, str | None]] | None = None,
               stop: threading.Event | None = None) -> list[FetchResult]:
    """Fetch every URL, concurrently across hosts, politely per host. Results come back in input order;
    ``on_result`` is called in the calling thread as each one finishes (so it may write to SQLite).
    ``validators`` maps a URL to the (ETag, Last-Modified) of its last fetch for a conditional request.

    Once ``stop`` is set no new fetch starts and the call returns at once with what has arrived
    (URLs not fetched come back as ``not fetched: stopped``); a fetch in flight is abandoned in its
    daemon thread, never waited for."""
    validators = validators or {}
    urls = list(urls)
    if not urls:
        return []
    stop = stop or threading.Event()
    session = session or make_session(settings)
    robots = RobotsCache()
    gates = Gates(settings)
    results: list[FetchResult | None] = [None] * len(urls)

    slots = threading.BoundedSemaphore(max(1, settings.concurrency))  # fetches in flight, all hosts

    def fetch_one(url: str) -> FetchResult:
        etag, last_modified = validators.get(url, (None, None))
        gate = gates(url) if host_key(url) else None
        with slots, gate.slots if gate is not None else contextlib.nullcontext():
            if stop.is_set():
                return FetchResult(url=url, fetched_at=_now(), error="not fetched: stopped")
            return _fetch(url, session, settings, robots=robots, etag=etag, last_modified=last_modified, gate=gate)

    done_queue: list[tuple[int, FetchResult]] = []
    cond = threading.Condition()

    def lane_worker(indexes: list[int]) -> None:
        for i in indexes:
            if stop.is_set():
                return
            try:
                result = fetch_one(urls[i])
            except Exception as exc:  # a bug must not lose the rest of the batch; it is recorded
                result = FetchResult(url=urls[i], fetched_at=_now(),
                                     error=f"internal error: {exc.__class__.__name__}: {exc}")
            with cond:
                done_queue.append((i, result))
                cond.notify()

    # Lanes are daemon threads, not a pool: a stopped run must not wait for a slow server at exit.
    threads = [threading.Thread(target=lane_worker, args=(indexes,), name=f"fetch-{n}", daemon=True)
               for n, indexes in enumerate(_lanes(urls, settings))]
    for thread in threads:
        thread.start()
    received = 0
    while received < len(urls) and not stop.is_set():
        with cond:
            if not done_queue:
                cond.wait(timeout=0.1)
            batch, done_queue[:] = list(done_queue), []
            finished = not batch and not done_queue and not any(t.is_alive() for t in threads)
        for i, result in batch:
            results[i] = result
            received += 1
            if on_result:
                on_result(result)
        if finished:
            break
    reason = "not fetched: stopped" if stop.is_set() else "not fetched"
    return [r if r is not None else FetchResult(url=urls[i], error=reason) for i, r in enumerate(results)]


def _lanes(urls: list[str], settings: Settings) -> list[list[int]]:
    """One queue per host, drained by at most per_host_concurrency lanes: a slow host never ties up
    every lane while other hosts wait. Local files share the lanes of the overall concurrency."""
    queues: dict[str, list[int]] = defaultdict(list)
    for index, url in enumerate(urls):
        queues[host_key(url)].append(index)
    lanes: list[list[int]] = []
    for key, indexes in queues.items():
        width = settings.concurrency if not key else max(1, settings.per_host_concurrency)
        width = min(width, len(indexes))
        lanes.extend(indexes[lane::width] for lane in range(width))
    return lanes

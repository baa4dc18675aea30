"""Fetching against a real local HTTP server: bad input is recorded with a clear reason, never raised."""

from __future__ import annotations

import gzip
import socket
import threading
from pathlib import Path

import pytest

from models.errors import FetchError
from pipeline.settings import Settings
from pipeline.store import load_raw, save_page, save_raw
from scrapers.clean import clean_html
from scrapers.fetch import fetch_many, fetch_page, make_session, normalize_url
from tests.conftest import SAMPLES, Response

ARTICLE = (b"<html><head><title>Trial</title></head><body><article>"
           + b"<p>A randomised trial of 120 adults tested a new drug against placebo for twelve weeks.</p>" * 5
           + b"</article></body></html>")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Fast retries and no rate limit keep the suite quick; politeness itself is tested separately.
    return Settings(db_path=tmp_path / "claims.db", raw_dir=tmp_path / "raw", rate_per_host=0, backoff=0.01,
                    timeout=5, total_timeout=30)


def fetch(url: str, settings: Settings, **kwargs):
    return fetch_page(url, make_session(settings), settings, **kwargs)


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --- the bad-input list ------------------------------------------------------------------


def test_fetch_dns_failure(settings):
    result = fetch("http://no-such-host.invalid/news/1", settings)
    assert result.error == "DNS lookup failed"
    assert result.body is None and not result.ok


def test_fetch_connection_refused(settings):
    result = fetch(f"http://127.0.0.1:{closed_port()}/x", settings)
    assert result.error.startswith("connection refused")


def test_fetch_timeout(server, settings):
    server.routes["/slow"] = Response(200, ARTICLE, delay=1.5)
    settings.timeout, settings.retries = 0.3, 0
    result = fetch(server.url("/slow"), settings)
    assert result.error == "timed out after 0.3s"


@pytest.mark.parametrize("status, reason", [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone")])
def test_fetch_client_errors_are_not_retried(server, settings, status, reason):
    server.routes["/gone"] = Response(status, b"<html><body>gone</body></html>")
    result = fetch(server.url("/gone"), settings)
    assert result.error == reason and result.status == status
    assert server.hits["/gone"] == 1


def test_fetch_500_then_success_on_retry(server, settings):
    server.routes["/flaky"] = [Response(500, b"oops"), Response(200, ARTICLE)]
    result = fetch(server.url("/flaky"), settings)
    assert result.ok and result.status == 200 and result.body == ARTICLE
    assert server.hits["/flaky"] == 2


def test_fetch_500_every_time_gives_up(server, settings):
    server.routes["/down"] = Response(503, b"down")
    settings.retries = 2
    result = fetch(server.url("/down"), settings)
    assert result.error == "HTTP 503 Service Unavailable after 3 attempts"
    assert server.hits["/down"] == 3


def test_fetch_429_honours_retry_after(server, settings):
    server.routes["/busy"] = [Response(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"}),
                              Response(200, ARTICLE)]
    result = fetch(server.url("/busy"), settings)
    assert result.ok and server.hits["/busy"] == 2


def test_fetch_429_retry_after_beyond_budget_is_not_waited_for(server, settings):
    server.routes["/later"] = Response(429, b"", {"Retry-After": "3600", "Content-Type": "text/plain"})
    result = fetch(server.url("/later"), settings)
    assert result.error.startswith("HTTP 429 Too Many Requests")
    assert "exceeds the time budget" in result.error
    assert server.hits["/later"] == 1


def test_fetch_redirect_loop(server, settings):
    server.routes["/a"] = Response(302, b"", {"Location": "/b"})
    server.routes["/b"] = Response(302, b"", {"Location": "/a"})
    result = fetch(server.url("/a"), settings)
    assert result.error == f"too many redirects (more than {settings.max_redirects})"


def test_fetch_follows_redirect_and_records_final_url(server, settings):
    server.routes["/old"] = Response(301, b"", {"Location": "/new"})
    server.routes["/new"] = Response(200, ARTICLE)
    result = fetch(server.url("/old"), settings)
    assert result.ok and result.final_url == server.url("/new")


def test_fetch_robots_disallowed_is_not_fetched(server, settings):
    server.routes["/robots.txt"] = Response(200, b"User-agent: *\nDisallow: /private/\n",
                                            {"Content-Type": "text/plain"})
    server.routes["/private/page"] = Response(200, ARTICLE)
    result = fetch(server.url("/private/page"), settings)
    assert result.error == "disallowed by robots.txt"
    assert "/private/page" not in server.hits
    settings.respect_robots = False
    assert fetch(server.url("/private/page"), settings).ok


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
def test_fetch_unsupported_content_types(server, settings, content_type):
    server.routes["/file"] = Response(200, b"%PDF-1.4 \x89PNG {}", {"Content-Type": content_type})
    result = fetch(server.url("/file"), settings)
    assert result.error == f"unsupported content type {content_type}"
    assert result.body is None


def test_fetch_xhtml_is_accepted(server, settings):
    server.routes["/x"] = Response(200, ARTICLE, {"Content-Type": "application/xhtml+xml; charset=utf-8"})
    assert fetch(server.url("/x"), settings).ok


def test_fetch_empty_body(server, settings):
    server.routes["/empty"] = Response(200, b"")
    assert fetch(server.url("/empty"), settings).error == "empty body"


def test_fetch_50mb_body_declared_is_refused_before_reading(server, settings):
    def huge(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(50 * 1024 * 1024))
        handler.end_headers()
        try:
            handler.wfile.write(b"<p>" + b"x" * 1024 * 1024)
        except OSError:  # the client hung up, as it should
            pass

    server.routes["/huge"] = Response(200, huge)
    result = fetch(server.url("/huge"), settings)
    assert result.error.startswith("body larger than 10 MB")
    assert result.body is None


def test_fetch_50mb_body_streamed_is_cut_off(server, settings):
    sent = {"bytes": 0}

    def stream(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"<p>" + b"y" * (1024 * 1024 - 3)
        try:
            for _ in range(50):
                handler.wfile.write(chunk)
                sent["bytes"] += len(chunk)
        except OSError:
            pass
        handler.close_connection = True

    server.routes["/stream"] = Response(200, stream)
    result = fetch(server.url("/stream"), settings)
    assert result.error == "body larger than 10 MB (cut off while streaming)"
    assert result.body is None


def test_fetch_truncated_gzip(server, settings):
    packed = gzip.compress(ARTICLE * 20)
    server.routes["/gz"] = Response(200, packed[: len(packed) // 2],
                                    {"Content-Type": "text/html", "Content-Encoding": "gzip"})
    result = fetch(server.url("/gz"), settings)
    assert result.error.startswith("truncated gzip body")


def test_fetch_gzip_body_is_decoded(server, settings):
    server.routes["/gz"] = Response(200, gzip.compress(ARTICLE), {"Content-Type": "text/html",
                                                                   "Content-Encoding": "gzip"})
    result = fetch(server.url("/gz"), settings)
    assert result.ok and result.body == ARTICLE


CAFE_PAGE = ("<html><body><article>" + "".join(
    f"<p>The caf\u00e9 study \u2013 led by Dr M\u00fcller \u2013 enrolled {n} na\u00efve patients in S\u00e3o Paulo "
    f"for a trial of diet and exercise lasting {n // 10} weeks.</p>" for n in (40, 80, 120, 160))
    + "</article></body></html>")


def test_fetch_windows_1252_served_as_utf8(server, settings):
    server.routes["/cp"] = Response(200, CAFE_PAGE.encode("cp1252"), {"Content-Type": "text/html; charset=utf-8"})
    result = fetch(server.url("/cp"), settings)
    assert result.ok and result.encoding == "utf-8"  # what the server declared; the cleaner decodes once
    page = clean_html(result.body, result.url, encoding=result.encoding)
    text = page.text
    assert page.encoding == "cp1252"
    assert "caf\u00e9 study \u2013 led by Dr M\u00fcller" in text
    assert "\ufffd" not in text


def test_fetch_utf8_served_as_windows_1252(server, settings):
    server.routes["/u8"] = Response(200, CAFE_PAGE.encode("utf-8"),
                                    {"Content-Type": "text/html; charset=windows-1252"})
    result = fetch(server.url("/u8"), settings)
    assert result.ok and result.encoding == "windows-1252"
    page = clean_html(result.body, result.url, encoding=result.encoding)
    text = page.text
    assert page.encoding == "utf-8"
    assert "S\u00e3o Paulo" in text and "Ã" not in text and "â€" not in text


# --- conditional requests, local files, raw store -------------------------------------------


def test_fetch_conditional_request_not_modified(server, settings):
    server.routes["/cond"] = [Response(200, ARTICLE, {"Content-Type": "text/html", "ETag": '"v1"',
                                                      "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"}),
                              Response(304, b"", {"ETag": '"v1"'})]
    first = fetch(server.url("/cond"), settings)
    assert first.ok and first.etag == '"v1"' and first.last_modified.startswith("Wed, 01 May 2024")
    second = fetch(server.url("/cond"), settings, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.error is None and second.body is None
    sent = [headers for path, headers in server.requests if path == "/cond"][-1]
    assert sent.get("If-None-Match") == '"v1"'
    assert sent.get("If-Modified-Since") == "Wed, 01 May 2024 10:00:00 GMT"


def test_fetch_sends_user_agent(server, settings):
    fetch(server.url("/samples/baclofen-alcohol-trial.html"), settings)
    sent = [headers for path, headers in server.requests if path.startswith("/samples/")][0]
    assert sent["User-Agent"] == settings.user_agent


def test_fetch_local_files(tmp_path, settings):
    page = SAMPLES / "baclofen-alcohol-trial.html"
    plain = fetch(str(page), settings)
    assert plain.ok and plain.status is None and plain.body == page.read_bytes()
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(page.read_bytes()))
    assert fetch(packed.as_uri(), settings).body == page.read_bytes()
    assert fetch(str(tmp_path / "missing.html"), settings).error.startswith("file not found")
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(page.read_bytes())[:200])
    assert fetch(str(broken), settings).error.startswith("truncated gzip file")


def test_save_raw_and_load_raw_round_trip(tmp_path):
    sha = save_raw(tmp_path, ARTICLE)
    assert save_raw(tmp_path, ARTICLE) == sha
    path = tmp_path / sha[:2] / f"{sha}.html.gz"
    assert path.is_file() and gzip.decompress(path.read_bytes()) == ARTICLE
    assert load_raw(tmp_path, sha) == ARTICLE
    path.write_bytes(gzip.compress(b"something else"))
    with pytest.raises(FetchError, match="does not match"):
        load_raw(tmp_path, sha)
    with pytest.raises(FetchError, match="not found"):
        load_raw(tmp_path, "0" * 64)


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://Www.EurekAlert.org/news-releases/771663?utm_source=tw&utm_medium=social#top",
     "https://www.eurekalert.org/news-releases/771663"),
    ("http://example.org:80/a?id=5&fbclid=xyz&gclid=1", "http://example.org/a?id=5"),
    ("https://example.org", "https://example.org/"),
    ("https://example.org:8443/p?b=2&a=1", "https://example.org:8443/p?b=2&a=1"),
])
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


# --- batches ---------------------------------------------------------------------------------


def test_fetch_many_keeps_order_and_records_every_failure(server, settings, db):
    server.routes["/pdf"] = Response(200, b"%PDF", {"Content-Type": "application/pdf"})
    server.routes["/err"] = Response(500, b"")
    settings.retries = 1
    urls = [server.url("/samples/baclofen-alcohol-trial.html"), "http://nowhere.invalid/", server.url("/pdf"),
            server.url("/missing"), f"http://127.0.0.1:{closed_port()}/", server.url("/err"),
            str(SAMPLES / "exercise-depression-rct.html")]
    callback_threads = set()

    def on_result(result) -> None:
        callback_threads.add(threading.get_ident())
        save_page(db, result)  # SQLite objects only work in the thread that made them

    results = fetch_many(urls, settings, on_result=on_result)
    assert [r.url for r in results] == urls
    assert callback_threads == {threading.get_ident()}
    assert [r.ok for r in results] == [True, False, False, False, False, False, True]
    rows = list(db.query("select url, ok, error from pages order by id"))
    assert len(rows) == len(urls)
    errors = {row["url"]: row["error"] for row in rows}
    assert errors[server.url("/pdf")] == "unsupported content type application/pdf"
    assert errors[server.url("/missing")] == "HTTP 404 Not Found"
    assert errors["http://nowhere.invalid/"] == "DNS lookup failed"
    assert errors[server.url("/err")] == "HTTP 500 Internal Server Error after 2 attempts"


def test_fetch_many_caps_concurrency_per_host(server, settings):
    state = {"now": 0, "max": 0}
    lock = threading.Lock()
    release = threading.Event()

    def tracked(handler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        release.wait(0.2)  # hold the request open so that overlapping ones would be seen
        with lock:
            state["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(ARTICLE)))
        handler.end_headers()
        handler.wfile.write(ARTICLE)

    for i in range(6):
        server.routes[f"/p{i}"] = Response(200, tracked)
    settings.per_host_concurrency, settings.concurrency = 2, 8
    results = fetch_many([server.url(f"/p{i}") for i in range(6)], settings)
    assert all(r.ok for r in results)
    assert state["max"] <= 2


def test_fetch_many_reads_robots_once_per_host(server, settings):
    urls = [server.url(f"/samples/{name}") for name in ("baclofen-alcohol-trial.html",
                                                         "exercise-depression-rct.html")]
    fetch_many(urls, settings)
    assert server.hits["/robots.txt"] == 1

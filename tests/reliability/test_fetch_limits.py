"""Issue 10, class 3 and the server misbehaviours that already held: the time budget per URL holds
whatever the server does; each failure is recorded with its reason and the batch goes on."""

from __future__ import annotations

import time

import pytest

from pipeline.ingest import ingest
from scrapers.fetch import fetch_page, make_session
from tests.conftest import Response, drip, endless, stall
from tests.reliability.helpers import GOOD_PAGE, assert_sound, failures, fast_settings, stored_urls


def fetched_within(url: str, settings, budget: float):
    started = time.monotonic()
    result = fetch_page(url, make_session(settings), settings)
    assert time.monotonic() - started < budget + 1.0, "the total time budget must hold"
    return result


def drip_headers(interval: float) -> callable:
    """The status line and headers one byte every ``interval`` seconds."""

    def reply(handler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Padding: " + b"a" * 400 + b"\r\n\r\n"
        try:
            for i in range(len(head)):
                handler.wfile.write(head[i:i + 1])
                handler.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return

    return reply


BODY_BUDGET = "timed out while reading the body (total time budget exceeded)"


@pytest.mark.parametrize("reply, timeout, total_timeout, budget, error", [
    # one byte every 0.05 s: every byte resets a read timeout, only the total budget ends it
    (lambda: drip(GOOD_PAGE * 4, 0.05), 1.0, 1.5, 1.5, BODY_BUDGET),
    (lambda: stall(30), 5.0, 1.0, 1.0, BODY_BUDGET),
    (lambda: stall(30), 0.5, 10.0, 1.0, "timed out while reading the body (no data for 0.5s)"),
    (lambda: drip_headers(0.05), 1.0, 1.5, 1.5,
     "timed out waiting for the response (total time budget exceeded)"),
], ids=["drip-feed body", "stalled body", "stall under the read timeout", "dripping headers"])
def test_slow_server_is_cut_off_within_the_budget_and_says_why(server, tmp_path, reply, timeout, total_timeout,
                                                              budget, error):
    server.routes["/slow.html"] = Response(200, reply())
    settings = fast_settings(tmp_path, timeout=timeout, total_timeout=total_timeout)
    result = fetched_within(server.url("/slow.html"), settings, budget)
    assert result.error == error
    assert result.body is None


def test_body_without_length_is_cut_at_the_byte_cap(server, tmp_path):
    server.routes["/endless.html"] = Response(200, endless())
    settings = fast_settings(tmp_path, max_bytes=256 * 1024)
    result = fetched_within(server.url("/endless.html"), settings, settings.total_timeout)
    assert result.error == "body larger than 0.25 MB (cut off while streaming)"


def test_redirect_loop_is_recorded(server, tmp_path):
    server.routes["/loop"] = Response(302, b"", {"Location": "/loop"})
    result = fetch_page(server.url("/loop"), make_session(fast_settings(tmp_path)), fast_settings(tmp_path))
    assert result.error == "too many redirects (more than 10)"


def test_slow_headers_time_out(server, tmp_path):
    server.routes["/late.html"] = Response(200, GOOD_PAGE, delay=3)
    settings = fast_settings(tmp_path, timeout=0.5, total_timeout=1.0)
    result = fetched_within(server.url("/late.html"), settings, 1.0)
    assert result.error.startswith("timed out after 0.5s")


@pytest.mark.parametrize(("route", "response", "reason"), [
    ("/gone.html", Response(404, b"<html>gone</html>"), "HTTP 404 Not Found"),
    ("/paper.pdf", Response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}), "unsupported content type application/pdf"),
    ("/empty.html", Response(200, b"  \n"), "empty body"),
    ("/broken.html", Response(500, b"<html>oops</html>"), "HTTP 500 Internal Server Error"),
])
def test_http_failures_are_recorded_and_the_batch_goes_on(server, tmp_path, nlp, route, response, reason):
    server.routes[route] = response
    server.routes["/good.html"] = Response(200, GOOD_PAGE)
    settings = fast_settings(tmp_path)
    ingest([server.url(route), server.url("/good.html")], settings, nlp=nlp)
    assert failures(settings.db_path) == {server.url(route): reason}
    assert stored_urls(settings.db_path) == {server.url("/good.html")}
    assert_sound(settings.db_path)


def test_drip_feed_in_a_batch_holds_the_budget_and_the_rest_is_stored(server, tmp_path, nlp):
    server.routes["/drip.html"] = Response(200, drip(GOOD_PAGE, 0.05))
    server.routes["/good.html"] = Response(200, GOOD_PAGE)
    settings = fast_settings(tmp_path, total_timeout=1.0)
    started = time.monotonic()
    ingest([server.url("/drip.html"), server.url("/good.html")], settings, nlp=nlp)
    assert time.monotonic() - started < 10
    assert failures(settings.db_path) == {
        server.url("/drip.html"): "timed out while reading the body (total time budget exceeded)"}
    assert stored_urls(settings.db_path) == {server.url("/good.html")}


def test_robots_txt_dripping_is_cut_off_and_the_page_still_fetched(server, tmp_path):
    server.routes["/robots.txt"] = Response(200, drip(b"User-agent: *\nAllow: /\n" * 50, 0.05, "text/plain"))
    server.routes["/page.html"] = Response(200, GOOD_PAGE)
    settings = fast_settings(tmp_path, timeout=1.0, total_timeout=4.0)
    settings.respect_robots = True
    started = time.monotonic()
    result = fetch_page(server.url("/page.html"), make_session(settings), settings)
    assert time.monotonic() - started < 5
    assert result.ok, result.error

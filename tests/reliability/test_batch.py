"""Issue 10, classes 1, 2, 5, 9 (sources), 8: one bad source is that source's recorded failure; the batch goes on."""

from __future__ import annotations

import pytest

import pipeline.ingest
import pipeline.workers
from pipeline.extract import extract
from pipeline.ingest import ingest
from tests.conftest import Response
from tests.reliability.helpers import GOOD_PAGE, assert_sound, failures, fast_settings, stored_urls

HTML = {"Content-Type": "text/html; charset=utf-8"}


def good_urls(server, n: int = 3) -> list[str]:
    for i in range(n):
        server.routes[f"/good{i}.html"] = Response(200, GOOD_PAGE.replace(b"120 adults", f"{120 + i} adults".encode()))
    return [server.url(f"/good{i}.html") for i in range(n)]


def padded(sentence: bytes, times: int) -> bytes:
    return GOOD_PAGE.replace(b"</article>", b"<p>" + sentence * times + b"</p></article>")


def run_batch(server, tmp_path, nlp, bad: list[str], **settings):
    """The bad sources between good ones; returns (settings, summary, good URLs)."""
    good = good_urls(server)
    s = fast_settings(tmp_path, **settings)
    summary = ingest([good[0], *bad, good[1], good[2]], s, nlp=nlp)
    assert stored_urls(s.db_path) >= set(good), "the batch must go on past the bad source"
    assert_sound(s.db_path)
    return s, summary, good


def test_text_over_the_tokenizer_limit_is_that_pages_failure(server, tmp_path, nlp, monkeypatch):
    # spaCy's E088 (text over nlp.max_length) used to escape and end the batch
    monkeypatch.setattr(nlp, "max_length", 300)
    server.routes["/huge.html"] = Response(200, padded(b"Words here. ", 40))
    s, summary, _ = run_batch(server, tmp_path, nlp, [server.url("/huge.html")], max_text_chars=10**9)
    monkeypatch.undo()
    reason = failures(s.db_path)[server.url("/huge.html")]
    assert reason.startswith("text too long for the tokenizer:") and "spaCy's limit is 300" in reason
    assert [r.source for r in summary.failed] == [server.url("/huge.html")]


def test_text_over_the_page_budget_is_that_pages_failure(server, tmp_path, nlp):
    server.routes["/long.html"] = Response(200, padded(b"More words. ", 200))
    s, _, _ = run_batch(server, tmp_path, nlp, [server.url("/long.html")], max_text_chars=1500)
    assert failures(s.db_path)[server.url("/long.html")].startswith("text too long: ")
    assert "(the limit is 1,500)" in failures(s.db_path)[server.url("/long.html")]


def test_extraction_over_its_time_budget_is_that_pages_failure(nlp):
    from models.errors import ExtractError

    with pytest.raises(ExtractError, match=r"^extraction time budget exceeded: over 1e-09s \(at "):
        extract(nlp, "In a randomized trial, 40 adults took 10 mg of a drug daily.", max_seconds=1e-9)


def test_permission_error_from_the_raw_store_is_that_pages_failure(server, tmp_path, nlp, monkeypatch):
    real = pipeline.workers.save_raw
    server.routes["/denied.html"] = Response(200, GOOD_PAGE.replace(b"Magnesium", b"Zinc"))

    def save_raw(raw_dir, body, sha256=None):
        if b"Zinc" in body:
            raise PermissionError(13, "Permission denied", str(raw_dir))
        return real(raw_dir, body, sha256)

    monkeypatch.setattr(pipeline.workers, "save_raw", save_raw)
    s, summary, _ = run_batch(server, tmp_path, nlp, [server.url("/denied.html")])
    reason = failures(s.db_path)[server.url("/denied.html")]
    assert reason == f"PermissionError: [Errno 13] Permission denied: '{s.raw_dir}'"
    assert server.url("/denied.html") not in stored_urls(s.db_path)
    assert summary.fetched == 3 and len(summary.failed) == 1


def test_any_exception_while_handling_a_page_is_that_pages_failure(server, tmp_path, nlp, monkeypatch):
    real = pipeline.workers.clean_html

    def clean_html(body, url, encoding=None):
        if url.endswith("/boom.html"):
            raise RuntimeError("unexpected markup")
        return real(body, url, encoding=encoding)

    monkeypatch.setattr(pipeline.workers, "clean_html", clean_html)
    server.routes["/boom.html"] = Response(200, GOOD_PAGE)
    s, _, _ = run_batch(server, tmp_path, nlp, [server.url("/boom.html")])
    assert failures(s.db_path)[server.url("/boom.html")] == "RuntimeError: unexpected markup"


@pytest.mark.parametrize(("source", "reason"), [
    ("http://[::1", "malformed URL: Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/page.html", "malformed URL: Port out of range 0-65535"),
    ("http:///no-host.html", "malformed URL: no host"),
])
def test_malformed_url_is_recorded_and_the_batch_goes_on(server, tmp_path, nlp, source, reason):
    s, summary, _ = run_batch(server, tmp_path, nlp, [source])
    assert failures(s.db_path) == {source: reason}
    assert summary.fetched == 3


@pytest.mark.parametrize("source", ["ftp://example.org/release.html", "javascript:alert(1)", "mailto:press@example.org"])
def test_unsupported_scheme_says_so(server, tmp_path, nlp, source):
    s, _, _ = run_batch(server, tmp_path, nlp, [source])
    scheme = source.split(":")[0]
    assert failures(s.db_path) == {source: f"unsupported URL scheme {scheme!r} (http, https, file or a local path)"}


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
UTF16_NO_BOM = GOOD_PAGE.decode().encode("utf-16-le")
BINARY = bytes(range(1, 32)) * 40


@pytest.mark.parametrize(("name", "body", "reason"), [
    ("png", PNG, "not a text page: PNG image"),
    ("utf16", UTF16_NO_BOM, "not a text page: NUL bytes (binary data, or UTF-16 without a byte-order mark)"),
    ("binary", BINARY, "not a text page: control bytes (binary data)"),
])
def test_binary_body_is_refused_not_stored_as_an_article(server, tmp_path, nlp, name, body, reason):
    server.routes[f"/{name}.html"] = Response(200, body, HTML)
    local = tmp_path / f"{name}-renamed.html"
    local.write_bytes(body)
    s, _, _ = run_batch(server, tmp_path, nlp, [server.url(f"/{name}.html"), str(local)])
    assert failures(s.db_path) == {server.url(f"/{name}.html"): reason, local.as_uri(): reason}


def test_utf16_with_a_bom_is_still_text(server, tmp_path, nlp):
    server.routes["/bom.html"] = Response(200, GOOD_PAGE.decode().encode("utf-16"), {"Content-Type": "text/html"})
    s, _, _ = run_batch(server, tmp_path, nlp, [server.url("/bom.html")])
    assert failures(s.db_path) == {} and server.url("/bom.html") in stored_urls(s.db_path)


def test_same_source_twice_counts_once_and_cached_trials_count(server, tmp_path, nlp):
    good = good_urls(server, 2)
    s = fast_settings(tmp_path)
    first = ingest(good, s, nlp=nlp)
    again = ingest([good[0], good[0], good[1]], s, nlp=nlp)
    assert len(again.results) == 2 and again.skipped == 2
    assert again.trials == first.trials >= 2

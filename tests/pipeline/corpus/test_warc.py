"""WARC input: records as FetchResults, damage after complete records, and `claims ingest` of archives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from models.errors import WarcError
from pipeline.cli import cli
from pipeline.ingest import ingest
from pipeline.settings import Settings
from scrapers.warc import WarcStats, iter_warc, write_warc
from tests.conftest import SAMPLES

TABLES = ["pages", "articles", "article_urls", "trials", "arms", "doses", "outcomes", "flags"]
WRITE_TIMES = {"ingested_at", "first_seen", "fetched_at", "elapsed_ms"}  # when a row was written, not what it says


def sample_pages(base: str = "https://news.example.org/samples/") -> list[tuple[str, bytes]]:
    return [(base + p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.html"))]


def warc_bytes(pages: list[tuple[str, bytes]], *, gzip: bool = True, extra: bytes = b"") -> bytes:
    stream = io.BytesIO()
    write_warc(stream, pages, gzip=gzip)
    return stream.getvalue() + extra


def odd_records(gzip: bool = True) -> bytes:
    """A PDF and a 404 response: records that are not pages."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=gzip)
    for url, status, ctype in (("https://x.org/paper.pdf", "200 OK", "application/pdf"),
                               ("https://x.org/gone.html", "404 Not Found", "text/html")):
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b"%PDF or gone"),
                                                      http_headers=http))
    return stream.getvalue()


def dump(db_path: Path, drop: set[str] = WRITE_TIMES) -> dict[str, list[dict]]:
    db = sqlite_utils.Database(db_path)
    return {t: [{k: v for k, v in row.items() if k not in drop} for row in db.query(f"select * from [{t}] order by rowid")]
            for t in TABLES}


def settings_for(tmp_path: Path, name: str) -> Settings:
    return Settings(db_path=tmp_path / f"{name}.db", raw_dir=tmp_path / f"{name}-raw", timeout=2.0, retries=0,
                    rate_per_host=100.0, per_host_concurrency=4)


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_warc_responses_become_fetch_results(gzip):
    pages = sample_pages()
    stats = WarcStats()
    got = list(iter_warc(io.BytesIO(warc_bytes(pages, gzip=gzip) + odd_records(gzip)), stats))
    assert [(f.url, f.body) for f in got] == pages
    first = got[0]
    assert first.status == 200 and first.content_type == "text/html" and first.encoding == "utf-8"
    assert first.fetched_at == "2026-01-01T00:00:00+00:00" and len(first.sha256) == 64 and first.ok
    assert stats.pages == len(pages)
    assert dict(stats.skipped) == {"request record": len(pages), "content type application/pdf": 1, "HTTP 404": 1}


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
@pytest.mark.parametrize("cut", [0.5, 0.99], ids=["middle", "last-record-headers"])
def test_truncated_warc_yields_whole_records_then_reports(gzip, cut):
    pages = sample_pages()
    data = warc_bytes(pages, gzip=gzip)
    stats = WarcStats()
    got = []
    with pytest.raises(WarcError) as raised:
        for fetched in iter_warc(io.BytesIO(data[:int(len(data) * cut)]), stats):
            got.append((fetched.url, fetched.body))
    assert got == pages[:len(got)]  # never half a record
    assert 0 < len(got) < len(pages) or cut > 0.9
    assert raised.value is stats.damage and "damaged WARC after" in raised.value.message


def test_flipped_byte_fails_its_record_digest():
    data = bytearray(warc_bytes(sample_pages(), gzip=False))
    middle = len(data) // 2
    data[middle:middle + 20] = b"x" * 20
    with pytest.raises(WarcError, match="digest|cut short"):
        list(iter_warc(io.BytesIO(bytes(data))))


def test_ingest_stores_warc_pages_exactly_as_fetched(server, tmp_path, nlp):
    """The same bytes under the same URLs: fetched over HTTP, or read from a WARC."""
    pages = [(server.url(f"/samples/{p.name}"), p.read_bytes()) for p in sorted(SAMPLES.glob("*.html"))]
    fetched = settings_for(tmp_path, "fetched")
    assert not ingest([url for url, _ in pages], fetched, nlp=nlp).failed
    warc = tmp_path / "samples.warc.gz"
    warc.write_bytes(warc_bytes(pages))
    archived = settings_for(tmp_path, "archived")
    summary = ingest([str(warc)], archived, nlp=nlp)
    assert not summary.failed and summary.skipped_records == {"request record": len(pages)}
    http_only = WRITE_TIMES | {"etag", "last_modified"}
    archived_rows, fetched_rows = dump(archived.db_path, http_only), dump(fetched.db_path, http_only)
    for rows in (archived_rows["pages"], fetched_rows["pages"]):
        for row in rows:
            row.pop("id")  # fetches finish in any order, so pages are numbered in another
    for table in TABLES:
        assert sorted(map(repr, archived_rows[table])) == sorted(map(repr, fetched_rows[table])), table
    raw = sorted(p.relative_to(fetched.raw_dir) for p in fetched.raw_dir.rglob("*.gz"))
    assert raw and sorted(p.relative_to(archived.raw_dir) for p in archived.raw_dir.rglob("*.gz")) == raw


def test_ingest_of_damaged_warc_keeps_records_before_and_reports(tmp_path, nlp):
    pages = sample_pages()
    good = warc_bytes(pages[:3])
    warc = tmp_path / "cut.warc.gz"
    whole = warc_bytes(pages)
    warc.write_bytes(good + whole[len(good):len(good) + (len(whole) - len(good)) // 2])
    settings = settings_for(tmp_path, "cut")
    summary = ingest([str(warc)], settings, nlp=nlp)
    db = sqlite_utils.Database(settings.db_path)
    stored = [r["url"] for r in db.query("select url from pages where ok = 1 order by id")]
    assert stored == [url for url, _ in pages[:len(stored)]] and len(stored) >= 3
    damage = list(db.query("select * from pages where ok = 0"))
    assert len(damage) == 1 and damage[0]["url"] == warc.resolve().as_uri()
    assert damage[0]["error"].startswith(f"damaged WARC after {2 * len(stored)} records")
    assert [r.source for r in summary.failed] == [warc.resolve().as_uri()]
    # the command line says so with its exit code
    result = CliRunner().invoke(cli, ["ingest", "--db", str(tmp_path / "cli.db"), str(warc)])
    assert result.exit_code == 1


def test_warc_captures_already_stored_are_cached(tmp_path, nlp):
    warc = tmp_path / "samples.warc.gz"
    warc.write_bytes(warc_bytes(sample_pages()))
    settings = settings_for(tmp_path, "twice")
    first = ingest([str(tmp_path)], settings, nlp=nlp)  # a directory holding a WARC
    before = dump(settings.db_path)
    again = ingest([str(warc)], settings, nlp=nlp)
    assert again.skipped == first.fetched == len(sample_pages())
    assert dump(settings.db_path) == before


def test_warc_record_cut_inside_its_headers_is_reported_as_damage():
    """A response record whose WARC-Target-URI line was lost (warcio then fails on a missing field) is damage:
    the pages before it are yielded, then WarcError says where."""
    cut = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
           b"Content-Type: application/http; msgtype=response\r\nContent-Length: 40\r\n\r\n"
           b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x\r\n\r\n")
    pages = sample_pages()[:2]
    stats = WarcStats()
    got = []
    with pytest.raises(WarcError, match=r"^damaged WARC after 4 records, at byte \d+: .*record headers cut off"):
        for fetched in iter_warc(io.BytesIO(warc_bytes(pages, gzip=False, extra=cut)), stats):
            got.append(fetched.url)
    assert got == [url for url, _ in pages]

"""WARC input: a web archive's HTML responses as the same FetchResult records the fetcher makes (warcio)."""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from models.errors import WarcError
from models.records import FetchResult
from scrapers.encoding import decode_html
from scrapers.fetch import normalize_url

# As in scrapers.fetch (which this module does not import: it pulls in the pipeline's settings).
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
WARC_SUFFIXES = (".warc", ".warc.gz")
# What a damaged archive raises while warcio parses or decompresses it.
DAMAGE = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error)
# warcio's parser on a record cut inside its headers: a missing field surfaces as one of these (seen: AttributeError
# on a None target URI). Only ``_ArchiveReader`` turns them into damage, so a bug in this module still shows.
CUT_HEADERS = (AttributeError, KeyError, IndexError, TypeError)


@dataclass
class WarcStats:
    """What one archive held: HTML responses kept, other records counted by reason, the damage if any."""

    pages: int = 0
    skipped: Counter = field(default_factory=Counter)
    damage: WarcError | None = None


def is_warc(source: str) -> bool:
    return source.lower().endswith(WARC_SUFFIXES)


def iter_warc(stream: BinaryIO, stats: WarcStats | None = None, *, source: str | None = None) -> Iterator[FetchResult]:
    """Every HTTP 200 HTML response record of a WARC (gzipped or not) as a FetchResult, in file order.

    Other records are counted in ``stats.skipped`` with their reason. A record is yielded only when it
    was read whole: damage (a truncated file, a corrupt gzip member, a record shorter than its
    Content-Length) raises ``WarcError`` after every complete record before it has been yielded."""
    stats = stats if stats is not None else WarcStats()
    counted = _CountingReader(stream)
    # Digests are checked where the archive carries them: a flipped byte fails its record.
    records = _ArchiveReader(counted, check_digests="raise")
    index = 0

    def damage(offset: int, message: str) -> WarcError:
        stats.damage = WarcError(f"damaged WARC after {index} records, at byte {offset}: {message}",
                                 url=source, records=index, offset=offset)
        return stats.damage

    while True:
        offset = records.offset
        try:
            record = next(records)
            fetched, reason = _read_record(record)
        except StopIteration:
            # warcio stops quietly at a cut gzip member or a record whose headers are cut off.
            if records.cut_member:
                raise damage(records.offset, "the last gzip member is cut off") from None
            if counted.total > records.offset + 4:  # more than the blank lines that close a record
                raise damage(records.offset, f"{counted.total - records.offset} bytes at the end are not a record") from None
            return
        except (WarcError, *DAMAGE) as exc:
            message = exc.message if isinstance(exc, WarcError) else f"{exc.__class__.__name__}: {exc}"
            raise damage(offset, message) from exc
        index += 1
        if fetched is None:
            stats.skipped[reason] += 1
            continue
        stats.pages += 1
        yield fetched


class _ArchiveReader(ArchiveIterator):
    """warcio's iterator, noting whether the last gzip member ended (warcio closes it without looking)."""

    cut_member = False

    def __next__(self) -> ArcWarcRecord:
        try:
            return super().__next__()
        except CUT_HEADERS as exc:
            raise ArchiveLoadFailed(f"record headers cut off ({exc.__class__.__name__}: {exc})") from exc

    def close(self) -> None:
        decompressor = self.reader.decompressor if self.reader else None
        if decompressor is not None and not getattr(decompressor, "eof", True):
            self.cut_member = True
        super().close()


class _CountingReader:
    """Counts the bytes read from an archive, to tell its clean end from a record cut off in its headers."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.total = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.total += len(data)
        return data

    def tell(self) -> int:
        return self.total


def _read_record(record: ArcWarcRecord) -> tuple[FetchResult | None, str]:
    """Read one record whole; returns the FetchResult, or None and the reason it is not a page."""
    kind = record.rec_type
    if kind is None:
        raise WarcError("not a WARC record")
    if kind != "response":
        _drain(record)
        return None, f"{kind} record"
    http = record.http_headers
    status = int(http.get_statuscode() or 0) if http is not None else 0
    if http is None or status != 200:
        _drain(record)
        return None, "not an HTTP response" if http is None else f"HTTP {status}"
    content_type, charset = _content_type(http.get_header("Content-Type") or "")
    if content_type not in HTML_TYPES:
        _drain(record)
        return None, f"content type {content_type or 'none'}"
    body = record.content_stream().read()
    _drain(record)
    if not body.strip():
        return None, "empty body"
    _, encoding = decode_html(body, charset)
    return FetchResult(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=status,
        content_type=content_type,
        encoding=encoding,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=_iso(record.rec_headers.get_header("WARC-Date")),
        etag=http.get_header("ETag"),
        last_modified=http.get_header("Last-Modified"),
    ), ""


def _drain(record: ArcWarcRecord) -> None:
    """Read the rest of the record; fewer bytes than its Content-Length is damage, not a short page."""
    raw = record.raw_stream
    while raw.read(64 * 1024):
        pass
    if getattr(raw, "limit", 0) > 0:
        raise WarcError(f"record cut short: {raw.limit} of its declared bytes missing")


def _content_type(header: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in header.split(";")]
    charset = next((p.split("=", 1)[1].strip("\"' ") for p in parts[1:] if p.lower().startswith("charset=")), None)
    return parts[0].lower(), charset or None


def _iso(warc_date: str | None) -> str | None:
    """WARC-Date (``2024-05-01T12:00:00Z``) in the form the fetcher stores (``...+00:00``, seconds)."""
    if not warc_date:
        return None
    try:
        when = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return warc_date
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def write_warc(stream: BinaryIO, pages: Iterator[tuple[str, bytes]] | list[tuple[str, bytes]], *, gzip: bool = True,
               date: str = "2026-01-01T00:00:00Z", content_type: str = "text/html; charset=utf-8") -> int:
    """Write ``(url, body)`` pairs as HTTP 200 response records (with their request records, as crawlers
    write them); for tests and benchmarks. Returns the number of responses written."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(stream, gzip=gzip)
    count = 0
    for url, body in pages:
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        response = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
        writer.write_record(response)
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        request_http = StatusAndHeaders(f"GET /{path} HTTP/1.1", [("Accept", "text/html")], is_http_request=True)
        request = writer.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=request_http,
                                            warc_headers_dict={"WARC-Date": date})
        writer.write_record(request)
        count += 1
    return count


def warc_uri(path: str) -> str:
    """The URL a WARC file is recorded under in ``pages`` (its damage, if any): file:// for local paths."""
    if path.startswith("file:"):  # Spark and Hadoop write file:/x, Python file:///x
        return Path(unquote(urlsplit(path).path)).as_uri()
    if "://" in path:
        return path
    return Path(path).resolve().as_uri()


def warc_fetches(stream: BinaryIO, stats: WarcStats, *, source: str) -> Iterator[FetchResult]:
    """The archive's pages as FetchResults, URLs spelled as ``claims ingest URL`` spells them."""
    for fetched in iter_warc(stream, stats, source=source):
        yield replace(fetched, url=normalize_url(fetched.url)) if fetched.url else fetched


def damage_page(stats: WarcStats, source: str) -> FetchResult:
    """The ``pages`` row that records a damaged archive: its URL, the reason, the records read before it."""
    assert stats.damage is not None
    return FetchResult(url=warc_uri(source), error=stats.damage.message)

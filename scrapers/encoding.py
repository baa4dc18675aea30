"""decode_html: page bytes to text (BOM, UTF-8, declared charset, detection) and mojibake repair."""

from __future__ import annotations

import codecs
import re

META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€[\u0080-\u00bf\u2018-\u203a™œ]|Â[\u00a0-\u00bf]")


def _codec(name: str | None) -> str | None:
    """Python codec for a declared charset; latin-1 and ascii mean windows-1252 on the web (WHATWG)."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes to text: BOM, then valid UTF-8, then the declared charset (header, meta tag), then detection.

    Valid UTF-8 wins over a declaration because real windows-1252 text almost never forms valid
    multi-byte UTF-8, while UTF-8 served as windows-1252 is a common server mistake."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(codec, errors="replace").lstrip("\ufeff"), codec
    try:
        return _repair_mojibake(body.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    meta = META_CHARSET.search(body[:4096])
    for name in (declared, meta.group(1).decode("ascii", "replace") if meta else None):
        codec = _codec(name)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            try:
                return _repair_mojibake(body.decode(codec)), codec
            except UnicodeDecodeError:
                continue
    latin = _western(body)
    if latin is not None:
        return latin, "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    codec = _codec(best.encoding) if best is not None else None
    codec = codec or "cp1252"
    return body.decode(codec, errors="replace"), codec


WESTERN_EXTRA = set("\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u20ac\u2122")


def _western(body: bytes) -> str | None:
    """windows-1252 text, if that is what the bytes look like: the most common undeclared or misdeclared
    charset on Western pages, and one that statistical detectors confuse with other code pages on short
    pages. Accented letters must be a minority, or it is another alphabet in a single-byte code page."""
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [c for c in text if ord(c) > 127]
    if not high:
        return text
    letters = sum(c.isalpha() for c in text)
    odd = sum(1 for c in high if not ("\u00a0" <= c <= "\u00ff" or c in WESTERN_EXTRA))
    accented = sum(1 for c in high if c.isalpha())
    if odd == 0 and accented < 0.3 * max(1, letters):
        return text
    return None


def _repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as windows-1252 upstream (double encoding), when that is what it is."""
    # Every MOJIBAKE match starts with one of these: three substring scans rule most pages out faster
    # than the pattern's search over the whole page.
    if "Ã" not in text and "â€" not in text and "Â" not in text:
        return text
    if not MOJIBAKE.search(text):
        return text
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        # Mixed text: repair run by run.
        def fix(m: re.Match) -> str:
            try:
                return m.group(0).encode("cp1252").decode("utf-8")
            except UnicodeError:
                return m.group(0)

        return re.sub(r"[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u2122]{1,3}", fix, text)
    return fixed


# Magic numbers of formats that arrive renamed `.html` or served as text/html by mistake.
BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"), (b"RIFF", "RIFF media"), (b"\x00\x00\x01\x00", "icon"),
    (b"\x7fELF", "executable"), (b"SQLite format 3\x00", "SQLite database"),
)
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


def binary_reason(body: bytes) -> str | None:
    """Why ``body`` is not a text page (a known binary format, NUL bytes, control bytes), or None.

    UTF-16 with a BOM is text; UTF-16 without one is refused: decoding it as a single-byte charset
    would store mojibake as an article."""
    head = body[:8192]
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            return f"not a text page: {name}"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if b"\x00" in head:
        return "not a text page: NUL bytes (binary data, or UTF-16 without a byte-order mark)"
    controls = sum(head.count(bytes([b])) for b in CONTROL_BYTES)
    if head and controls / len(head) > 0.05:
        return "not a text page: control bytes (binary data)"
    return None

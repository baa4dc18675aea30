"""The raw store: page bytes gzipped under their sha256, so everything after fetch re-runs offline."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import threading
import zlib
from pathlib import Path

from models.errors import FetchError


def save_raw(raw_dir: str | Path, body: bytes, sha256: str | None = None) -> str:
    """Keep the raw bytes gzipped under their sha256; returns the hex digest. Idempotent.

    ``sha256`` is the digest the fetcher already computed, so a body is hashed once."""
    sha = sha256 or hashlib.sha256(body).hexdigest()
    path = Path(raw_dir) / sha[:2] / f"{sha}.html.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        # mtime=0 keeps the gzip bytes a pure function of the body; level 6 compresses HTML within 1% of
        # level 9 in half the time.
        tmp.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
        tmp.replace(path)
    return sha


def load_raw(raw_dir: str | Path, sha256: str) -> bytes:
    """The raw bytes saved by ``save_raw``; checks the digest so a damaged file is never used."""
    if not sha256 or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise FetchError(f"not a sha256 digest: {sha256!r}")
    path = Path(raw_dir) / sha256[:2] / f"{sha256}.html.gz"
    try:
        body = gzip.decompress(path.read_bytes())
    except FileNotFoundError as exc:
        raise FetchError(f"raw page {sha256} not found in {raw_dir}") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise FetchError(f"raw page {sha256} is damaged: {exc}") from exc
    if hashlib.sha256(body).hexdigest() != sha256:
        raise FetchError(f"raw page {sha256} does not match its digest")
    return body

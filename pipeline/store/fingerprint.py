"""content_fingerprint: the same article text under two URLs (syndication) gets the same fingerprint."""

from __future__ import annotations

import hashlib
import re


def content_fingerprint(text: str) -> str:
    """A fingerprint of the words, not the markup: stable under whitespace, punctuation and case, and
    under small edits at the edges (a dateline, a credit line), so a syndicated release matches itself."""
    tokens = re.findall(r"\w+", text.casefold())
    if len(tokens) < 8:
        return "w:" + hashlib.sha1(" ".join(tokens).encode()).hexdigest()[:24]
    hashes = sorted({
        int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + 8]).encode(), digest_size=8).digest(), "big")
        for i in range(len(tokens) - 7)
    })
    # The few smallest shingle hashes act as a sample of the text (min-hash); edits touch few shingles.
    return "m:" + "".join(f"{h:016x}" for h in hashes[:3])

"""Syndication: the same article text under two URLs. ``content_fingerprint`` is a quick label of the
words; merging uses MinHash-LSH band keys (datasketch) for candidates and the shingle Jaccard of the two
texts to confirm."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash


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


# --- syndication: candidates by MinHash-LSH, confirmed on the two texts ------------------------------

SHINGLE_WORDS = 8
NUM_PERM = 128  # many permutations: the estimate of Jaccard from 128 has a standard error near 0.04
LSH_THRESHOLD = 0.5  # generous on purpose: a candidate only leads to the exact check below
SAME_TEXT_JACCARD = 0.9  # a syndicated copy shares at least 90% of its 8-word shingles with the first


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The text's word ``size``-grams, casefolded: whitespace, punctuation and case do not count."""
    tokens = re.findall(r"\w+", text.casefold())
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def minhash_of(shingle_set: set[str]) -> MinHash:
    from datasketch import MinHash  # imported on first use: it takes seconds, and reads never need it

    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    return minhash


@functools.cache
def lsh_bands() -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for our threshold and number of permutations."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def band_keys(minhash: MinHash) -> list[str]:
    """One key per LSH band: two texts that share a key are candidates for the same text."""
    bands, rows = lsh_bands()
    values = minhash.hashvalues
    return [f"{b}:{hashlib.blake2b(values[b * rows:(b + 1) * rows].tobytes(), digest_size=8).hexdigest()}"
            for b in range(bands)]


def same_text(a: str, b: str) -> bool:
    """Measurably the same article: Jaccard of the two texts' 8-word shingles at least 0.9."""
    return jaccard(shingles(a), shingles(b)) >= SAME_TEXT_JACCARD

"""Syndication: the same article text under two URLs. ``content_fingerprint`` is a quick label of the
words; merging uses MinHash-LSH band keys (datasketch) for candidates and the shingle Jaccard of the two
texts to confirm."""

from __future__ import annotations

import functools
import hashlib
import heapq
import re
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash


def words(text: str) -> list[str]:
    """The casefolded words of a text: what the fingerprint and the shingles are made of."""
    return re.findall(r"\w+", text.casefold())


def content_fingerprint(text: str) -> str:
    """A fingerprint of the words, not the markup: stable under whitespace, punctuation and case, and
    under small edits at the edges (a dateline, a credit line), so a syndicated release matches itself."""
    tokens = words(text)
    return _fingerprint(tokens, _encoded(shingles(text, tokens=tokens)))


def _encoded(shingle_set: set[str]) -> list[bytes]:
    """The shingles as UTF-8, encoded once for both hashes taken of them (fingerprint and MinHash)."""
    return [s.encode() for s in shingle_set]


_BIG_U64 = struct.Struct(">Q").unpack
_LITTLE_U32 = struct.Struct("<I").unpack_from


def _fingerprint(tokens: list[str], encoded: list[bytes]) -> str:
    if len(tokens) < SHINGLE_WORDS:
        return "w:" + hashlib.sha1(" ".join(tokens).encode()).hexdigest()[:24]
    # The few smallest shingle hashes act as a sample of the text (min-hash); edits touch few shingles.
    # Each hash is the 8-byte BLAKE2b digest read as a big-endian integer.
    hashes = heapq.nsmallest(3, {_BIG_U64(hashlib.blake2b(s, digest_size=8).digest())[0] for s in encoded})
    return "m:" + "".join(f"{h:016x}" for h in hashes)


def fingerprint_and_bands(text: str) -> tuple[str, list[str]]:
    """``content_fingerprint(text)`` and ``text_bands(text)`` from one pass over the words: what a
    worker hands the writer with each page."""
    tokens = words(text)
    encoded = _encoded(shingles(text, tokens=tokens))
    bands = band_keys(_minhash_of_encoded(encoded)) if text.strip() else []
    return _fingerprint(tokens, encoded), bands


# --- syndication: candidates by MinHash-LSH, confirmed on the two texts ------------------------------

SHINGLE_WORDS = 8
NUM_PERM = 128  # many permutations: the estimate of Jaccard from 128 has a standard error near 0.04
LSH_THRESHOLD = 0.5  # generous on purpose: a candidate only leads to the exact check below
SAME_TEXT_JACCARD = 0.9  # a syndicated copy shares at least 90% of its 8-word shingles with the first


def shingles(text: str, size: int = SHINGLE_WORDS, *, tokens: list[str] | None = None) -> set[str]:
    """The text's word ``size``-grams, casefolded: whitespace, punctuation and case do not count.
    ``tokens``: ``words(text)`` when the caller has them already."""
    tokens = words(text) if tokens is None else tokens
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def minhash_of(shingle_set: set[str]) -> MinHash:
    return _minhash_of_encoded(_encoded(shingle_set))


def _minhash_of_encoded(encoded: list[bytes]) -> MinHash:
    from datasketch import MinHash  # imported on first use: it takes seconds, and reads never need it

    # The values are those of MinHash(num_perm=NUM_PERM, seed=1).update_batch(encoded shingles), made
    # cheaper: the permutations are drawn once per process, not per text, and datasketch's default hash
    # (the first 4 bytes of SHA-1, little-endian: sha1_hash32) is taken here, handing MinHash the
    # integers. A minimum does not depend on the order of the shingles.
    minhash = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int, permutations=_permutations(), scheme="affine32")
    minhash.update_batch([_LITTLE_U32(hashlib.sha1(s).digest())[0] for s in encoded])
    return minhash


@functools.cache
def _permutations() -> tuple:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations


def text_bands(text: str) -> list[str]:
    """The LSH band keys of a text (none for a blank one): what ``save_article`` stores to find copies."""
    return band_keys(minhash_of(shingles(text))) if text.strip() else []


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

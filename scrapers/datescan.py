"""htmldate's extensive-search pattern scans, made cheap with the same results (match for match).

htmldate's last-resort search runs about ten patterns of the form ``\\D(X)\\D`` over the serialised page
(80 kB on average here). A pattern that starts with ``\\D`` is tried at nearly every character, so
each scan costs 3-6 ms; the same ``X`` followed by ``(?=\\D)`` starts with a digit, which the regex
engine skips to at C speed (0.5 ms). ``Scan.findall`` returns exactly what the original pattern's
``findall`` returns: the leading non-digit is checked by hand and the trailing one, which the
original consumes, is stepped over, so overlapping candidates are dropped as the original drops them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Scan:
    """``findall`` of ``original``: ``core`` is the part after the leading non-digit (ending in
    ``(?=\\D)``); ``whole`` returns the match with both non-digits (the original's group spans
    them); ``not_after``: the original's negative lookbehind before the leading non-digit."""

    original: re.Pattern[str]
    core: re.Pattern[str]
    whole: bool = False
    not_after: re.Pattern[str] | None = None

    def findall(self, text: str) -> list[str]:
        found: list[str] = []
        start = 1  # the leading non-digit sits before the core, so the core starts at 1 or later
        while (match := self.core.search(text, start)) is not None:
            lead = match.start() - 1
            if text[lead].isdecimal() or (self.not_after is not None and self._after(text, lead)):
                start = match.start() + 1
                continue
            found.append(text[lead : match.end() + 1] if self.whole else match.group(1))
            # The original consumed the non-digit after the match: the next match's leading one
            # comes after it.
            start = match.end() + 2
        return found

    def _after(self, text: str, lead: int) -> bool:
        width = 6  # the lookbehind's fixed width (w3.org)
        return lead >= width and self.not_after.fullmatch(text, lead - width, lead) is not None


# htmldate's pattern -> the same pattern from the digit after its leading non-digit on, ending in
# (?=\D), and rewritten to open with one digit class, which the engine can skip to: "[0-3]?[0-9]" is
# "[0-9]" then a second digit if the first was 0-3 (tried before the one-digit reading, as "?" does).
# A pattern not found here (another htmldate version) keeps its own findall.
CORES = {
    r"\D([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\D": r"([0-9][0-9]{3}[/.-][0-9]{2}[/.-][0-9]{2})(?=\D)",
    r"\D([0-3]?[0-9][/.-][0-1]?[0-9][/.-][0-9]{4})\D": (r"([0-9](?:(?<=[0-3])[0-9])?[/.-][0-1]?[0-9][/.-][0-9]{4})(?=\D)"),
    r"\D([0-3]?[0-9]/[0-1]?[0-9]/[0129][0-9]|[0-3][0-9]\.[01][0-9]\.[0129][0-9])\D": (
        r"([0-9](?:(?:(?<=[0-3])[0-9])?/[0-1]?[0-9]/[0129][0-9]"
        r"|(?<=[0-3])[0-9]\.[01][0-9]\.[0129][0-9]))(?=\D)"
    ),
    r"\D([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D": r"([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))(?=\D)",
    r"\D([0-1]?[0-9][/.-][12][0-9]{3})\D": r"([0-9](?:(?<=[01])[0-9])?[/.-][12][0-9]{3})(?=\D)",
}
# These two return more than the core: the whole match with both non-digits; the match after
# a non-digit that does not follow "w3.org".
WHOLE = {
    r"(\D19[0-9]{2}[01][0-9][0-3][0-9]\D|\D20[0-9]{2}[01][0-9][0-3][0-9]\D)": (
        r"(?:19[0-9]{2}[01][0-9][0-3][0-9]|20[0-9]{2}[01][0-9][0-3][0-9])(?=\D)"
    ),
}
NOT_AFTER_W3 = {r"(?<!w3.org)\D((?:199[0-9]|20[0-3][0-9]))\D": r"((?:199[0-9]|20[0-3][0-9]))(?=\D)"}


def _scans() -> dict[re.Pattern[str], Scan]:
    import htmldate.core as core

    scans = {}
    for original in (
        core.THREE_LOOSE_PATTERN,
        core.SELECT_YMD_PATTERN,
        core.SLASHES_PATTERN,
        core.YYYYMM_PATTERN,
        core.MMYYYY_PATTERN,
        core.DATESTRINGS_PATTERN,
        core.SIMPLE_PATTERN,
    ):
        source = original.pattern
        if source in CORES:
            scans[original] = Scan(original, re.compile(CORES[source]))
        elif source in WHOLE:
            scans[original] = Scan(original, re.compile(WHOLE[source]), whole=True)
        elif source in NOT_AFTER_W3:
            scans[original] = Scan(original, re.compile(NOT_AFTER_W3[source]), not_after=re.compile("w3.org"))
    return scans


_SCANS: dict[re.Pattern[str], Scan] | None = None


@contextmanager
def fast_year_scans() -> Iterator[None]:
    """htmldate's candidate filter (``plausible_year_filter``, which runs every pattern's ``findall``)
    given the equivalent ``Scan`` for the patterns above while the block runs."""
    global _SCANS
    import htmldate.core

    if _SCANS is None:
        _SCANS = _scans()
    original = htmldate.core.plausible_year_filter

    def year_filter(htmlstring: str, *, pattern: re.Pattern[str], **kwargs):
        return original(htmlstring, pattern=_SCANS.get(pattern, pattern), **kwargs)

    htmldate.core.plausible_year_filter = year_filter
    try:
        yield
    finally:
        htmldate.core.plausible_year_filter = original

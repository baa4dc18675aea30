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
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


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


# htmldate's month-name pattern (LONG_TEXT_PATTERN: "March 5, 2020" or "5th of March 2020", case-insensitive)
# is searched for over the whole serialised page as the extensive search's last resort (13 ms on
# average over the 176 pages it runs on here): its two alternatives are tried at every character. A
# match starts either at a run of letters that ends in whitespace and a digit ("<month> <day>"), or at
# the one or two digits of a day followed by an optional suffix and a space ("<day>th <month>"). These
# two cheap scans find every such place (a superset of where a match can start); the pattern itself
# is then tried only there, in order, which gives its ``search`` result (2-3 ms). The classes here are
# the pattern's own, under its flags.
# The pattern the scans are made for; another htmldate's pattern keeps its own search.
MONTH_DATE_SOURCE = (
    r"(?P<month>(?<![^\W\d_])[^\W\d_]{3,})\s(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?,? (?P<year>(?:199[0-9]|20[0-3][0-9]))"
    r"|(?P<day2>[0-3]?[0-9])(?:st|nd|rd|th|\.)? (?:of )?(?P<month2>(?<![^\W\d_])[^\W\d_]{3,})[,.]? "
    r"(?P<year2>(?:199[0-9]|20[0-3][0-9]))"
)
_LETTER = re.compile(r"[^\W\d_]", re.I)
_SPACE_DIGIT = re.compile(r"\s(?=[0-9])", re.I)
_DAY_END = re.compile(r"[0-9](?=(?:st|nd|rd|th|\.)? )", re.I)


@dataclass
class MonthDateSearch:
    """``search`` of ``original`` (htmldate's ``LONG_TEXT_PATTERN``): the same match for any text and start.
    The places a match can start are found once per text (htmldate searches one text again and again,
    from after each rejected match)."""

    original: re.Pattern[str]
    _text: str | None = None
    _starts: list[int] = field(default_factory=list)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if text is not self._text:
            self._text, self._starts = text, _month_date_starts(text)
        for start in self._starts[bisect_left(self._starts, pos):]:
            if (match := self.original.match(text, start)) is not None:
                return match
        return None


def _month_date_starts(text: str) -> list[int]:
    starts = set()
    for space in _SPACE_DIGIT.finditer(text):
        # The month word is the whole run of letters before the whitespace (the pattern's lookbehind
        # allows no letter before it), at least three long.
        end = start = space.start()
        while start > 0 and _LETTER.match(text, start - 1):
            start -= 1
        if end - start >= 3:
            starts.add(start)
    for day in _DAY_END.finditer(text):
        starts.update((day.start() - 1, day.start()) if day.start() else (0,))
    return sorted(starts)


@contextmanager
def fast_year_scans() -> Iterator[None]:
    """htmldate's candidate filter (``plausible_year_filter``, which runs every pattern's ``findall``)
    given the equivalent ``Scan`` for the patterns above, and its month-name pattern the equivalent
    ``MonthDateSearch``, while the block runs."""
    global _SCANS
    import htmldate.core
    import htmldate.extractors

    if _SCANS is None:
        _SCANS = _scans()
    original = htmldate.core.plausible_year_filter
    month_dates = htmldate.extractors.LONG_TEXT_PATTERN

    def year_filter(htmlstring: str, *, pattern: re.Pattern[str], **kwargs):
        return original(htmlstring, pattern=_SCANS.get(pattern, pattern), **kwargs)

    htmldate.core.plausible_year_filter = year_filter
    if isinstance(month_dates, re.Pattern) and month_dates.pattern == MONTH_DATE_SOURCE and month_dates.flags & re.I:
        htmldate.extractors.LONG_TEXT_PATTERN = MonthDateSearch(month_dates)
    try:
        yield
    finally:
        htmldate.core.plausible_year_filter = original
        htmldate.extractors.LONG_TEXT_PATTERN = month_dates

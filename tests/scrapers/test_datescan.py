import random

import lxml.html
import pytest
from htmldate import find_date

from scrapers.datescan import MonthDateSearch, _scans, fast_year_scans

EDGES = [
    "",
    "2019",
    " 2019-01-01 2020-02-02 ",  # the second match's leading non-digit was consumed by the first
    "x2019-01-01y2020-02-02z",
    "a2019-01-011",
    "12/12/2019-12-12/2020 ",
    "w3.org/2019/ ",
    "xw3.org 2019 ",
    "w3.or\n 2019 ",  # "." in w3.org does not match a newline
    " 3/4/19 03.04.19 31.12.99 ",
    " 20190101 19991231x ",
    " 1/2019 12-2020 ",
    " ٣/٤/2019 ２０１９ 2019² ",  # non-ASCII digits count as digits, superscripts do not
]


def _strings() -> list[str]:
    rng = random.Random(11)
    alphabet = "0123456789/.-/ \n.-19202001w3.orgaé٣１²"
    return EDGES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(20_000)]


@pytest.mark.parametrize("original", list(_scans()), ids=lambda p: p.pattern[:40])
def test_datescan_findall_same_as_pattern(original):
    scan = _scans()[original]
    for text in _strings():
        assert scan.findall(text) == original.findall(text), text


def test_datescan_covers_htmldate_patterns():
    # a new htmldate with other patterns keeps its own findall; this one has all seven
    assert len(_scans()) == 7


def test_datescan_extensive_search_same_date():
    page = lxml.html.document_fromstring(
        "<html><body><p>Posted in the archive 12/03/2019, updated 2021-05-06T10:00</p>"
        "<footer>Copyright 2018-2022 w3.org/2017/ ref 20200101.</footer></body></html>"
    )
    expected = find_date(page, extensive_search=True, original_date=True)
    with fast_year_scans():
        assert find_date(page, extensive_search=True, original_date=True) == expected


MONTH_EDGES = [
    "",
    "March 5, 2020",
    "SmithMarch 5th, 2020",  # a month glued to a word: the match starts at the word
    "Ma 5, 2020 mar 05 1999",  # a two-letter word is no month; the next one is
    "5th of March 2020 15. Dezember 2021",
    "on 31st OF march 2021",  # the pattern ignores case
    "x5 March 2020 125 March 2020",  # a day of one digit after a letter, of two after a digit
    "march\u00a05 2020 İocak 3, 2019 ŞUBAT 7, 2020",  # any whitespace; Turkish letters
    "2019² May 3, 2019 \u0345May 3, 2019",
]


def _month_strings() -> list[str]:
    rng = random.Random(12)
    words = list("aAbdeilmnorstuyJFMASOND .,\n\t0123456789ßİıéÄ_-/\u00a0\u0345²") + [
        "March", "mar", "Ocak", "5th", " of ", "2020", "1999", "31", "Dezember", "ŞUBAT", "ST"]
    return MONTH_EDGES + ["".join(rng.choice(words) for _ in range(rng.randint(0, 80))) for _ in range(20_000)]


def test_month_date_search_finds_what_the_pattern_finds_from_every_start():
    from htmldate.extractors import LONG_TEXT_PATTERN

    for text in _month_strings():
        fast = MonthDateSearch(LONG_TEXT_PATTERN)
        for pos in range(len(text) + 1):
            expected, got = LONG_TEXT_PATTERN.search(text, pos), fast.search(text, pos)
            assert (got and (got.span(), got.groups())) == (expected and (expected.span(), expected.groups())), (
                text, pos)


def test_month_date_search_is_made_for_this_htmldate_pattern():
    from htmldate.extractors import LONG_TEXT_PATTERN

    from scrapers.datescan import MONTH_DATE_SOURCE

    # another htmldate's pattern is left alone (its own search); this one is replaced
    assert LONG_TEXT_PATTERN.pattern == MONTH_DATE_SOURCE


def test_month_date_search_is_in_place_only_within_the_block():
    import htmldate.extractors

    original = htmldate.extractors.LONG_TEXT_PATTERN
    with fast_year_scans():
        assert isinstance(htmldate.extractors.LONG_TEXT_PATTERN, MonthDateSearch)
        assert htmldate.extractors.regex_parse("Posted on 5th of March 2020 by") is not None
    assert htmldate.extractors.LONG_TEXT_PATTERN is original

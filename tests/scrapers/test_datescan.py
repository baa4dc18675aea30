import random

import lxml.html
import pytest
from htmldate import find_date

from scrapers.datescan import _scans, fast_year_scans

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

"""Metadata from meta tags, JSON-LD and the text."""

from __future__ import annotations

import pytest

from scrapers.meta import detect_lang, extract_meta
from tests.conftest import SAMPLES

JOURNAL_PAGE = """<html lang="en-GB"><head>
<meta name="citation_title" content="Melatonin for delirium prevention">
<meta name="citation_journal_title" content="Age and Ageing">
<meta name="citation_doi" content="doi:10.1093/ageing/afad999">
<meta name="citation_publication_date" content="2023/09/12">
<meta name="citation_author" content="Costa, Ana">
<meta property="og:site_name" content="Oxford Academic">
<link rel="canonical" href="/article/52/9/afad999">
</head><body><h1>Melatonin for delirium prevention</h1><p>Text.</p></body></html>"""


def test_meta_journal_page_tags():
    meta = extract_meta(JOURNAL_PAGE, "https://academic.example.com/ageing/article/52/9/afad999?x=1")
    assert meta["title"] == "Melatonin for delirium prevention"
    assert meta["journal"] == "Age and Ageing"
    assert meta["doi"] == "10.1093/ageing/afad999"
    assert meta["date"] == "2023-09-12"
    assert meta["author"] == "Costa, Ana"
    assert meta["publisher"] == "Oxford Academic"
    assert meta["lang"] == "en"
    assert meta["canonical_url"] == "https://academic.example.com/article/52/9/afad999"


def test_meta_json_ld_graph_and_broken_json_ld():
    html = """<html><head>
    <script type="application/ld+json">{ this is not json </script>
    <script type="application/ld+json">{"@graph": [{"@type": "WebPage", "name": "Page"},
      {"@type": ["NewsArticle"], "headline": "Aspirin trial stopped early", "datePublished": "2021-03-04",
       "author": [{"@type": "Person", "name": "A. Reporter"}, {"@type": "Person", "name": "B. Editor"}],
       "publisher": {"@type": "Organization", "name": "Health Wire"}}]}</script>
    </head><body><p>Body</p></body></html>"""
    meta = extract_meta(html, None)
    assert meta["title"] == "Aspirin trial stopped early"
    assert meta["date"] == "2021-03-04"
    assert meta["author"] == "A. Reporter, B. Editor"
    assert meta["publisher"] == "Health Wire"


def test_meta_from_links_and_text():
    html = """<html><body><article>
    <p>The phase 3 trial (ClinicalTrials.gov: NCT01234567, and its extension NCT 07654321) was published in
    The New England Journal of Medicine on Monday.</p>
    <p><a href="https://doi.org/10.1056/NEJMoa2000001">Read the paper</a></p>
    <p>Also see NCT01234567 again.</p></article></body></html>"""
    meta = extract_meta(html, "https://news.example.org/story")
    assert meta["nct_ids"] == ["NCT01234567", "NCT07654321"]
    assert meta["paper_url"] == "https://doi.org/10.1056/NEJMoa2000001"
    assert meta["doi"] == "10.1056/NEJMoa2000001"
    assert meta["journal"] == "The New England Journal of Medicine"


def test_meta_seed_shaped_sample():
    meta = extract_meta((SAMPLES / "baclofen-alcohol-trial.html").read_text(encoding="utf-8"),
                        "https://bioengineer.org/high-dose/")
    assert meta["title"] == "High-dose baclofen no better than placebo for alcohol dependence, Dutch trial finds"
    assert meta["date"] == "2016-11-30"
    assert meta["publisher"] == "Bioengineer.org"
    assert meta["canonical_url"] == ("https://bioengineer.org/"
                                     "high-dose-baclofen-no-better-than-placebo-for-alcohol-dependence/")
    assert meta["doi"] == "10.1016/j.euroneuro.2016.10.006"


def test_meta_title_tag_without_site_suffix_and_no_date():
    meta = extract_meta("<html><head><title>Coffee and the heart: what a new study says | Daily Health"
                        "</title></head><body><p>x</p></body></html>", None)
    assert meta["title"] == "Coffee and the heart: what a new study says"
    assert meta["date"] is None and meta["nct_ids"] == []


def test_meta_empty_document():
    meta = extract_meta("", "https://example.org/")
    assert meta["title"] is None and meta["url"] == "https://example.org/"


@pytest.mark.parametrize("text, lang", [
    ("The researchers found that the patients who were given the drug had fewer attacks than those on "
     "placebo, and the effect lasted for the whole of the study period in all of the groups.", "en"),
    ("Die Forscher zeigen in der Studie, dass die Patienten mit dem neuen Mittel nicht besser abschnitten "
     "als mit dem Placebo und auch die Nebenwirkungen waren ähnlich in den Gruppen.", "de"),
    ("Les chercheurs ont montré dans cette étude que les patients qui prennent le médicament ne vont pas "
     "mieux que ceux sous placebo et les effets sont comparables dans les groupes.", "fr"),
    ("Исследователи показали, что пациенты, получавшие новый препарат, чувствовали себя лучше, чем те, "
     "кто получал плацебо, и побочные эффекты были похожими.", "ru"),
    ("short", None),
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_meta_date_from_text_when_markup_has_none():
    """No date in the markup: htmldate's extensive search finds the one in the text; its dateparser
    fallback is limited to the page's language and English only for the call."""
    import htmldate.extractors

    before = htmldate.extractors.get_external_parser
    html = ("<html lang='en'><head><title>Trial</title></head><body><div class='release_date'>News Release "
            "<time datetime='TODO'>6-Aug-2020</time></div><p>" + "A paragraph of article text. " * 20 + "</p></body></html>")
    assert extract_meta(html, None)["date"] == "2020-08-06"
    assert htmldate.extractors.get_external_parser is before


def test_meta_date_search_is_bounded_on_huge_pages(monkeypatch):
    """Past MAX_SEARCH_ELEMENTS the extensive search (linear in page size) is not run."""
    import scrapers.meta

    html = ("<html><body><div class='release_date'>News Release <time datetime='TODO'>6-Aug-2020</time></div>"
            + "<span>x</span>" * 50 + "</body></html>")
    monkeypatch.setattr(scrapers.meta, "MAX_SEARCH_ELEMENTS", 20)
    assert extract_meta(html, None)["date"] is None

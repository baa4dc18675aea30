"""Page metadata from meta tags, JSON-LD and the text: title, date, publisher, author, DOI, journal, NCT ids."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any
from urllib.parse import unquote, urljoin

import lxml.html
from lxml import etree

from scrapers.datescan import fast_year_scans

DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>&]+)", re.I)
NCT_RE = re.compile(r"\bNCT\s?0?(\d{7,8})\b")
ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
ARTICLE_TYPES = {
    "newsarticle", "article", "blogposting", "scholarlyarticle", "medicalscholarlyarticle", "report",
    "reportagenewsarticle", "analysisnewsarticle", "pressrelease", "webpage", "medicalwebpage", "techarticle",
}
# Hosts whose links point at a paper rather than at more news.
PAPER_HOSTS = re.compile(
    r"https?://(?:dx\.)?doi\.org/|https?://(?:www\.)?(?:nature\.com/articles|sciencedirect\.com/science/article|"
    r"thelancet\.com/journals|nejm\.org/doi|jamanetwork\.com/journals|bmj\.com/content|"
    r"pubmed\.ncbi\.nlm\.nih\.gov/\d|ncbi\.nlm\.nih\.gov/pmc/|onlinelibrary\.wiley\.com/doi|academic\.oup\.com/|"
    r"journals\.plos\.org/|cell\.com/.+/fulltext|science\.org/doi|pnas\.org/(?:doi|content)|"
    r"frontiersin\.org/articles|link\.springer\.com/article|mdpi\.com/\d|biorxiv\.org/content|"
    r"medrxiv\.org/content|arxiv\.org/abs|journals\.sagepub\.com/doi|tandfonline\.com/doi|"
    r"ahajournals\.org/doi|acpjournals\.org/doi|karger\.com/|jci\.org/articles|elifesciences\.org/articles)",
    re.I,
)
JOURNAL_IN_TEXT = re.compile(
    r"\b(?:in|by|of) the (?:journal|peer-reviewed journal)[ \t]+((?:The[ \t]+)?[A-Z][\w&'’-]*"
    r"(?:[ \t]+(?:of|and|for|in|on|&|[A-Z][\w&'’-]*))*)"
    r"|\b(?:published|appears?|appeared|reported|described|detailed)[ \t]+(?:\w+[ \t]+){0,3}in[ \t]+((?:The[ \t]+)?"
    r"(?:Nature|Science|Cell|Lancet|JAMA|BMJ|PLOS|PNAS|eLife|NEJM|New England Journal of Medicine|Annals|"
    r"Journal|Proceedings|American|British|European|International|Clinical|Frontiers|Neuro)"
    r"[\w&'’-]*(?:[ \t]+(?:of|and|for|in|on|&|[A-Z][\w&'’-]*))*)",
)


def extract_meta(html: str, url: str | None) -> dict[str, Any]:
    """Metadata of one page given as HTML text (text-based fields read the whole body)."""
    tree = parse_html(html)
    if tree is None:
        return _empty(url)
    body = tree.find("body")
    return extract_meta_tree(tree, url, " ".join((body if body is not None else tree).text_content().split()))


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Lenient parse; None for a document with no elements at all."""
    # lxml refuses str input that still carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _html_parser() -> lxml.html.HTMLParser:
    """Comments and processing instructions removed at parse time: they split text nodes and hide
    content from extractors (the same parser settings trafilatura uses for its own parsing).

    Every element is an ``HtmlElement``, looked up in C: lxml.html's default lookup calls a Python
    method each time an element is touched from Python (thousands of times a page in trafilatura,
    htmldate and here; copies of the tree keep the parser's lookup) only to give form controls their
    own classes (``FormElement``, ``InputElement``...), whose form methods nothing here uses."""
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    return parser


_PARSER = _html_parser()


def _empty(url: str | None) -> dict[str, Any]:
    return {key: None for key in ("title", "date", "publisher", "author", "canonical_url", "lang", "doi",
                                  "journal", "paper_url", "description")} | {"nct_ids": [], "url": url}


def extract_meta_tree(tree: lxml.html.HtmlElement, url: str | None, text: str = "") -> dict[str, Any]:
    """Metadata from a parsed page; ``text`` (article body + trailer) adds DOI, journal and NCT ids."""
    metas = _meta_tags(tree)
    ld = _json_ld(tree)
    out = _empty(url)
    out["title"] = _first(metas.get("og:title"), metas.get("twitter:title"), metas.get("citation_title"),
                          _ld_text(ld, "headline", "name"), _h1(tree), _title_tag(tree))
    out["description"] = _first(metas.get("description"), metas.get("og:description"),
                                metas.get("twitter:description"), _ld_text(ld, "description"))
    out["publisher"] = _first(metas.get("og:site_name"), _ld_name(ld, "publisher"), metas.get("citation_publisher"),
                              metas.get("dc.publisher"), metas.get("application-name"))
    out["author"] = _first(metas.get("citation_author"), metas.get("author"), metas.get("article:author"),
                           metas.get("dc.creator"), metas.get("parsely-author"), _ld_name(ld, "author"))
    if out["author"] and out["author"].startswith(("http://", "https://")):
        out["author"] = None  # article:author is often a profile URL, not a name
    canonical = _first(*(tree.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href")[:1]),
                       metas.get("og:url"))
    out["canonical_url"] = urljoin(url or "", canonical) if canonical else None
    out["lang"] = _lang(tree, metas)
    out["date"] = _date(tree, metas, ld, out["lang"])
    out["journal"] = _first(metas.get("citation_journal_title"), metas.get("prism.publicationname"),
                            _ld_name(ld, "isPartOf"))
    out["doi"] = _first(_doi(metas.get("citation_doi")), _doi(metas.get("dc.identifier")),
                        _doi(metas.get("prism.doi")))
    paper_url = _paper_link(tree, url)
    if text:
        out["doi"] = out["doi"] or _doi_in_text(text)
        out["journal"] = out["journal"] or _journal_in_text(text)
    if not out["doi"] and paper_url:
        out["doi"] = _doi(paper_url)
    if not paper_url and out["doi"]:
        paper_url = f"https://doi.org/{out['doi']}"
    out["paper_url"] = paper_url
    haystack = " ".join([text, metas.get("description") or ""]) if text else tree.text_content()
    out["nct_ids"] = list(dict.fromkeys(f"NCT{int(m.group(1)):08d}" for m in NCT_RE.finditer(haystack)))
    return out


# --- sources ------------------------------------------------------------------------------


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """name/property/itemprop -> content, lowercased keys, first occurrence wins."""
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        value = meta.get("content")
        if key and value and value.strip():
            out.setdefault(key.strip().lower(), " ".join(value.split()))
    return out


def _json_ld(tree: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    """Article-like JSON-LD objects, @graph flattened. Broken JSON-LD is common and skipped."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("@graph"), list):
                stack.extend(item["@graph"])
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                found.append(item)
    # Prefer the specific article types over a generic WebPage.
    found.sort(key=lambda d: str(d.get("@type")).lower() in ("webpage", "['webpage']"))
    return found


def _ld_text(ld: list[dict[str, Any]], *keys: str) -> str | None:
    for item in ld:
        for key in keys:
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    return None


def _ld_name(ld: list[dict[str, Any]], key: str) -> str | None:
    for item in ld:
        value = item.get(key)
        values = value if isinstance(value, list) else [value]
        names = []
        for v in values:
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                names.append(v["name"].strip())
            elif isinstance(v, str) and v.strip() and not v.startswith("http"):
                names.append(v.strip())
        if names:
            return ", ".join(n for n in names if n)
    return None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and str(value).strip():
            return " ".join(str(value).split())
    return None


def _h1(tree: lxml.html.HtmlElement) -> str | None:
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    return None


def title_candidates(tree: lxml.html.HtmlElement) -> list[str]:
    """Every form the page gives its headline in: title meta tags, the <title> (whole and without the
    site part), JSON-LD headline and each <h1>. Pages disagree on which one is the article's own."""
    metas = _meta_tags(tree)
    values = [metas.get(key) for key in ("og:title", "twitter:title", "citation_title", "dc.title")]
    values.append(_ld_text(_json_ld(tree), "headline"))
    titles = tree.xpath("//title")
    if titles:
        values += [titles[0].text_content(), _title_tag(tree)]
    values += [h1.text_content() for h1 in tree.iter("h1")]
    return list(dict.fromkeys(" ".join(v.split()) for v in values if v and v.strip()))


def _title_tag(tree: lxml.html.HtmlElement) -> str | None:
    titles = tree.xpath("//title")
    if not titles:
        return None
    text = " ".join(titles[0].text_content().split())
    # "Headline - Site name" / "Headline | Site": the site part is not the title.
    parts = re.split(r"\s+[|\u2013\u2014-]\s+", text)
    return max(parts, key=len) if len(parts) > 1 else text or None


def _lang(tree: lxml.html.HtmlElement, metas: dict[str, str]) -> str | None:
    value = _first(tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                   metas.get("content-language"), metas.get("og:locale"), metas.get("dc.language"),
                   metas.get("citation_language"))
    if not value:
        return None
    code = re.split(r"[-_,; ]", value.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


MAX_SEARCH_ELEMENTS = 10_000  # the extensive date search is linear in page size: bound it

DATE_KEYS = (
    "article:published_time", "citation_publication_date", "citation_date", "citation_online_date",
    "dc.date.issued", "dc.date", "dcterms.date", "dcterms.created", "date", "pubdate", "publishdate",
    "publish-date", "parsely-pub-date", "sailthru.date", "og:published_time", "datepublished",
    "article.published", "published_time", "release_date", "og:article:published_time",
)


def _date(tree: lxml.html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]],
          lang: str | None = None) -> str | None:
    """Publication date as yyyy-mm-dd: meta tags and JSON-LD first (cheap, exact), then htmldate."""
    candidates = [metas.get(k) for k in DATE_KEYS] + [_ld_text(ld, "datePublished", "dateCreated")]
    candidates += tree.xpath("(//article//time/@datetime | //time[@pubdate]/@datetime)[1]")
    for value in candidates:
        iso = _iso_date(value)
        if iso:
            return iso
    return searched_date(tree, lang)


def searched_date(tree: lxml.html.HtmlElement, lang: str | None = None) -> str | None:
    """htmldate at a bounded cost: its fast mode (markup, then a few precise text patterns) first; the
    extensive search (every element, free text, copyright lines) only where that finds nothing. Its
    last resort, dateparser, tries every one of its ~200 languages' locales on a string it cannot place
    (seconds on first use in a process); here it tries only the page's language and English. The
    extensive search, run without inline graphics, costs about 50 ms per 1,000 elements; pages larger
    than ``MAX_SEARCH_ELEMENTS`` (none of the 731 benchmark and corpus pages has more than 4,200) go
    without it."""
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
        if found or tree.xpath("count(//*)") > MAX_SEARCH_ELEMENTS:
            return found
        with _dateparser_for(lang), fast_year_scans():
            return find_date(_without_graphics(tree), extensive_search=True, original_date=True,
                             outputformat="%Y-%m-%d")
    except (ValueError, TypeError):
        return None


def _without_graphics(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page without inline SVG and <template> (a copy, when it has any): the extensive search serialises the
    page and runs its patterns over it, and SVG path data is long runs of digits (a third of the search's time on
    the 176 pages it runs on here, none of which changes its date)."""
    if not tree.xpath("//svg|//template"):
        return tree  # nothing to drop: htmldate copies the tree itself
    copy = deepcopy(tree)
    for el in copy.xpath("//svg|//template"):
        el.drop_tree()
    return copy


@contextmanager
def _dateparser_for(lang: str | None) -> Iterator[None]:
    """htmldate's external parser limited to ``lang`` and English while the block runs (htmldate
    looks the parser up through ``get_external_parser`` on each use)."""
    import htmldate.extractors

    original = htmldate.extractors.get_external_parser
    htmldate.extractors.get_external_parser = functools.partial(_bounded_dateparser, _dateparser_languages(lang))
    try:
        yield
    finally:
        htmldate.extractors.get_external_parser = original


def _dateparser_languages(lang: str | None) -> tuple[str, ...]:
    from dateparser.data.languages_info import language_order

    return ("en", lang) if lang and lang != "en" and lang in language_order else ("en",)


@functools.cache
def _bounded_dateparser(languages: tuple[str, ...]):
    """The parser htmldate builds for itself (same settings), restricted to ``languages``."""
    from dateparser import DateDataParser

    return DateDataParser(languages=list(languages), settings={
        "NORMALIZE": True, "PARSERS": ["custom-formats", "absolute-time"], "PREFER_DATES_FROM": "past",
        "PREFER_LOCALE_DATE_ORDER": True, "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": True,
    })


def warm_date_parser() -> None:
    """Build the English date parser and parse one date with it: its first use loads the locale data and
    compiles its patterns (about half a second)."""
    _bounded_dateparser(_dateparser_languages("en")).get_date_data("1 January 2024")


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    match = ISO_DATE_RE.search(value)
    if match and 1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31:
        return match.group(0)
    compact = re.fullmatch(r"\s*(\d{4})/(\d{1,2})/(\d{1,2}).*", value)
    if compact:
        return f"{compact.group(1)}-{int(compact.group(2)):02d}-{int(compact.group(3)):02d}"
    return None


def _doi(value: str | None) -> str | None:
    if not value:
        return None
    match = DOI_RE.search(unquote(value))
    if not match:
        return None
    return match.group(1).rstrip(".,;:)]}").rstrip("/")


def _doi_in_text(text: str) -> str | None:
    return _doi(text)


def _journal_in_text(text: str) -> str | None:
    match = JOURNAL_IN_TEXT.search(text)
    if not match:
        return None
    name = (match.group(1) or match.group(2)).strip()
    # Trailing function words belong to the sentence, not the name ("... of Medicine on").
    name = re.sub(r"\s+(?:on|in)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|"
                  r"March|April|May|June|July|August|September|October|November|December)\b.*$", "", name)
    name = re.sub(r"(?:\s+(?:of|and|for|in|on|&))+$", "", name).rstrip(".,;:")
    return name or None


def _paper_link(tree: lxml.html.HtmlElement, url: str | None) -> str | None:
    """The first link that points at a paper (a DOI or a journal article page)."""
    for href in tree.xpath("//body//a/@href"):
        href = href.strip()
        if PAPER_HOSTS.match(href):
            return urljoin(url or "", href)
    return None


# --- language from the text -----------------------------------------------------------------

STOPWORDS = {
    "en": "the and of to in is that for with was were are on as by this from have has be it at which".split(),
    "de": "der die und das ist nicht mit von den zu im für auf ein eine dem des sich auch wird werden".split(),
    "fr": "le la les et des est une que dans pour qui sur par pas du au avec sont ce ont".split(),
    "es": "el la los las y de que en un una es por con para se del al como más sus".split(),
    "it": "il la che di e per un una sono del della con non nel alla gli le dei".split(),
    "pt": "o a os as e de que em um uma para com não do da dos das se por mais".split(),
    "nl": "de het een en van in is dat op te zijn met voor niet aan ook door wordt".split(),
}
_STOP_SETS = {lang: set(words) for lang, words in STOPWORDS.items()}


SCRIPTS = {
    "ja": re.compile("[\u3040-\u30ff]"), "ko": re.compile("[\uac00-\ud7a3]"), "zh": re.compile("[\u4e00-\u9fff]"),
    "ru": re.compile("[\u0400-\u04ff]"), "ar": re.compile("[\u0600-\u06ff]"), "el": re.compile("[\u0370-\u03ff]"),
    "he": re.compile("[\u0590-\u05ff]"),
}
WORD_RE = re.compile(r"[^\W\d_]+")


def detect_lang(text: str) -> str | None:
    """A cheap guess: script first, then stopword counts. None when too short or unclear."""
    sample = text[:3000]
    letters = len(WORD_RE.findall(sample)) and sum(len(w) for w in WORD_RE.findall(sample))
    if letters < 40:
        return None
    counts = {lang: len(pattern.findall(sample)) for lang, pattern in SCRIPTS.items()}
    if counts["ja"] > 0.05 * letters:
        return "ja"
    script, count = max(counts.items(), key=lambda kv: kv[1])
    if count > 0.3 * letters:
        return script
    words = WORD_RE.findall(sample.lower())
    if len(words) < 20:
        return None
    scores = dict.fromkeys(_STOP_SETS, 0)
    for word in words:
        for lang in _WORD_LANGS.get(word, ()):
            scores[lang] += 1
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 0.08 * len(words) or top < 1.3 * second:
        return None
    return best


_WORD_LANGS: dict[str, list[str]] = {}
for _code, _stops in _STOP_SETS.items():
    for _stop in _stops:
        _WORD_LANGS.setdefault(_stop, []).append(_code)

"""Main text of a page: site rules, then a generic extractor, then a fallback; trailer split off."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import yaml
from lxml import etree

from models.errors import CleanError
from models.records import Block, CleanPage
from scrapers.blocks import RawBlock, blocks_from_html, blocks_from_trafilatura
from scrapers.boilerplate import is_boilerplate, split_trailer_parts, strip_boilerplate
from scrapers.encoding import decode_html
from scrapers.meta import detect_lang, extract_meta_tree, parse_html, title_candidates

MIN_WORDS = 25  # fewer words than this is not an article (nav-only pages, error pages)
SHORT_WORDS = 60  # a generic result shorter than this (two short paragraphs) is extracted again, slowly
NEAR_REPEAT = 3  # a long paragraph repeated this few blocks on, no heading between, is a teaser shown twice

# --- site rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRule:
    name: str
    hosts: tuple[str, ...]
    body: tuple[str, ...]
    drop: tuple[str, ...] = ()
    trailer: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)


@functools.cache
def load_site_rules(path: str | None = None) -> tuple[tuple[SiteRule, ...], tuple[str, ...]]:
    """Site rules and the global drop selectors from ``path``, by default the packaged data/sites.yml."""
    from lxml.cssselect import CSSSelector

    source = Path(path) if path else files("claims_data") / "sites.yml"
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    rules = []
    for item in data.get("sites", []):
        rule = SiteRule(
            name=item["name"], hosts=tuple(h.lower() for h in item["hosts"]), body=tuple(item["body"]),
            drop=tuple(item.get("drop", ())), trailer=tuple(item.get("trailer", ())),
        )
        for selector in rule.body + rule.drop + rule.trailer:
            CSSSelector(selector)  # a typo in the data file fails here, loudly, not per page
        rules.append(rule)
    return tuple(rules), tuple(data.get("drop", ()))


@functools.cache
def _css(selector: str):
    from lxml.cssselect import CSSSelector

    return CSSSelector(selector)


def rule_for(url: str | None) -> SiteRule | None:
    host = (urlsplit(url).hostname or "").lower() if url else ""
    if not host:
        return None
    rules, _ = load_site_rules()
    return next((rule for rule in rules if rule.matches(host)), None)


def warm_up() -> None:
    """Fill the caches that cleaning otherwise fills on a process's first pages, in a process that forks
    the ones that clean (the workers' forkserver), so that each worker does not fill them again: the site
    rules, justext's stoplists (trafilatura's second opinion on short pages) and the date parser of the
    extensive date search for English pages. About 0.7 s of CPU a worker; what they hold is what the
    first pages would have put there, so pages clean as without it."""
    from trafilatura.external import jt_stoplist_init

    from scrapers.meta import warm_date_parser

    load_site_rules()
    jt_stoplist_init()
    warm_date_parser()


# --- stages -------------------------------------------------------------------------------


def _site_stage(tree: lxml.html.HtmlElement, rule: SiteRule) -> tuple[list[RawBlock], list[RawBlock]] | None:
    """Blocks from a site rule's selectors, or None when the page does not have the expected shape.
    Trailer selectors apply to the whole page: sites put sources and contacts inside or beside the body."""
    _, global_drop = load_site_rules()
    page = copy.deepcopy(tree)  # the rule edits the page; the generic stage may still need the original
    containers: list[etree._Element] = []
    for selector in rule.body:
        containers = _css(selector)(page)
        if containers:
            break
    if not containers:
        return None
    trailer_blocks: list[RawBlock] = []
    for selector in rule.trailer:
        for el in _css(selector)(page):
            if el.getparent() is not None:
                trailer_blocks.extend(blocks_from_html(el))
                _remove(el)
    # Containers may nest (a selector matching parent and child): keep the outermost ones.
    roots = [c for c in containers if not any(o is not c and c in o.iterdescendants() for o in containers)]
    for root in roots:
        for selector in rule.drop + global_drop:
            for el in _css(selector)(root):
                _remove(el)
    blocks = [b for root in roots for b in blocks_from_html(root)]
    return blocks, trailer_blocks


def _remove(el: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _generic_stage(tree: lxml.html.HtmlElement, url: str | None) -> tuple[list[RawBlock], int]:
    """Blocks from the generic extractor, and their word count once boilerplate is stripped."""
    # fast=True skips trafilatura's second opinion (readability, jusText): on the benchmarks the site
    # rules, boilerplate filter and fallback stage make up for it at twice the speed. When the fast pass
    # finds less than a short article, it has usually locked onto one teaser or the first paragraph
    # only, and the second opinion is worth its cost on those few pages.
    blocks = _trafilatura_blocks(tree, url, fast=True)
    words = _word_count(strip_boilerplate(blocks))
    if words < SHORT_WORDS:
        second = _trafilatura_blocks(tree, url, fast=False)
        second_words = _word_count(strip_boilerplate(second))
        if second_words > words:
            return second, second_words
    return blocks, words


def _posts_stage(tree: lxml.html.HtmlElement, url: str | None) -> tuple[list[RawBlock], str] | None:
    """For a page too short for an article with comments left out: on a forum thread or a Q&A page the posts,
    which trafilatura files as comments (and the prose fallback skips, in their moderation form), are the text."""
    posts = _dedupe(_trafilatura_blocks(tree, url, fast=False, comments=True))
    return (posts, "comments") if _word_count(strip_boilerplate(posts)) >= MIN_WORDS else None


def _trafilatura_blocks(tree: lxml.html.HtmlElement, url: str | None, *, fast: bool,
                        comments: bool = False) -> list[RawBlock]:
    """The body trafilatura finds, as blocks; ``comments``: what it files as comments instead."""
    from trafilatura import bare_extraction

    # The tree is not modified by trafilatura, so it is shared with the metadata step. Only the XML body
    # is read here: output_format "xml" skips the plain-text rendering of it that "python" (the default)
    # adds to the document (1-2 ms a page); the extraction itself does not depend on the format.
    doc = bare_extraction(tree, url=url, favor_precision=True, fast=fast, include_comments=comments,
                          include_tables=True, with_metadata=False, deduplicate=False, output_format="xml")
    body = None if doc is None else doc.commentsbody if comments else doc.body
    if body is None:
        return []
    return blocks_from_trafilatura(body)


def _recover_trailer(tree: lxml.html.HtmlElement, found: list[RawBlock]) -> list[RawBlock]:
    """The trailer as the page has it. Generic extractors keep the "###" and references but often drop
    contact boxes and source lines that sit in their own divs; re-read the marker's container from the
    marker on. Returns ``found`` when the page does not give a longer trailer."""
    marker = " ".join(found[0].text.split("\n", 1)[0].split())
    for el in tree.iter("p", "div", "h2", "h3", "h4", "h5", "h6", "span", "strong", "b"):
        if " ".join(el.text_content().split()) != marker:
            continue
        node = el
        # Climb to the container that also holds what follows the marker.
        while node.getparent() is not None and node.getparent().tag != "body":
            parent = node.getparent()
            if len(" ".join(parent.text_content().split())) > len(marker) + 20:
                break
            node = parent
        container = node.getparent()
        if container is None:
            break
        _, global_drop = load_site_rules()
        scope = copy.deepcopy(container)
        for selector in global_drop:
            for junk in _css(selector)(scope):
                _remove(junk)
        blocks = blocks_from_html(scope)
        start = next((i for i, b in enumerate(blocks) if " ".join(b.text.split()) == marker), None)
        if start is None:
            break
        recovered = blocks[start:]
        if sum(len(b.text) for b in recovered) > sum(len(b.text) for b in found):
            return recovered
        break
    return found


def _fallback_stage(tree: lxml.html.HtmlElement) -> list[RawBlock]:
    """Every paragraph-like element outside page furniture that reads like prose."""
    _, global_drop = load_site_rules()
    body = tree.find("body")
    root = copy.deepcopy(body if body is not None else tree)
    for el in root.xpath("//nav|//header|//footer|//aside|//form|//*[@role='navigation' or @role='banner' "
                         "or @role='contentinfo' or @role='complementary']"):
        _remove(el)
    for selector in global_drop:
        for el in _css(selector)(root):
            _remove(el)
    blocks = blocks_from_html(root)
    return [b for b in blocks if b.link_ratio < 0.3 and (b.kind == "heading" or len(b.text.split()) >= 8)]


CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _word_count(blocks: list[RawBlock]) -> int:
    """Words, with Chinese and Japanese (written without spaces) counted as about two characters a word."""
    return sum(len(b.text.split()) + len(CJK.findall(b.text)) // 2 for b in blocks if b.kind != "heading")


def _assemble(blocks: list[RawBlock]) -> tuple[str, tuple[Block, ...]]:
    parts: list[str] = []
    spans: list[Block] = []
    pos = 0
    for block in blocks:
        text = block.text.replace("\n\n", "\n")
        if parts:
            pos += 2
        spans.append(Block(block.kind if block.kind != "caption" else "paragraph", pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return "\n\n".join(parts), tuple(spans)


WORD = re.compile(r"\w+")


def _same_words(a: str, b: str, share: float = 0.8) -> bool:
    """Two strings with mostly the same words, either way round: headlines differ across a page in
    quote marks, a site name, an added or dropped word."""
    x, y = set(WORD.findall(a.casefold())), set(WORD.findall(b.casefold()))
    if not x or not y:
        return False
    common = len(x & y)
    return common >= share * len(x) and common >= share * len(y)


def drop_headline(blocks: list[RawBlock], tree: lxml.html.HtmlElement) -> list[RawBlock]:
    """The body without the headline when it opens the body: the title is kept apart (``CleanPage.title``)
    and a repeated headline is not article text. Only the first block, and only once: a second copy
    (a dek that repeats the title) is the page's own text."""
    if blocks and blocks[0].kind == "heading" and any(
            _same_words(blocks[0].text, t) for t in title_candidates(tree)):
        return blocks[1:]
    return blocks


def _dedupe(blocks: list[RawBlock]) -> list[RawBlock]:
    """Drop repeats of long paragraphs that are page furniture: a teaser repeated as the lead (its copy a
    few blocks above) and duplicated mobile/desktop markup (nearly every long paragraph twice, in order).
    A page whose long paragraphs repeat here and there is structured that way (menus, schedules, plans)."""
    first: dict[str, int] = {}
    repeats: list[int] = []
    for i, block in enumerate(blocks):
        key = block.text.casefold()
        # Short blocks legitimately repeat (recipe lines, "Read more"); long paragraphs rarely do.
        if len(key.split()) < 20:
            continue
        if key in first:
            repeats.append(i)
        else:
            first[key] = i
    if not repeats:
        return blocks
    # A second rendering repeats nearly every long paragraph, in the original order.
    originals = [first[blocks[i].text.casefold()] for i in repeats]
    duplicated_markup = len(repeats) >= 0.8 * len(first) and originals == sorted(set(originals))
    drop = {i for i, o in zip(repeats, originals, strict=True)
            if duplicated_markup or (i - o <= NEAR_REPEAT and all(b.kind != "heading" for b in blocks[o:i]))}
    return [b for i, b in enumerate(blocks) if i not in drop]


def clean_html(html: bytes | str, url: str | None = None, *, encoding: str | None = None) -> CleanPage:
    """The article in a page: body text in paragraphs, trailer split off, metadata, the stage that found it."""
    text, codec = decode_html(html, encoding) if isinstance(html, bytes) else (html, None)
    tree = parse_html(text)
    if tree is None:
        raise CleanError("no main text", url=url, reason="empty document")

    stage = "generic"
    blocks: list[RawBlock] = []
    trailer: list[RawBlock] = []
    rule = rule_for(url)
    if rule is not None:
        found = _site_stage(tree, rule)
        if found is not None:
            site_blocks, site_trailer = found
            site_blocks = _dedupe(site_blocks)
            if _word_count(strip_boilerplate(site_blocks)) >= MIN_WORDS:
                blocks, trailer, stage = site_blocks, site_trailer, f"site:{rule.hosts[0]}"
    if not blocks:
        found, words = _generic_stage(tree, url)
        blocks = _dedupe(found)
        stage = "generic"
        if len(blocks) < len(found):
            words = _word_count(strip_boilerplate(blocks))
        if words < MIN_WORDS:
            blocks = _dedupe(_fallback_stage(tree))
            stage = "fallback"
            if _word_count(strip_boilerplate(blocks)) < MIN_WORDS:
                blocks, stage = _posts_stage(tree, url) or (blocks, stage)
    blocks = drop_headline(blocks, tree)
    body_blocks, early, tail = split_trailer_parts(blocks)
    if tail and stage == "generic":
        tail = _recover_trailer(tree, tail)
    more_trailer = early + tail
    body_blocks = strip_boilerplate(body_blocks)
    # Trailer links (the paper, a contact address) are the point of the trailer: keep link-heavy lines.
    trailer = [b for b in more_trailer + trailer if not is_boilerplate(b, links=False)]
    body_blocks = [b for b in body_blocks if b.kind != "caption"]
    if _word_count(body_blocks) < MIN_WORDS:
        raise CleanError("no main text", url=url, stage=stage)
    body_text, spans = _assemble(body_blocks)
    trailer_text = "\n\n".join(b.text for b in trailer)
    meta = extract_meta_tree(tree, url, body_text + "\n\n" + trailer_text)
    lang = detect_lang(body_text) or meta.get("lang")
    meta["lang"] = lang
    title = meta.get("title")
    return CleanPage(url=url or "", text=body_text, title=title, date=meta.get("date"), blocks=spans,
                     trailer=trailer_text, stage=stage, lang=lang, meta=meta, encoding=codec)

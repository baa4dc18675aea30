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


# --- block extraction from HTML -----------------------------------------------------------

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
LEAF_BLOCKS = {"p": "paragraph", "li": "list_item", "dd": "paragraph", "dt": "paragraph", "pre": "paragraph",
               "figcaption": "caption", "caption": "caption", "td": "paragraph", "th": "paragraph"}
LEAF_BLOCKS.update({h: "heading" for h in HEADINGS})
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "form", "button", "input", "select", "textarea",
             "iframe", "nav", "figure", "img", "video", "audio", "canvas", "object", "embed", "head", "title"}
INLINE_TAGS = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s",
               "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "font", "del", "ins",
               "label", "br"}


@dataclass
class RawBlock:
    kind: str
    text: str
    link_ratio: float = 0.0


def _norm(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "").replace("\u00ad", "")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def _inline_text(el: etree._Element) -> tuple[str, int]:
    """Text of an element with <br> as a line break; also the number of characters inside links."""
    parts: list[str] = []
    link_chars = 0

    def walk(node: etree._Element, in_link: bool) -> None:
        nonlocal link_chars
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIP_TAGS and tag not in ("img",):
            if node.tail:
                parts.append(node.tail)
            return
        if tag == "br":
            parts.append("\n")
        elif node.text and tag:
            parts.append(node.text)
            if in_link or tag == "a":
                link_chars += len(node.text.strip())
        for child in node:
            walk(child, in_link or tag == "a")
        if node.tail and node is not el:
            parts.append(node.tail)
            if in_link:
                link_chars += len(node.tail.strip())

    walk(el, False)
    return _norm("".join(parts)), link_chars


def blocks_from_html(root: etree._Element) -> list[RawBlock]:
    """Walk a content container: each p/li/heading/... is one block; loose text in divs is a paragraph."""
    out: list[RawBlock] = []

    def emit(kind: str, text: str, link_chars: int) -> None:
        if text:
            out.append(RawBlock(kind, text, link_chars / max(1, len(text))))

    def walk(el: etree._Element, quote: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in SKIP_TAGS:
            return
        if tag == "blockquote":
            quote = True
        has_block_child = any(isinstance(c.tag, str) and c.tag not in INLINE_TAGS for c in el)
        if tag in LEAF_BLOCKS and not (tag in ("li", "td", "dd") and has_block_child):
            text, links = _inline_text(el)
            kind = LEAF_BLOCKS[tag]
            emit("quote" if quote and kind == "paragraph" else kind, text, links)
            return
        if not has_block_child:
            text, links = _inline_text(el)
            emit("quote" if quote else "paragraph", text, links)
            return
        # Mixed content: loose text runs between block children become paragraphs.
        run: list[str] = [el.text or ""]
        run_links = 0
        for child in el:
            ctag = child.tag if isinstance(child.tag, str) else ""
            if ctag in INLINE_TAGS:
                text, links = _inline_text(child)
                run.append(("\n" if ctag == "br" else "") + text + (child.tail or ""))
                run_links += links
                continue
            emit("quote" if quote else "paragraph", _norm("".join(run)), run_links)
            run, run_links = [], 0
            walk(child, quote)
            run.append(child.tail or "")
        emit("quote" if quote else "paragraph", _norm("".join(run)), run_links)

    walk(root, False)
    return out


TRAF_KINDS = {"p": "paragraph", "head": "heading", "item": "list_item", "quote": "quote", "cell": "paragraph"}


def blocks_from_trafilatura(body: etree._Element) -> list[RawBlock]:  # noqa: C901  (listed offender: split when next changed)
    """Blocks from trafilatura's XML body (p, head, list/item, quote, table/row/cell). Its fallback
    extractors can also hand back plain HTML (divs) and loose text, which are walked as HTML."""
    out: list[RawBlock] = []

    def loose(text: str | None) -> None:
        text = _norm(text or "")
        if text:
            out.append(RawBlock("paragraph", text))

    loose(body.text)
    for el in body:
        tag = el.tag
        if tag == "list":
            for item in el.iter("item"):
                text = _norm("".join(_traf_text(item)))
                if text:
                    out.append(RawBlock("list_item", text))
        elif tag == "table":
            for row in el.iter("row"):
                text = _norm(" | ".join(_norm("".join(_traf_text(c))) for c in row.iter("cell")))
                if text:
                    out.append(RawBlock("paragraph", text))
        elif tag == "quote" and any(c.tag in ("p", "list") for c in el):
            for p in el:
                text = _norm("".join(_traf_text(p)))
                if text:
                    out.append(RawBlock("quote", text))
        elif tag in TRAF_KINDS or tag == "code":
            text = _norm("".join(_traf_text(el)))
            if text:
                out.append(RawBlock(TRAF_KINDS.get(tag, "paragraph"), text))
        elif isinstance(tag, str) and tag not in ("graphic", "lb", "ref"):
            out.extend(blocks_from_html(el))
        loose(el.tail)
    return out


def _traf_text(el: etree._Element) -> list[str]:
    parts = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append("\n")
        else:
            parts.extend(_traf_text(child))
        parts.append(child.tail or "")
    return parts


# --- boilerplate and trailer --------------------------------------------------------------

_BOILER = [
    r"share (this|on|via|the|article|story|page|post)\b.{0,60}",
    r"(share|tweet|email|print|pin it|whatsapp|linkedin|facebook|twitter|reddit|telegram|flipboard|copy link|"
    r"save|comments?)(\s*[|/·•,]?\s*(share|tweet|email|print|pin it|whatsapp|linkedin|facebook|twitter|reddit|"
    r"telegram|flipboard|copy link|save|comments?|\d+))*",
    r"(follow us|like us|connect with us)( on .{0,40})?",
    r"reading time:? ?\d+ ?(min|mins|minutes?)( read)?",
    r"\d+ ?(min|mins|minutes?) read",
    r"advertisement|advertising|sponsored( content)?|skip to (main )?content|back to top|scroll to top",
    r"(please )?(log ?in|sign ?in|register|subscribe)( (to|now|here|for free|or register).{0,60})?",
    r"(image|photo|picture|illustration|graphic|video|photograph)s?\s*(credit|courtesy|source|by)\s*[:：].{0,200}",
    r"(credit|credits|image credit|photo credit|source)\s*[:：].{0,160}",
    r"\(?(photo|image|credit|illustration)\s*[:：/].{0,120}\)?",
    r"(read|see) (more|also|next)\b.{0,120}",
    r"(related|popular|trending|recommended|more) (posts?|news|articles?|stories|content|reading|from .{0,40})",
    r"you (may|might) also (like|enjoy|be interested in).{0,60}",
    r"(tags?|topics?|categories|filed under)\s*[:：].{0,200}",
    r"no result|view all results?|load more|show more",
    # A label and another story's headline, set between paragraphs ("Related: ...", "Also on site.com ...").
    r"(related( stories| articles| content| reading)?|don'?t miss|must read)\s*[:：|]\s*.{0,160}",
    r"also on [\w-]+\.(com|org|net|co\.uk)\b.{0,160}",
]
BOILERPLATE_LINE = re.compile(r"^\W*(?:" + "|".join(_BOILER) + r")\W*$", re.I)
BOILERPLATE_ANYWHERE = re.compile(
    r"we use cookies|this (web)?site uses cookies|by continuing to (browse|use)|accept (all )?cookies|"
    r"cookie (policy|settings|preferences|consent)|(sign up|subscribe) (for|to) (our|the) .{0,40}newsletter|"
    r"newsletter.{0,80}\b(inbox|subscribe|sign up)|get (the|our) .{0,60}in your inbox|"
    r"(please )?(log ?in|sign ?in) to (join|comment|continue|read)|you must be logged in|"
    r"enable javascript|your browser does not support|all rights reserved|©\s*\d{4}|copyright\s*©?\s*\d{4}",
    re.I,
)
SECTION_BOILER = re.compile(
    r"^\W*(related (posts?|articles?|stories|news|content|links|topics|coverage)|popular( news| posts| stories)?|"
    r"most (read|popular|viewed|shared)|trending( now)?|recommended( for you| reading| stories)?|"
    r"more (news|stories|from|on this|like this|in)\b.*|you (may|might) also like.*|read next|"
    r"(sign up for|subscribe to) (our|the) newsletter|newsletter|comments?|leave a (reply|comment)|"
    r"latest (news|posts|stories)|further reading|share (this|on).*|about the author|editor'?s picks?)\W*$",
    re.I,
)
# A trailer starts at one of these; everything from there on is the press-release trailer.
TRAILER_HARD = re.compile(
    r"^\s*(#{3,}|-\s*30\s*-|-\s*#{3}\s*-|end ?#+|"
    r"(media|press|news(room)?|communications?) contacts?\b|contacts?\s*:|for (further|more) information,? (contact|please)|"
    r"story sources?\s*:?|materials? provided by\b|journal references?\s*:?|"
    r"more information\s*:|journal information\s*:|provided by\b|citation\s*:|"
    r"see (the )?(paper|study)\s*:|(read|view|access) the (full |original )?(paper|study|article)\s*:|doi\s*:\s*10\.|"
    r"disclaimer\s*:|note to editors|notes? (for|to) editors|editor'?s notes?\s*:|"
    r"(aaas and )?eurekalert!? (is|are) not responsible|"
    # German and French releases (idw, university press offices) end with the same fields.
    r"(presse|medien|media)?kontakte?\s*:|(presse|medien)kontakte?\b|(wissenschaftliche[rn]? )?ansprechpartner(in|innen)?"
    r"\s*:|originalpublikation\b|original-?ver(ö|oe)ffentlichung\b|weitere informationen\s*:|"
    r"contacts? (presse|m(é|e)dias?)\b|pour (en savoir|plus d'informations)\b.{0,20}:)",
    re.I,
)
TRAILER_SOFT = re.compile(
    r"^\s*(funding\s*:?|references?\s*:?|source\s*:|about (the )?[A-Z][\w.&'-]+.{0,80}|"
    r"the (study|research|work|project) was (funded|supported) by\b|this (study|research|work) was (funded|supported)"
    r" by\b|paper\s*:|original (paper|study|article)\s*:|study\s*:|publication\s*:|"
    r"(additional|other) (co-?)?authors\b|co-?authors (of|on) the (study|paper)\b|"
    r"(quelle|literatur|f(ö|oe)rderung|finanzierung|r(é|e)f(é|e)rences?)\s*:|(ü|ue)ber (die|das|den) [A-Z].{0,80})",
    re.I,
)


TEASER_LABEL = re.compile(r"^\W*(related( stories| articles| content| links)?|don'?t miss|must read|read more|"
                          r"recommended( for you)?|more (stories|news)|top stories)\W*$", re.I)


def is_boilerplate(block: RawBlock, *, links: bool = True) -> bool:
    text = block.text
    words = len(text.split())
    if words <= 25 and BOILERPLATE_LINE.match(text):
        return True
    # A label line over a list of other stories' headlines, one a line.
    if "\n" in text and words <= 80 and TEASER_LABEL.match(text.split("\n", 1)[0]):
        return True
    if words <= 80 and BOILERPLATE_ANYWHERE.search(text):
        return True
    # A run of links with little text of its own: a menu or a list of related items.
    return links and block.link_ratio > 0.7 and words <= 30 and block.kind != "heading"


def strip_boilerplate(blocks: list[RawBlock]) -> list[RawBlock]:
    """Drop share bars, credits, cookie and newsletter boxes, and "Related posts"-like sections."""
    out: list[RawBlock] = []
    skipping = False
    for block in blocks:
        if block.kind == "heading":
            if SECTION_BOILER.match(block.text) and len(block.text.split()) <= 8:
                skipping = True
                continue
            skipping = False
        elif skipping and (block.kind == "list_item" or block.link_ratio > 0.3 or len(block.text.split()) < 25):
            continue
        else:
            skipping = False
        if not is_boilerplate(block):
            out.append(block)
    # Headings left hanging at the end introduce nothing.
    while out and out[-1].kind == "heading":
        out.pop()
    return out


def split_trailer(blocks: list[RawBlock]) -> tuple[list[RawBlock], list[RawBlock]]:
    """Body blocks and trailer blocks (see ``split_trailer_parts``)."""
    body, early, tail = split_trailer_parts(blocks)
    return body, early + tail


def split_trailer_parts(blocks: list[RawBlock]) -> tuple[list[RawBlock], list[RawBlock], list[RawBlock]]:
    """Body blocks, trailer blocks found near the top, and the trailer proper. The trailer starts at the
    first end marker (###, media contact, story source, references, funding, disclaimer...) past the lead.
    A marker near the top (a contact line or DOI above the story) moves only its own block."""
    total = sum(len(b.text) for b in blocks) or 1
    seen = 0
    body: list[RawBlock] = []
    early: list[RawBlock] = []
    for i, block in enumerate(blocks):
        first_line = block.text.split("\n", 1)[0]
        words = len(block.text.split())
        if i >= 1 and TRAILER_HARD.match(first_line):
            if seen >= 0.25 * total or first_line.lstrip().startswith(("###", "-")):
                return body, early, blocks[i:]
            if words <= 60:
                early.append(block)
                seen += len(block.text)
                continue
        # Softer markers ("Funding", "About the university") only count in the back half.
        if i >= 1 and seen >= 0.5 * total and TRAILER_SOFT.match(first_line) and (
                block.kind == "heading" or words <= 120):
            return body, early, blocks[i:]
        body.append(block)
        seen += len(block.text)
    return body, early, []


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


def _trafilatura_blocks(tree: lxml.html.HtmlElement, url: str | None, *, fast: bool) -> list[RawBlock]:
    from trafilatura import bare_extraction

    # The tree is not modified by trafilatura, so it is shared with the metadata step.
    doc = bare_extraction(tree, url=url, favor_precision=True, fast=fast, include_comments=False,
                          include_tables=True, with_metadata=False, deduplicate=False)
    if doc is None or doc.body is None:
        return []
    return blocks_from_trafilatura(doc.body)


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

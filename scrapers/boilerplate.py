"""Boilerplate filters (share bars, related lists, cookie and newsletter boxes) and the trailer split."""

from __future__ import annotations

import functools
import re

from scrapers.blocks import RawBlock

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
    return _is_boilerplate(block.text, block.kind, block.link_ratio, links)


@functools.lru_cache(maxsize=4096)
def _is_boilerplate(text: str, kind: str, link_ratio: float, links: bool) -> bool:
    # Cached: cleaning asks about the same blocks several times (generic stage, dedupe, body, trailer).
    words = len(text.split())
    if words <= 25 and BOILERPLATE_LINE.match(text):
        return True
    # A label line over a list of other stories' headlines, one a line.
    if "\n" in text and words <= 80 and TEASER_LABEL.match(text.split("\n", 1)[0]):
        return True
    if words <= 80 and BOILERPLATE_ANYWHERE.search(text):
        return True
    # A run of links with little text of its own: a menu or a list of related items.
    return links and link_ratio > 0.7 and words <= 30 and kind != "heading"


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

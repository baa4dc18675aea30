"""Blocks of text from HTML: paragraphs, headings, list items and quotes, with their share of link text."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

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


def blocks_from_trafilatura(body: etree._Element) -> list[RawBlock]:
    """Blocks from trafilatura's XML body (p, head, list/item, quote, table/row/cell). Its fallback
    extractors can also hand back plain HTML (divs) and loose text, which are walked as HTML."""
    out = _block("paragraph", _norm(body.text or ""))
    for el in body:
        out.extend(_traf_element(el))
        out.extend(_block("paragraph", _norm(el.tail or "")))
    return out


def _traf_element(el: etree._Element) -> list[RawBlock]:
    """One child of trafilatura's body: a list's items, a table's rows, a quote's paragraphs, one block, or HTML."""
    tag = el.tag
    if tag == "list":
        return [b for item in el.iter("item") for b in _block("list_item", _traf_plain(item))]
    if tag == "table":
        return [b for row in el.iter("row")
                for b in _block("paragraph", _norm(" | ".join(_traf_plain(c) for c in row.iter("cell"))))]
    if tag == "quote" and any(c.tag in ("p", "list") for c in el):
        return [b for p in el for b in _block("quote", _traf_plain(p))]
    if tag in TRAF_KINDS or tag == "code":
        return _block(TRAF_KINDS.get(tag, "paragraph"), _traf_plain(el))
    if isinstance(tag, str) and tag not in ("graphic", "lb", "ref"):
        return blocks_from_html(el)
    return []


def _block(kind: str, text: str) -> list[RawBlock]:
    """A block of ``kind`` for a non-empty text; none for an empty one."""
    return [RawBlock(kind, text)] if text else []


def _traf_plain(el: etree._Element) -> str:
    """The normalised text of a trafilatura element, its line breaks kept."""
    return _norm("".join(_traf_text(el)))


def _traf_text(el: etree._Element) -> list[str]:
    parts = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append("\n")
        else:
            parts.extend(_traf_text(child))
        parts.append(child.tail or "")
    return parts

"""Every Doc/Span extension, registered once, and the payload attached to claim spans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span


@dataclass
class Found:
    """One rule match: exact [start, end) character offsets in the text, the rule, parsed data."""

    label: str
    start: int
    end: int
    rule_id: str
    data: dict[str, Any] = field(default_factory=dict)
    sent: int = -1  # index of the sentence it lies in


def _span_claim(span: Span) -> Found | None:
    """The payload of a claim span, looked up by label and offsets in ``doc._.found``."""
    for items in (span.doc._.found or {}).values():
        for item in items:
            if item.label == span.label_ and span.start_char <= item.start and item.end <= span.end_char:
                return item
    return None


def _span_block(span: Span) -> Span | None:
    """The text block (paragraph, heading, list item) a span lies in, if the Doc has blocks."""
    if "blocks" not in span.doc.spans:
        return None
    return next((b for b in span.doc.spans["blocks"] if b.start_char <= span.start_char < b.end_char), None)


def _span_heading(span: Span) -> str | None:
    """The nearest heading block before a span ("Results", "Study design")."""
    if "blocks" not in span.doc.spans:
        return None
    headings = [b for b in span.doc.spans["blocks"] if b.label_ == "heading" and b.end_char <= span.start_char]
    return headings[-1].text if headings else None


def register() -> None:
    # Payloads live in one Doc-level dict: span extension values are keyed by offsets, so two
    # matches over the same characters would overwrite each other.
    extensions = [
        (Doc, "found", {"default": None}),
        (Span, "claim", {"getter": _span_claim}),
        (Span, "block", {"getter": _span_block}),
        (Span, "heading", {"getter": _span_heading}),
        (Doc, "study_type", {"default": None}),
        (Doc, "study_type_rule", {"default": None}),  # what the rules alone decided
        (Doc, "study_type_cues", {"default": None}),  # {"score": {type: weighted count}, "lead": {type: count}}
        (Doc, "study_type_score", {"default": None}),  # probability of the decided type, when a model decided it
        (Doc, "study_type_proba", {"default": None}),  # the study-type model's probability of every type
        (Doc, "decider", {"default": None}),  # the claims_decide component that holds the trained models
        (Doc, "sent_spans", {"default": None}),
        (Doc, "sent_reads", {"default": None}),  # what the rule components read of the sentences (base.SentenceReads)
        (Doc, "plain_text", {"default": None}),
    ]
    for owner, name, kwargs in extensions:
        if not owner.has_extension(name):
            owner.set_extension(name, **kwargs)


def add_found(doc: Doc, key: str, found: Found) -> None:
    """Store a match as a span in ``doc.spans[key]`` with the payload in ``span._.claim``."""
    if doc._.found is None:
        doc._.found = {}
    doc._.found.setdefault(key, []).append(found)
    span = doc.char_span(found.start, found.end, label=found.label, alignment_mode="expand")
    if span is None:
        return
    span.id_ = found.rule_id
    if key not in doc.spans:
        doc.spans[key] = []
    doc.spans[key].append(span)


def doc_text(doc: Doc) -> str:
    """``doc.text`` joins every token on each access; components read it through this cache."""
    if doc._.plain_text is None:
        doc._.plain_text = doc.text
    return doc._.plain_text


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """Sentence [start, end) character spans with surrounding whitespace trimmed (cached on the Doc)."""
    if doc._.sent_spans is None:
        spans = []
        text = doc_text(doc)
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        doc._.sent_spans = spans
    return doc._.sent_spans


register()

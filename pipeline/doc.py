"""doc_from_page(): one Doc per cleaned page, with one span per text block in doc.spans["blocks"]."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from models.records import ArticleClaims, CleanPage
from pipeline.records import claims_from_doc


def doc_from_page(nlp: Language, page: CleanPage) -> Doc:
    """Tokenise the page text and mark its blocks (paragraph, heading, list item, quote) as spans;
    each block starts a sentence, so headings and bullets never run into the text around them."""
    doc = nlp.make_doc(page.text)
    doc._.plain_text = page.text  # spaCy rebuilds doc.text on each access; the components share this copy
    blocks = []
    for block in page.blocks:
        span = doc.char_span(block.start, block.end, label=block.kind, alignment_mode="expand")
        if span is not None and len(span):
            blocks.append(span)
            span[0].is_sent_start = True
    doc.spans["blocks"] = blocks
    return doc


def extract_page(nlp: Language, page: CleanPage) -> ArticleClaims:
    """Run the claims pipeline over a cleaned page; offsets index into ``page.text``."""
    if not page.text.strip():
        return ArticleClaims(study_type="other", trials=[])
    return claims_from_doc(nlp(doc_from_page(nlp, page)))

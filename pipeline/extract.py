"""extract(): the one extraction entry point (ingest, reprocess, the CLI, eval, bench and tests call it)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from models.records import ArticleClaims, CleanPage
from pipeline.records import claims_from_doc

EXTRACTOR_VERSION = "0.2.0"


def extract(nlp: Language, source: CleanPage | str) -> ArticleClaims:
    """Every trial a cleaned page (or a plain text) describes. Offsets index into its text.

    A page's blocks (paragraphs, headings, list items) each start a sentence; a plain text is one block."""
    page = source if isinstance(source, CleanPage) else CleanPage(url="", text=source)
    if not page.text.strip():
        return ArticleClaims(study_type="other", trials=[])
    claims = claims_from_doc(nlp(doc_from_page(nlp, page)))
    claims.model_version = nlp.meta.get("model_version")
    return claims


def doc_from_page(nlp: Language, page: CleanPage) -> Doc:
    """Tokenise the page text and mark its blocks as spans in ``doc.spans["blocks"]``; each block
    starts a sentence, so headings and bullets never run into the text around them."""
    doc = nlp.make_doc(page.text)
    doc._.plain_text = page.text  # spaCy rebuilds doc.text on each access; the components share this copy
    blocks = []
    for block in page.blocks:
        span = doc.char_span(block.start, block.end, label=block.kind, alignment_mode="expand")
        if span is not None and len(span):
            blocks.append(span)
            span[0].is_sent_start = True
    if page.blocks:
        doc.spans["blocks"] = blocks
    return doc

"""extract(): the one extraction entry point (ingest, reprocess, the CLI, eval, bench and tests call it)."""

from __future__ import annotations

import time

from spacy.language import Language
from spacy.tokens import Doc

from models.errors import ExtractError
from models.records import ArticleClaims, CleanPage
from pipeline import EXTRACTOR_VERSION as EXTRACTOR_VERSION  # re-exported: its readers import it from here
from pipeline.assemble import claims_from_doc
from pipeline.patterns import load_rules

# A text that never speaks of research (no trial, study, patients, participants, researchers, findings, ...) reports
# no study: it is typed "other" with no trials, without running the pipeline. Over a news crawl most pages are such,
# and the pipeline's guesses on them (a football transfer typed a trial, a board-game list an rct) were all wrong.
RESEARCH_WORDS = "relevance.research_words"


def extract(nlp: Language, source: CleanPage | str, *, max_chars: int | None = None,
            max_seconds: float | None = None) -> ArticleClaims:
    """Every trial a cleaned page (or a plain text) describes. Offsets index into its text.

    A page's blocks (paragraphs, headings, list items) each start a sentence; a plain text is one block.
    A text without a word of research (``speaks_of_research``) is typed "other" with no trials, unparsed.
    The budget: a text longer than ``max_chars``, or a run past ``max_seconds`` (checked after each
    component), raises ``ExtractError`` saying which, so one page can never hold up a batch."""
    page = source if isinstance(source, CleanPage) else CleanPage(url="", text=source)
    if not page.text.strip():
        return ArticleClaims(study_type="other", trials=[])
    if max_chars is not None and len(page.text) > max_chars:
        raise ExtractError(f"text too long: {len(page.text):,} characters (the limit is {max_chars:,})",
                           url=page.url or None)
    if len(page.text) > nlp.max_length:
        # spaCy refuses such texts (E088) with a ValueError; say so as the page's failure
        raise ExtractError(f"text too long for the tokenizer: {len(page.text):,} characters "
                           f"(spaCy's limit is {nlp.max_length:,})", url=page.url or None)
    if not speaks_of_research(page.text):
        return ArticleClaims(study_type="other", trials=[], model_version=nlp.meta.get("model_version"))
    deadline = time.monotonic() + max_seconds if max_seconds is not None else None
    doc = doc_from_page(nlp, page)
    for name, component in nlp.pipeline:
        doc = component(doc)
        _check_deadline(deadline, max_seconds, name, page)
    claims = claims_from_doc(doc)
    _check_deadline(deadline, max_seconds, "assembly", page)
    claims.model_version = nlp.meta.get("model_version")
    return claims


def speaks_of_research(text: str) -> bool:
    """Whether a text has any word of ``relevance.research_words``: without one it can report no study."""
    return any(rule.regex.search(text) for rule in load_rules("relevance") if rule.id == RESEARCH_WORDS)


def _check_deadline(deadline: float | None, max_seconds: float | None, stage: str, page: CleanPage) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ExtractError(f"extraction time budget exceeded: over {max_seconds:g}s (at {stage})",
                           url=page.url or None)


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

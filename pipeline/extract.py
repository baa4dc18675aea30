"""Public extraction API: text in, ArticleClaims out (GUIDELINE schema via ``to_json``)."""

from __future__ import annotations

from spacy.language import Language

from models.records import ArticleClaims
from pipeline.records import claims_from_doc

EXTRACTOR_VERSION = "0.2.0"


def extract_article(nlp: Language, text: str) -> ArticleClaims:
    """Extract every trial the text describes. Offsets index into ``text``."""
    if not text.strip():
        return ArticleClaims(study_type="other", trials=[])
    doc = nlp.make_doc(text)
    doc._.plain_text = text  # the components read the text often; spaCy rebuilds doc.text on each access
    return claims_from_doc(nlp(doc))

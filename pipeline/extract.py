"""Public extraction API: text in, ArticleClaims out (GUIDELINE schema via ``to_json``)."""

from __future__ import annotations

from spacy.language import Language

from models.records import ArticleClaims

EXTRACTOR_VERSION = "0.1.0"


def extract_article(nlp: Language, text: str) -> ArticleClaims:
    """Extract every trial the text describes. Offsets index into ``text``."""
    return ArticleClaims(study_type="other", trials=[])

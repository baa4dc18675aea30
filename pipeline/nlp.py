"""build_nlp(): the only place a spaCy Language is built."""

from __future__ import annotations

import spacy
from spacy.language import Language


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp

"""claims_sentences: sentence starts at line breaks and bullets, before the sentencizer."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import doc_text

BULLETS = {"•", "*", "-", "+", "–", "—", "·", "▪", "■"}
LINE_START = re.compile(r"\n\s*(?=\S)")


@Language.factory("claims_sentences", assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> NewlineSentences:
    return NewlineSentences()


class NewlineSentences:
    """News layout puts headings, list items and table cells on their own lines: the first token of
    every line starts a sentence, and a bullet that opens a line is a sentence of its own start."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        for match in LINE_START.finditer(text):
            span = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
            if span is None or not len(span):
                continue
            token = span[0]
            if token.i > 0:
                token.is_sent_start = True
            if token.text in BULLETS and token.i + 1 < len(doc):
                doc[token.i + 1].is_sent_start = False
        if len(doc) and doc[0].text in BULLETS and len(doc) > 1:
            doc[1].is_sent_start = False
        return doc

"""claims_sentences: sentence starts at line breaks and bullets, before the sentencizer."""

from __future__ import annotations

import re

from spacy.errors import Errors
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
        # The starts are written to an array and set in one go: each Token.is_sent_start assignment scans the
        # whole Doc for a parse first, which made this component quadratic in the number of lines.
        starts = doc.to_array("SENT_START").astype("int64")  # 1 starts a sentence, -1 does not, 0 unknown
        changed = False
        for match in LINE_START.finditer(doc_text(doc)):
            span = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
            if span is None or not len(span):
                continue
            i = span.start
            if i > 0:
                starts[i] = 1
                changed = True
            if doc[i].text in BULLETS and i + 1 < len(doc):
                starts[i + 1] = -1
                changed = True
        if len(doc) and doc[0].text in BULLETS and len(doc) > 1:
            starts[1] = -1
            changed = True
        if changed:
            if doc.has_annotation("DEP"):
                raise ValueError(Errors.E043)  # as Token.is_sent_start refuses on a parsed Doc
            doc.from_array(["SENT_START"], starts.astype("uint64"))
        return doc

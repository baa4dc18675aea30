"""claims_sentences: sentence starts at line breaks, bullets and headings, before the sentencizer."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

BULLETS = {"•", "*", "-", "+", "–", "—", "·", "▪", "■"}


@Language.factory("claims_sentences", assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> NewlineSentences:
    return NewlineSentences()


class NewlineSentences:
    """News layout puts headings, list items and table cells on their own lines: each line
    break starts a sentence, and so does a bullet that begins a line."""

    def __call__(self, doc: Doc) -> Doc:
        for i, token in enumerate(doc[:-1]):
            nxt = doc[i + 1]
            if token.is_space and "\n" in token.text:
                nxt.is_sent_start = True
            elif token.i == 0 or (doc[i - 1].is_space and "\n" in doc[i - 1].text):
                # a bullet at the start of a line opens its own sentence
                if token.text in BULLETS:
                    token.is_sent_start = True
        return doc

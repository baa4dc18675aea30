"""Run the rule pipeline over gold texts once per pipeline, as the runtime does, for every trainer to read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

_CACHE: dict[tuple[int, str, int], Doc] = {}


def parse(nlp: Language, text: str) -> Doc:
    """The Doc ``pipeline.extract.extract`` would build for ``text`` (same tokenizer, same components)."""
    doc = nlp.make_doc(text)
    doc._.plain_text = text
    return nlp(doc)


def parsed(nlp: Language, record: Mapping[str, Any], texts: Mapping[str, str]) -> Doc:
    """``parse`` with a cache: several trainers and folds read the same gold article."""
    text = texts[record["id"]]
    key = (id(nlp), str(record["id"]), hash(text))
    doc = _CACHE.get(key)
    if doc is None:
        doc = _CACHE[key] = parse(nlp, text)
    return doc


def clear() -> None:
    _CACHE.clear()


Examples = tuple[list[dict[str, float]], list[str]]


def gather(nlp: Language, records: list[dict[str, Any]], texts: Mapping[str, str],
           examples: Callable[[Mapping[str, Any], Doc], Examples]) -> Examples:
    """Every record's (features, labels), made by ``examples(record, doc)`` on its parsed Doc, concatenated."""
    xs: list[dict[str, float]] = []
    ys: list[str] = []
    for record in records:
        x, y = examples(record, parsed(nlp, record, texts))
        xs += x
        ys += y
    return xs, ys

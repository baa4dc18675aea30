"""The pipeline built once in the workers' forkserver, which imports this module (``pipeline.workers``):
every worker forks with it built instead of building its own."""

from __future__ import annotations

from spacy.language import Language

from pipeline.nlp import build_nlp


def _build() -> Language | None:
    try:
        return build_nlp()
    except Exception:  # a worker builds its own and fails there, where the failure is reported per page
        return None


NLP = _build()

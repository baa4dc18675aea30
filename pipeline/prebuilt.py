"""The pipeline built once in the workers' forkserver, which imports this module (``pipeline.workers``):
every worker forks with it built instead of building its own."""

from __future__ import annotations

import logging

from spacy.language import Language

from pipeline.nlp import build_nlp

log = logging.getLogger(__name__)


def _build() -> Language | None:
    try:
        return build_nlp()
    except Exception as exc:  # a worker builds its own and fails there, where the failure is reported per page
        log.warning("the shared pipeline could not be built (%s: %s); each worker builds its own",
                    type(exc).__name__, exc)
        return None


NLP = _build()

"""The pipeline built once in the workers' forkserver, which imports this module (``pipeline.workers``):
every worker forks with it built instead of building its own, and with the caches of cleaning and of the
syndication band keys already filled (``warm_up``)."""

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


def warm_up() -> None:
    """What each worker would otherwise compute on its first pages: the cleaning caches
    (``scrapers.clean.warm_up``), and the MinHash permutations and LSH band layout behind the band keys.
    A failure is logged: the workers then fill the caches themselves, as they would without this."""
    from pipeline.store.fingerprint import text_bands
    from scrapers.clean import warm_up as warm_cleaning

    try:
        warm_cleaning()
        text_bands("the permutations and the band layout, computed once")
    except Exception as exc:  # nothing is lost but the head start: never fail the forkserver for it
        log.warning("the cleaning caches could not be filled in advance (%s: %s); each worker fills its own",
                    type(exc).__name__, exc)


NLP = _build()
warm_up()

"""The trained decisions: one module per line. Adding a decision is adding its module here.

Each module has ``NAME: str`` and ``train(records, texts, nlp) -> LinearModel | dict[str, LinearModel]``
(``nlp`` is the rules-only pipeline; a dict names each model it returns). At run time the
``claims_decide`` component calls, when present, ``annotate(doc, models)`` after the rule components
(write ``Found.data["score"]`` and Doc extensions) and ``finish(doc, claims, models)`` after assembly
(``claims`` is the ArticleClaims). ``models`` maps every loaded model name to its LinearModel; a module
whose model is missing leaves the rules' decision in place.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

TRAINERS = [
    "pipeline.learn.study_type",
    "pipeline.learn.design",
    "pipeline.learn.direction",
    "pipeline.learn.trial",
    "pipeline.learn.values",  # size, duration, outcome keep/drop and value-to-arm attribution
]


@cache
def modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(name) for name in TRAINERS)

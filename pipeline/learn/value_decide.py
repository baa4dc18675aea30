"""Run-time value decisions: trained models pick the trial size, duration and arm n among rule candidates.

Models are read once from ``models/trained/value_<field>.json``; when a file is absent the rules alone decide
that field. Training code swaps the models in (``using``) and records every candidate with its features.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pipeline.extensions import Found
from pipeline.learn.linear import LinearModel
from pipeline.learn.value_candidates import (
    Candidate,
    duration_candidates,
    duration_features,
    number_candidates,
    size_features,
)

VALUE_FIELDS = ("size", "duration", "arm_n", "outcome")
DEFAULT_THRESHOLD = 0.5


@dataclass
class Choice:
    """The value kept for a field, where it is, the rule that proposed it and the model's probability."""

    value: Any
    start: int
    end: int
    rule_id: str
    score: float | None = None
    found: Found | None = None


def model_name(field_name: str) -> str:
    return f"value_{field_name}"


@cache
def load_value_models() -> dict[str, LinearModel]:
    """The value models shipped under ``models/trained/`` (field -> model); absent files are skipped."""
    out: dict[str, LinearModel] = {}
    folder = resources.files("models") / "trained"
    for field_name in VALUE_FIELDS:
        path = folder / f"{model_name(field_name)}.json"
        if path.is_file():
            out[field_name] = LinearModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return out


class _State:
    models: dict[str, LinearModel] | None = None  # None: the shipped models
    recorder: list[tuple[str, Any, Any]] | None = None


STATE = _State()


def active_model(field_name: str) -> LinearModel | None:
    models = load_value_models() if STATE.models is None else STATE.models
    return models.get(field_name)


@contextmanager
def using(models: dict[str, LinearModel] | None = None,
          recorder: list[tuple[str, Any, Any]] | None = None) -> Iterator[None]:
    """Decide with ``models`` ({} = rules alone) and append (field, owner, candidate) to ``recorder``."""
    saved = STATE.models, STATE.recorder
    STATE.models, STATE.recorder = models, recorder
    try:
        yield
    finally:
        STATE.models, STATE.recorder = saved


def threshold(model: LinearModel) -> float:
    return float(model.meta.get("threshold", DEFAULT_THRESHOLD))


def positive(model: LinearModel, features: dict[str, float]) -> float:
    return model.predict_proba(features).get("1", 0.0)


def _pick(field_name: str, owner: Any, cands: list[Candidate], rule_choice: Choice | None) -> Choice | None:
    """The best-scoring candidate above the model's threshold; the rules' choice when no model is loaded."""
    if STATE.recorder is not None:
        STATE.recorder.extend((field_name, owner, c) for c in cands)
    model = active_model(field_name)
    if model is None:
        return rule_choice
    best: tuple[float, Candidate] | None = None
    for cand in cands:
        p = positive(model, cand.features)
        if best is None or p > best[0]:
            best = (p, cand)
    if best is None or best[0] < threshold(model):
        return None
    p, cand = best
    return Choice(cand.value, cand.start, cand.end, cand.rule_id, round(p, 4), cand.found)


def choose_size(text: str, sents: list[tuple[int, int]], sent_ids: list[int], found: list[tuple[int, Found]],
                rule_pick: Found | None, owner: Any = None) -> Choice | None:
    """The trial's size among head-count candidates of its sentences (``found``: the TRIAL_SIZE matches)."""
    rule_choice = None
    if rule_pick is not None:
        rule_choice = Choice(rule_pick.data["n"], rule_pick.data["n_start"], rule_pick.data["n_end"],
                             rule_pick.rule_id, None, rule_pick)
    if not sent_ids:
        return rule_choice
    cands = number_candidates("size", text, sents, sent_ids, found)
    size_features(text, sents, cands, sent_ids[0], rule_pick)
    return _pick("size", owner, cands, rule_choice)


def choose_duration(text: str, sents: list[tuple[int, int]], sent_ids: list[int], found: list[tuple[int, Found]],
                    rule_pick: Found | None, owner: Any = None) -> Choice | None:
    rule_choice = None
    if rule_pick is not None:
        rule_choice = Choice(rule_pick.data["duration"], rule_pick.start, rule_pick.end, rule_pick.rule_id, None,
                             rule_pick)
    if not sent_ids:
        return rule_choice
    cands = duration_candidates(text, sents, sent_ids, found)
    duration_features(text, sents, cands, sent_ids[0], rule_pick)
    return _pick("duration", owner, cands, rule_choice)


MentionFn = Callable[[str, int, list], list]

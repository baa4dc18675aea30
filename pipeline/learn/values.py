"""Trainers for the value decisions (trial size, duration, arm n, outcome keep/drop, value -> arm).

A trainer follows the shared contract: ``NAME`` and ``train(records, texts, nlp) -> {name: LinearModel}``.
Candidates are read with the rules alone deciding (``value_decide.using(models={})``), labelled from the gold
trial the predicted trial matches (the scorer's own matching), and fitted with ``linear.fit``. ``make train``
writes the models and ``make cv`` cross-validates them, like every other decision.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.learn.linear import LinearModel, fit
from pipeline.learn.value_candidates import COMPARATOR_ARM
from pipeline.learn.value_decide import VALUE_FIELDS, model_name, positive, using

NAME = "values"
SEED = 0
# L2 strength per field: 0.5, except the intervention namer, whose many word features overfit at 0.5 (5-fold CV over
# three fold seeds, arm n 0.636 / 0.625 / 0.631 at 0.5 against 0.652 / 0.636 / 0.636 at 0.25; 0.15 scores as 0.25,
# 0.05 lower; the outcome-arm model's C changes nothing between 0.25 and 1.5)
C_BY_FIELD = {"size": 0.5, "duration": 0.5, "arm_n": 0.5, "outcome": 0.5, "outcome_arm": 0.5, "intervention": 0.25}
# Fields whose trained model lost to the rules in 5-fold CV (arm n: 0.421 trained vs 0.427 rules): the rules decide.
RULES_WIN = ("arm_n",)
SHIPPED_FIELDS = tuple(f for f in VALUE_FIELDS if f not in RULES_WIN)
OVERRIDE_AT = 0.0  # the best option wins: 0.5 (override only when confident) gave 0.409 in CV, 0.0 gives 0.433
ARGMAX_FIELDS = ("outcome_arm",)  # every value has an arm: the best option wins, there is no "none"
THRESHOLDS = [round(0.05 * k, 2) for k in range(1, 19)]
# pick_threshold averages each threshold's held-out F1 with this many neighbours on each side. In 5-fold CV over
# train + dev (seeds 13 and 7) the thresholds picked without it moved by up to 0.25 when three training articles
# changed; with it, 9 of the 11 gated fields held or rose on both seeds.
SMOOTH = 1


@dataclass
class Example:
    field: str
    group: str  # article id: folds never split an article
    owner: int  # which decision the candidate competes in (one trial's size, one arm's n, one outcome)
    features: dict[str, float]
    label: bool
    value: Any = None


def _scorer():
    """The scorer, imported when labels are made (training only; the runtime never loads it)."""
    from pipeline.evaluation import scorer as ev

    return ev


# --- labels -----------------------------------------------------------------------------


def _trial_map(ev: Any, gold: Mapping[str, Any], pred: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    gts, pts = list(gold.get("trials") or []), list(pred.get("trials") or [])
    pairs = ev._assign([[ev.trial_similarity(g, p) for p in pts] for g in gts], ev.TRIAL_MATCH_MIN)
    return {pi: gts[gi] for gi, pi in pairs}


def _arm_map(ev: Any, gold_trial: Mapping[str, Any] | None, pred_trial: Mapping[str, Any]) -> dict[int, Mapping]:
    if gold_trial is None:
        return {}
    gas, pas = list(gold_trial.get("arms") or []), list(pred_trial.get("arms") or [])
    pairs = ev._assign([[ev.arm_similarity(g, p) for p in pas] for g in gas], ev.ARM_MATCH_MIN)
    return {pi: gas[gi] for gi, pi in pairs}


def _accepted(ev: Any, trials: Iterable[Mapping[str, Any]], key: str, norm: Any) -> set[Any]:
    out = set()
    for t in trials:
        for v in [t.get(key), *ev._as_list(t.get(f"{key}_alt"))]:
            if (n := norm(v)) is not None:
                out.add(n)
    return out


def _outcome_values(ev: Any, trials: Iterable[Mapping[str, Any]]) -> list[float]:
    return [v for t in trials for o in t.get("outcomes") or () if (v := ev.to_number(o.get("value"))) is not None]


class _Labels:
    """Labels of one article's candidates: the gold trial each predicted trial matches, and its arms."""

    def __init__(self, ev: Any, gold: Mapping[str, Any], claims: Any, pred: Mapping[str, Any]) -> None:
        self.ev, self.claims, self.pred = ev, claims, pred
        self.tmap = _trial_map(ev, gold, pred)
        self.required = [t for t in gold.get("trials") or [] if not t.get("optional")]
        self.index = {id(t): k for k, t in enumerate(claims.trials)}
        self.arm_maps: dict[int, dict[int, Mapping]] = {}

    def gold_trial(self, trial: Any) -> tuple[int | None, Mapping[str, Any] | None]:
        k = self.index.get(id(trial))
        return k, (self.tmap.get(k) if k is not None else None)

    def gold_arm(self, trial: Any, arm: Any) -> Mapping[str, Any] | None:
        k, gold_trial = self.gold_trial(trial)
        if k is None or gold_trial is None:
            return None
        if k not in self.arm_maps:
            self.arm_maps[k] = _arm_map(self.ev, gold_trial, self.pred["trials"][k])
        arm_idx = next((j for j, a in enumerate(trial.arms) if a is arm), None)
        return self.arm_maps[k].get(arm_idx)

    def label(self, field_name: str, owner: Any, cand: Any) -> bool | None:
        """True/False, or None when the candidate says nothing the gold can judge."""
        ev = self.ev
        trial = owner[0] if isinstance(owner, tuple) else owner
        _, gold_trial = self.gold_trial(trial)
        pool = [gold_trial] if gold_trial is not None else self.required
        if field_name == "size":
            return cand.value in _accepted(ev, pool, "size", lambda v: None if ev.to_number(v) is None else int(
                ev.to_number(v)))
        if field_name == "duration":
            return ev.scored_duration(cand.value) in _accepted(ev, pool, "duration", ev.scored_duration)
        if field_name == "arm_n":
            gold_arm = self.gold_arm(trial, owner[1])
            return gold_arm is not None and ev.to_number(gold_arm.get("n")) == cand.value
        if field_name == "outcome":
            return any(ev._close(cand.value, v) for v in _outcome_values(ev, pool))
        if field_name == "intervention":
            return self.names_arm(gold_trial, cand.value)
        return self.attribution(trial, owner[1], cand.value)

    def names_arm(self, gold_trial: Mapping[str, Any] | None, name: str) -> bool | None:
        """Does an arm named ``name`` match an active arm of the gold trial, as the scorer matches arms?"""
        if gold_trial is None:
            return None
        probe = {"label": name, "intervention": name}
        return any(self.ev.arm_similarity(arm, probe) >= self.ev.ARM_MATCH_MIN
                   for arm in gold_trial.get("arms") or () if not COMPARATOR_ARM.search(str(arm.get("label") or "")))

    def attribution(self, trial: Any, outcome: Any, option: str) -> bool | None:
        ev = self.ev
        _, gold_trial = self.gold_trial(trial)
        if gold_trial is None:
            return None
        golds = [o for o in gold_trial.get("outcomes") or () if ev._close(ev.to_number(o.get("value")), outcome.value)]
        if not golds:
            return None
        keys = {"=" + ev._POOLED[k] if (k := ev._arm_key(o.get("arm"))) in ev._POOLED else k for o in golds}
        key = ev._arm_key(option)
        if key in ev._POOLED:
            return "=" + ev._POOLED[key] in keys
        arm = next((a for a in trial.arms if a.label == option), None)
        gold_arm = self.gold_arm(trial, arm)
        return gold_arm is not None and ev._arm_key(gold_arm.get("label")) in keys


def _owner_key(field_name: str, owner: Any, cand: Any) -> int:
    if field_name == "outcome":
        return id(cand)
    return id(owner[1]) if isinstance(owner, tuple) else id(owner)


def label_article(nlp: Any, gold: Mapping[str, Any], text: str) -> list[Example]:
    """Every candidate the extractor weighs on one article, labelled against the gold."""
    from pipeline.extract import extract

    ev = _scorer()
    recorded: list[tuple[str, Any, Any]] = []
    with using(models={}, recorder=recorded):
        claims = extract(nlp, text)
    labels = _Labels(ev, gold, claims, claims.to_json(text))
    out = []
    for field_name, owner, cand in recorded:
        label = labels.label(field_name, owner, cand)
        if label is not None:
            out.append(Example(field_name, str(gold.get("id")), _owner_key(field_name, owner, cand), cand.features,
                               bool(label), cand.value))
    return out


def collect(records: Sequence[Mapping[str, Any]], texts: Mapping[str, str], nlp: Any) -> list[Example]:
    ev = _scorer()
    out: list[Example] = []
    for rec in records:
        text = ev.record_text(rec, texts) or ""
        if text.strip():
            out.extend(label_article(nlp, rec, text))
    return out


# --- fitting and thresholds ---------------------------------------------------------------


def fit_field(examples: Sequence[Example], field_name: str, meta: Mapping[str, Any] | None = None) -> LinearModel | None:
    rows = [e for e in examples if e.field == field_name]
    if not rows or len({e.label for e in rows}) < 2:
        return None
    return fit([e.features for e in rows], ["1" if e.label else "0" for e in rows], c=C_BY_FIELD[field_name],
               seed=SEED, meta={"field": field_name, **(meta or {})})


def decision_counts(model: LinearModel, examples: Sequence[Example], field_name: str, thr: float
                    ) -> tuple[int, int, int]:
    """(tp, fp, fn) of the decision the extractor makes with ``thr``: per owner, the best candidate above it
    (keep/drop for outcomes), counted like the scorer counts a field (a wrong pick is a FP and a FN)."""
    owners: dict[tuple[str, int], list[Example]] = defaultdict(list)
    for e in examples:
        if e.field == field_name:
            owners[(e.group, e.owner)].append(e)
    tp = fp = fn = 0
    for rows in owners.values():
        p, best = max(((positive(model, e.features), e) for e in rows), key=lambda q: q[0])
        has_gold = any(e.label for e in rows)
        if p >= thr:
            tp += int(best.label)
            fp += int(not best.label)
            fn += int(has_gold and not best.label)
        else:
            fn += int(has_gold)
    return tp, fp, fn


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def decision_f1(model: LinearModel, examples: Sequence[Example], field_name: str, thr: float) -> float:
    return _f1(*decision_counts(model, examples, field_name, thr))


def pick_threshold(held: Sequence[tuple[LinearModel, Sequence[Example]]], field_name: str) -> float:
    """The threshold with the best pooled F1 over held-out sets, each scored by a model that did not see it,
    averaged with its neighbours on the grid (``SMOOTH`` on each side): a few hundred held-out candidates give a
    ragged F1 curve, and its single highest point moves with every small change in the training data."""
    if field_name in ARGMAX_FIELDS:
        return OVERRIDE_AT

    def pooled(t: float) -> float:
        counts = [decision_counts(m, rows, field_name, t) for m, rows in held]
        return _f1(*(sum(c[j] for c in counts) for j in range(3)))
    return smoothed_best([pooled(t) for t in THRESHOLDS])


def smoothed_best(f1s: Sequence[float]) -> float:
    """The threshold of ``THRESHOLDS`` (``f1s``: the F1 at each) whose F1 averaged with its ``SMOOTH`` neighbours
    on each side is highest; of equals, the one nearest 0.5."""
    # rounded: means of equal values differ in their last bits (three 0.7s average 0.6999...), which would break ties
    smoothed = {t: round(statistics.fmean(f1s[max(0, k - SMOOTH):k + SMOOTH + 1]), 9) for k, t in enumerate(THRESHOLDS)}
    return max(THRESHOLDS, key=lambda t: (smoothed[t], -abs(t - 0.5)))


def out_of_fold(examples: Sequence[Example], field_name: str, k: int = 3) -> list[tuple[LinearModel, list[Example]]]:
    out = []
    for fold in split_groups(sorted({e.group for e in examples}), k):
        inner = fit_field([e for e in examples if e.group not in fold], field_name)
        if inner is not None:
            out.append((inner, [e for e in examples if e.group in fold and e.field == field_name]))
    return out


def fit_all(train_ex: Sequence[Example], choose_ex: Sequence[Example] = (), meta: Mapping[str, Any] | None = None,
            fields: Sequence[str] = SHIPPED_FIELDS) -> dict[str, LinearModel]:
    """One model per field fitted on ``train_ex``. Its threshold is chosen on held-out predictions: ``choose_ex``
    (dev) scored by that model, pooled with out-of-fold predictions on ``train_ex`` (an inner 3-fold split), so
    that 38 dev articles, on which the rules were tuned, do not set it alone."""
    out = {}
    for field_name in fields:
        model = fit_field(train_ex, field_name, meta)
        if model is None:
            continue
        held = out_of_fold(train_ex, field_name) if field_name not in ARGMAX_FIELDS else []
        if choose_ex:
            held.append((model, [e for e in choose_ex if e.field == field_name]))
        model.meta["threshold"] = pick_threshold(held, field_name)
        out[field_name] = model
    return out


def train(records: list[dict], texts: dict[str, str], nlp: Any, dev: list[dict] | None = None) -> dict[str, LinearModel]:
    """Contract entry point: {"value_<field>": model}, fitted on ``records``, thresholds as in ``fit_all``."""
    examples = collect(records, texts, nlp)
    choose = collect(dev, texts, nlp) if dev else []
    return {model_name(f): m for f, m in fit_all(examples, choose).items()}


def split_groups(groups: Sequence[str], k: int, seed: int = SEED) -> list[set[str]]:
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    return [set(order[j::k]) for j in range(k)]

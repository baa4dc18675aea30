"""Run-time value decisions: trained models pick the trial size, duration and arm n among rule candidates.

The models are the ``value_<field>`` ones ``claims_decide`` holds (``build_nlp`` loads them); while an article is
assembled ``models_of`` makes them active, and a field without a model is decided by the rules alone. Training
code swaps its own models in (``using``) and records every candidate with its features.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.extensions import Found
from pipeline.learn.linear import LinearModel
from pipeline.learn.value_candidates import (
    COMPARATOR_ARM,
    POOLED_LABELS,
    Candidate,
    arm_pair_features,
    attribution_features,
    duration_candidates,
    duration_features,
    number_candidates,
    outcome_features,
    size_features,
    value_position,
)
from pipeline.normalize import plausible_duration
from pipeline.patterns import load_rules

VALUE_FIELDS = ("size", "duration", "arm_n", "outcome", "outcome_arm", "intervention")
DEFAULT_THRESHOLD = 0.5
# Fields where the rules' own pick stands when the model finds no candidate above its threshold: the model adds the
# durations the rules miss and may prefer another candidate, but does not veto the rules (CV: 0.721, 0.710 without).
FALLBACK_FIELDS = ("duration",)
# A value a precise outcome rule proposed is dropped only when the outcome model is quite sure it is no result (a
# broad rule's value must clear the model's threshold). CV over train + dev, outcome value any arm / right arm:
# never dropped 0.709 / 0.483, below 0.2: 0.720 / 0.489, 0.3: 0.723 / 0.493, 0.4: 0.723 / 0.495; dev 0.884 -> 0.893
# at 0.3 and 0.4 alike; the lower of the two is kept.
PRECISE_DROP_BELOW = 0.3
MentionFn = Callable[[str, int, list], list]
SIZE_VETOES_AFTER = ("decide.size_part_after", "decide.size_part_of_after", "decide.size_died_after",
                     "decide.size_completers_after")


@dataclass
class Choice:
    """The value kept for a field, where it is, the rule that proposed it and the model's probability."""

    value: Any
    start: int
    end: int
    rule_id: str
    score: float | None = None
    found: Found | None = None


@cache
def _cue(rule_id: str) -> re.Pattern:
    """A cue of data/patterns/decide.jsonl: what a candidate's neighbours say it cannot be."""
    return next(rule.regex for rule in load_rules("decide") if rule.id == rule_id)


def model_name(field_name: str) -> str:
    return f"value_{field_name}"


class _State:
    models: dict[str, LinearModel] | None = None  # None: no value model (``models_of`` sets the pipeline's)
    recorder: list[tuple[str, Any, Any]] | None = None


STATE = _State()


def active_model(field_name: str) -> LinearModel | None:
    return (STATE.models or {}).get(field_name)


@contextmanager
def models_of(decider: Any) -> Iterator[None]:
    """While one article is assembled: the value models the pipeline's ``claims_decide`` holds (loaded by
    ``build_nlp``; none: the rules decide), unless training code has swapped its own in with ``using``."""
    if STATE.models is not None or STATE.recorder is not None:
        yield
        return
    held = decider.models if decider is not None else {}
    with using(models={f: held[model_name(f)] for f in VALUE_FIELDS if model_name(f) in held}):
        yield


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
        if field_name in FALLBACK_FIELDS and rule_choice is not None:
            rule_choice.score = round(next((positive(model, c.features) for c in cands if c.found is rule_choice.found),
                                           0.0), 4)
            return rule_choice  # a rule's precise match stands unless the model prefers another candidate
        return None
    p, cand = best
    return Choice(cand.value, cand.start, cand.end, cand.rule_id, round(p, 4), cand.found)


def counts_participants(text: str, start: int, end: int) -> bool:
    """Whether a head count can be a trial's size (GUIDELINE 4.3), judged by its neighbours: not the number of a
    ratio ("about one in 20 men"), a combined or pooled total of several studies ("a combined total of 1,384
    patients"), one part of a sum ("15 men and 15 women": no arithmetic), a part of a whole ("nine of the 10"), a
    death toll ("at least 30 patients have died") nor completers ("27 other patients completed", GUIDELINE 4.3)."""
    before, after = text[max(0, start - 40):start], text[end:end + 40]
    return not (_cue("decide.size_ratio_before").search(before) or _cue("decide.size_pooled_before").search(before)
                or any(_cue(cue).match(after) for cue in SIZE_VETOES_AFTER))


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
    if STATE.recorder is None:
        # numbers that count no trial's participants are never the pick; training still sees every candidate, so the
        # model and its threshold are the same either way
        cands = [c for c in cands if counts_participants(text, c.start, c.end)]
    return _pick("size", owner, cands, rule_choice)


def choose_intervention(text: str, sents: list[tuple[int, int]], sent_ids: list[int], found: list[tuple[int, Found]],
                        owner: Any = None) -> Choice | None:
    """A name for the active arm of a trial the rules found none for (``found``: the arm component's matches);
    the rules alone name none."""
    from pipeline.learn.interventions import intervention_candidates, intervention_features, names_no_treatment

    if not sent_ids or (active_model("intervention") is None and STATE.recorder is None):
        return None
    cands = intervention_candidates(text, sents, sent_ids, found)
    intervention_features(text, sents, cands, getattr(owner, "name", None))
    if STATE.recorder is None:
        # never a condition ("patients with advanced lymphoma") or a phrase on a verb or preposition ("is
        # negative"); training still sees every candidate, so the model and its threshold are the same either way
        cands = [c for c in cands if not names_no_treatment(c.value)]
    return _pick("intervention", owner, cands, None)


def choose_duration(text: str, sents: list[tuple[int, int]], sent_ids: list[int], found: list[tuple[int, Found]],
                    rule_pick: Found | None, owner: Any = None) -> Choice | None:
    rule_choice = None
    if rule_pick is not None:
        rule_choice = Choice(rule_pick.data["duration"], rule_pick.start, rule_pick.end, rule_pick.rule_id, None,
                             rule_pick)
    if STATE.recorder is None and rule_choice is not None and not plausible_duration(rule_choice.value):
        rule_choice = None
    if not sent_ids:
        return rule_choice
    cands = duration_candidates(text, sents, sent_ids, found)
    duration_features(text, sents, cands, sent_ids[0], rule_pick)
    if STATE.recorder is None:
        # a span no trial runs for ("for more than 60 years", "married for 43 years") or the period of a rate ("a sauna
        # twice a week") is never the pick; training still sees every candidate, so the model and its threshold are
        # the same either way
        cands = [c for c in cands if plausible_duration(c.value) and not is_rate_period(text, c.start, c.end)]
    return _pick("duration", owner, cands, rule_choice)


def is_rate_period(text: str, start: int, end: int) -> bool:
    """Whether a time span is the period of a rate ("twice a week", "three days a week", "one sauna a week"): how often,
    not how long."""
    return (re.match(r"(?:a|an|per|each|every)\s", text[start:end], re.I) is not None
            and bool(_cue("decide.duration_rate_before").search(text[max(0, start - 30):start])))


def choose_arm_n(text: str, sents: list[tuple[int, int]], sent_ids: list[int], found: list[tuple[int, Found]],
                 arms: list, mentions_of: MentionFn, trial: Any = None) -> None:
    """Give arms their n: (number, arm) pairs scored by a model, assigned greedily (one number per arm and one arm
    per number) above the model's threshold. Without a model the rules' n stay."""
    model = active_model("arm_n")
    if not arms or not sent_ids or (model is None and STATE.recorder is None):
        return
    cands = number_candidates("arm_n", text, sents, sent_ids, found)
    size_features(text, sents, cands, sent_ids[0], None)
    mentions: dict[int, list] = {}
    pairs = []
    for cand in cands:
        if cand.sent not in mentions:
            s0, e0 = sents[cand.sent]
            mentions[cand.sent] = mentions_of(text[s0:e0], s0, arms)
        cand.features["_sent_rank"] = sum(1 for c in cands if c.sent == cand.sent and c.start < cand.start)
        for arm in arms:
            x = arm_pair_features(text, sents[cand.sent], cand, arm, arms, mentions[cand.sent],
                                  getattr(trial, "size", None))
            pairs.append((Candidate("arm_n", cand.value, cand.start, cand.end, cand.sent, cand.rules, cand.found, x), arm))
    if STATE.recorder is not None:
        STATE.recorder.extend(("arm_n", (trial, arm), c) for c, arm in pairs)
    if model is None:
        return
    scored = sorted(((positive(model, c.features), k, c, arm) for k, (c, arm) in enumerate(pairs)),
                    key=lambda p: (-p[0], p[1]))
    # the rules' n stay (they are precise); the model fills the arms the rules left without one
    done_arms = {id(a) for a in arms if a.n is not None}
    used = {a.n_start for a in arms if a.n_start is not None}
    for p, _, cand, arm in scored:
        if p < threshold(model):
            break
        if id(arm) in done_arms or cand.start in used:
            continue
        done_arms.add(id(arm))
        used.add(cand.start)
        arm.n, arm.n_start, arm.n_end = cand.value, cand.start, cand.end
        arm.n_rule_id, arm.n_score = cand.rule_id, round(p, 4)


def _threshold_or_ratio(text: str, outcome: Any, pos: int) -> bool:
    """Whether the outcome's number at ``pos`` is a responder threshold ("at least a 90 percent reduction") or the one
    of a ratio ("1 in 3 infections were prevented"): neither is a result value (GUIDELINE 6)."""
    if outcome.unit == "%" and _cue("decide.outcome_threshold_before").search(text[max(0, pos - 30):pos]):
        return True
    end = re.match(r"[\w.,]+", text[pos:pos + 20])
    return (float(outcome.value) == 1 and end is not None
            and bool(_cue("decide.outcome_ratio_after").match(text[pos + end.end():pos + end.end() + 30])))


def _age_or_phase(text: str, pos: int) -> bool:
    """Whether the number at ``pos`` is an age ("between 55 and 87 years old", "people aged 70") or a trial phase
    ("Phase 1 was key"): who took part and which trial, never a result (GUIDELINE 6)."""
    before = text[max(0, pos - 30):pos]
    if _cue("decide.outcome_age_before").search(before) or _cue("decide.outcome_phase_before").search(before):
        return True
    end = re.match(r"[\w.,]*\d", text[pos:pos + 20])
    return end is not None and bool(_cue("decide.outcome_age_after").match(text[pos + end.end():pos + end.end() + 30]))


def _pronoun_one(text: str, outcome: Any, pos: int) -> bool:
    """Whether the outcome's 1 at ``pos`` is the word "one" used as a pronoun or an article ("no one had tested it",
    "one could choose walking", "one expert said", "on one day"), not a count of anyone."""
    if float(outcome.value) != 1:
        return False
    if text[pos:pos + 3].lower() != "one" or text[pos + 3:pos + 4].isalnum():
        return False
    return bool(_cue("decide.outcome_one_pronoun_before").search(text[max(0, pos - 10):pos])
                or _cue("decide.outcome_one_pronoun_after").match(text[pos + 3:pos + 30]))


def _counts_a_study(text: str, pos: int) -> bool:
    """Whether the number at ``pos`` is the head count of a study ("In a pilot study of 13 breast cancer patients"):
    its size, not one of its results."""
    return bool(_cue("decide.outcome_study_size_before").search(text[max(0, pos - 40):pos]))


def not_a_result(text: str, outcome: Any) -> bool:
    """A number the guideline never counts as a result value, whatever a model says: a responder threshold or the one
    of a ratio, an age or a trial phase, the pronoun "one", the head count of a study. The number is found once."""
    if outcome.value is None:
        return False
    pos = value_position(text, outcome)
    return (_threshold_or_ratio(text, outcome, pos) or _age_or_phase(text, pos) or _pronoun_one(text, outcome, pos)
            or _counts_a_study(text, pos))


def keep_outcomes(text: str, sents: list[tuple[int, int]], sent_ids: list[int], outcomes: list, trial: Any = None
                  ) -> list:
    """Drop the numeric outcomes a model scores below its threshold (baseline figures, background, targets the
    rules let through; a precise rule's value only below ``PRECISE_DROP_BELOW``); values without a number and every
    outcome when no model is shipped stay."""
    model = active_model("outcome")
    if STATE.recorder is None:
        # never a responder threshold ("shrank by at least 30 percent": GUIDELINE 6 puts it in the measure) or the
        # "1" of "1 in 5 patients" (a fraction: value null), an age, a trial phase, the pronoun "one" ("no one had
        # tested it") or a study's head count; run time only, the model is the same either way
        outcomes = [o for o in outcomes if not not_a_result(text, o)]
    if model is None and STATE.recorder is None:
        return outcomes
    kept = []
    for outcome in outcomes:
        if outcome.value is None:
            kept.append(outcome)
            continue
        source = "broad" if outcome.rule_id in model_only_rules("outcome") else "precise"
        size = getattr(trial, "size", None)
        if source == "broad" and size and outcome.unit != "%" and outcome.value > size:
            continue  # a head count larger than the whole trial is not one of its results
        k = next((j for j, i in enumerate(sent_ids) if sents[i][0] <= outcome.start < sents[i][1]), 0)
        x = outcome_features(text, sents[sent_ids[k]], outcome, k / max(len(sent_ids), 1))
        # the broad count rules and the precise rules propose different kinds of values: each feature also per source
        x.update({f"{source}:{name}": value for name, value in list(x.items())})
        x[f"source={source}"] = 1.0
        if STATE.recorder is not None:
            STATE.recorder.append(("outcome", trial, Candidate("outcome", outcome.value, outcome.start, outcome.end,
                                                               sent_ids[k], [outcome.rule_id], None, x)))
        if model is None:
            kept.append(outcome)
            continue
        outcome.score = round(positive(model, x), 4)
        if outcome.score >= threshold(model) or (source == "precise" and outcome.score >= PRECISE_DROP_BELOW):
            kept.append(outcome)
    return kept


@cache
def model_only_rules(name: str) -> frozenset[str]:
    """Ids of the candidate rules marked ``needs_model``: too broad to trust unless a model weighs their matches."""
    return frozenset(r.id for r in load_rules(name) if r.attrs.get("needs_model"))


def candidate_items(name: str, items: Callable[[str], list]) -> Callable[[str], list]:
    """``items`` without the matches of model-only rules of ``name`` when no model for that field is active."""
    if active_model(name) is not None or STATE.recorder is not None:
        return items
    dropped = model_only_rules(name)
    key_of = name.upper()
    return lambda key: [p for p in items(key) if key != key_of or p[1].rule_id not in dropped]


def attribute_outcomes(text: str, sents: list[tuple[int, int]], sent_ids: list[int], outcomes: list, arms: list,
                       mentions_of: MentionFn, trial: Any = None, *, pooled_cue: re.Pattern | None = None) -> None:
    """Re-decide which arm (or "all" / "between groups") a numeric outcome the rules left to the whole trial belongs
    to: (value, option) pairs scored by a model, the best option kept. Without a model the rules' attribution stays."""
    model = active_model("outcome_arm")
    if all(COMPARATOR_ARM.search(a.label) for a in arms) or (model is None and STATE.recorder is None):
        return  # with no active arm found, a value left to the whole trial cannot be given to its arm
    options = [(a.label, a) for a in arms] + [(label, None) for label in POOLED_LABELS]
    for outcome in outcomes:
        if outcome.value is None or outcome.arm not in POOLED_LABELS[:2]:
            continue  # the rules' own attributions (respectively, the sentence's subject, ...) stand
        k = next((i for i in sent_ids if sents[i][0] <= outcome.start < sents[i][1]), sent_ids[0])
        s0, e0 = sents[k]
        if pooled_cue is not None and pooled_cue.search(text[s0:e0]):
            continue  # "about 25% relapsed in each group": the sentence itself says the value is everyone's
        mentions = mentions_of(text[s0:e0], s0, arms)
        pos = value_position(text, outcome)
        cands = [Candidate("outcome_arm", label, outcome.start, outcome.end, k, [outcome.rule_id], None,
                           attribution_features(text, sents[k], outcome, pos, label, arm, arms, mentions))
                 for label, arm in options]
        if STATE.recorder is not None:
            STATE.recorder.extend(("outcome_arm", (trial, outcome), c) for c in cands)
        if model is None:
            continue
        scored = [(positive(model, c.features), j) for j, c in enumerate(cands)]
        p, j = max(scored)
        label, arm = options[j]
        if p >= threshold(model) and label != outcome.arm:
            _reattribute(outcome, label, arm, arms)


def _reattribute(outcome: Any, label: str, arm: Any, arms: list) -> None:
    """Move an outcome to another arm, reading its direction the way the rules read one there: a comparator's value
    is the reference, an arm's value or a difference is a result, a pooled figure has no direction."""
    outcome.arm = label
    comparators = [a for a in arms if COMPARATOR_ARM.search(a.label)]
    if arm is not None and arm in comparators:
        outcome.direction, outcome.comparator = "reference", None
        return
    if arm is None and label != "between groups":
        outcome.comparator = None
        if outcome.direction != "no difference":
            outcome.direction = None
        return
    outcome.comparator = comparators[0].label if comparators and arm is not None else None
    if outcome.direction in (None, "reference"):
        # a harm stated for one arm alone ("16 patients experienced neutropenia") has no direction, as the rules read it
        from pipeline.assemble.cues import HARM, reads_as_benefit  # here: pipeline.assemble imports this module

        clause = outcome.text or ""
        outcome.direction = None if HARM.search(clause) and not reads_as_benefit(clause) else "improved"

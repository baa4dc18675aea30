"""claims_from_doc: an article's spans, segmented into trials, each assembled with its arms, doses and outcomes."""

from __future__ import annotations

from collections import defaultdict

from spacy.tokens import Doc

from models.records import Arm, ArticleClaims, Trial
from pipeline.assemble.arms import COMPARATIVE_TAGS, build_arms, give_results_to, name_active_arm, single_arm
from pipeline.assemble.cues import is_comparator
from pipeline.assemble.flags import consistency_flags
from pipeline.assemble.mentions import arm_mentions
from pipeline.assemble.outcomes import assemble_outcomes
from pipeline.assemble.payloads import Bucket, FoundBySentence, TrialScope
from pipeline.assemble.segment import segment
from pipeline.assemble.trial import design, identity, size_and_duration, size_of_an_arm
from pipeline.extensions import Found, doc_text, sentence_spans
from pipeline.learn.value_decide import choose_arm_n, models_of

TRIAL_TYPES = {"rct", "trial"}
LABELS = ("DESIGN", "TRIAL_SIZE", "DURATION", "DOSE", "TRIAL_CUE", "OUTCOME", "ARM", "HEDGE")


def claims_from_doc(doc: Doc) -> ArticleClaims:
    """Turn the spans of the claims components into an ArticleClaims (with the pipeline's value models)."""
    with models_of(doc._.decider):
        return _claims_from_doc(doc)


def _claims_from_doc(doc: Doc) -> ArticleClaims:
    study_type = doc._.study_type or "other"
    if study_type not in TRIAL_TYPES:
        return _decided(doc, ArticleClaims(study_type=study_type, trials=[]))
    text = doc_text(doc)
    sents = sentence_spans(doc)
    by_sent = found_by_sentence(doc)
    buckets = segment(text, sents, by_sent["TRIAL_CUE"])
    trials = []
    for bucket in buckets:
        trial = build_trial(text, sents, bucket, by_sent, study_type)
        if trial is not None:
            trials.append(trial)
    if not any(t.role == "main" for t in trials) and trials:
        # The article's own study is the first described when no sentence was left for a main one.
        first = min(trials, key=lambda t: t.evidence[0][0] if t.evidence else 0)
        if first.role == "mentioned":
            first.role = "main"
    return _decided(doc, ArticleClaims(study_type=study_type, trials=trials))


def found_by_sentence(doc: Doc) -> FoundBySentence:
    """What the components found, by label and then by sentence."""
    by_sent: FoundBySentence = {}
    for key in LABELS:
        groups: dict[int, list[Found]] = defaultdict(list)
        for found in (doc._.found or {}).get(key, []):
            groups[found.sent].append(found)
        by_sent[key] = groups
    return by_sent


def _decided(doc: Doc, claims: ArticleClaims) -> ArticleClaims:
    """The trained decisions over assembled trials (``claims_decide``), when models are loaded."""
    claims.study_type_score = doc._.study_type_score
    if doc._.decider is not None:
        doc._.decider.finish(doc, claims)
    agree_study_type(claims, doc._.study_type_proba)
    if claims.study_type == "trial":
        # a main trial assembled as an rct's, or as a mentioned one made main, may be the one-arm trial it now is
        for trial in claims.trials:
            sole = single_arm(trial, trial.arms, claims.study_type, trial.role) if trial.role == "main" else None
            if sole is not None:
                give_results_to(sole, trial.outcomes)
    return claims


def agree_study_type(claims: ArticleClaims, proba: dict[str, float] | None) -> None:
    """The study type agrees with the article's main trials (GUIDELINE 2.1): typed a one-arm ``trial`` while a main
    trial is randomized or controlled, it is an ``rct`` (arms are compared); typed ``rct`` while every main trial has
    at most one arm, no comparator and no comparative tag, it is a ``trial``. Its score is then the study-type
    model's probability of the new type."""
    mains = [t for t in claims.trials if t.role == "main"]
    compared = any(set(t.design) & COMPARATIVE_TAGS for t in mains)
    if claims.study_type == "trial" and compared:
        claims.study_type = "rct"
    elif (claims.study_type == "rct" and mains and not compared
          and all(len(t.arms) <= 1 and not any(is_comparator(a) for a in t.arms) for t in mains)):
        claims.study_type = "trial"
    else:
        return
    claims.study_type_score = round(proba.get(claims.study_type, 0.0), 4) if proba else None


def build_trial(text: str, sents: list[tuple[int, int]], bucket: Bucket, by_sent: FoundBySentence,
                study_type: str = "rct") -> Trial | None:
    """One bucket's trial: its facts, arms and outcomes; None when nothing concrete describes a trial."""
    scope = TrialScope(text, sents, bucket, by_sent)
    trial = Trial(role=bucket.role, status=bucket.status)
    size_and_duration(scope, trial)
    design(scope, trial)
    identity(scope, trial)
    # arms from doses, assignments and comparators
    arms = build_arms(scope)
    name_active_arm(scope, arms, trial)
    choose_arm_n(text, sents, bucket.sents, scope.items("ARM") + scope.items("TRIAL_SIZE"), arms, arm_mentions, trial)
    size_of_an_arm(trial, arms)
    sole = single_arm(trial, arms, study_type, bucket.role)
    scope.evidence.update(scope.sentence_of(a.n_start) for a in arms if a.n_start is not None)
    trial.arms = arms
    if bucket.role != "planned":
        assemble_outcomes(scope, trial, arms)
        if sole is not None:
            give_results_to(sole, trial.outcomes)
    if not _concrete(scope, trial, arms, study_type):
        return None
    if bucket.role == "mentioned" and bucket.cue and not scope.evidence:
        scope.evidence.update(bucket.sents[:1])
    trial.evidence = [sents[i] for i in sorted(scope.evidence)]
    trial.flags = consistency_flags(trial)
    return trial


def _concrete(scope: TrialScope, trial: Trial, arms: list[Arm], study_type: str) -> bool:
    """Whether the bucket describes a trial: a size, arms, values, a name, a phase... (a planned one: less)."""
    bucket = scope.bucket
    concrete = (trial.size or any(a.doses or a.n for a in arms) or any(o.value is not None for o in trial.outcomes)
                or trial.name or trial.phase or trial.registry or (trial.duration and bucket.status != "ongoing")
                or (trial.terminated and bucket.role == "mentioned"))
    if study_type == "trial" and bucket.role == "main" and not (trial.size or arms or trial.phase or trial.registry
                                                                or trial.name or trial.duration or trial.design):
        concrete = False  # results alone, with no trial described, are not evidence of a trial
    if bucket.role == "planned":
        concrete = bool(trial.size or any(a.doses for a in arms) or trial.phase or trial.design)
        if concrete:
            scope.evidence.update(bucket.sents[:1])
    return bool(concrete)

"""Trained decision: the direction of each assembled outcome (improved, worsened, no difference, reference, none)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from models.records import ArticleClaims, Outcome, Trial
from pipeline.assemble import TRIAL_TYPES, claims_from_doc
from pipeline.assemble.cues import COMPARATOR_WORDS, HARM, NO_DIFF, REDUCTION, RELATIVE, RESPECTIVELY, SUCCESS
from pipeline.extensions import doc_text, sentence_spans
from pipeline.learn.linear import LinearModel, fit
from pipeline.learn.value_candidates import cue_reader

NAME = "direction"
NONE = "none"
WORD = re.compile(r"[a-z][a-z-]+")
CUES = {
    "no_diff": NO_DIFF, "harm": HARM, "reduction": REDUCTION, "success": SUCCESS, "relative": RELATIVE,
    "respectively": RESPECTIVELY,
    "comparison": re.compile(r"\b(?:compared|versus|vs\b|than|while|whereas)\b", re.I),
    "hedge": re.compile(r"\b(?:may|might|could|appear|suggest|trend|not significant|preliminary)\w*", re.I),
    "increase": re.compile(r"\b(?:increas\w*|rose|higher|more|greater|gain\w*|doubl\w*|improv\w*)\b", re.I),
    "negation": re.compile(r"\b(?:no|not|n't|neither|nor|without)\b", re.I),
}
READ_CUES = cue_reader(CUES)
C = 1.0
# In 5-fold CV over train + dev the model's directions were less often right than the rules' (0.73-0.76 against
# 0.81 on the 192 outcomes the scorer pairs; 0.81 at best when it overrides the rules only above p 0.8), so the
# rules keep deciding and the model gives each direction its probability (``direction_score``).
OVERRIDE = False


def _arm_kind(trial: Trial, outcome: Outcome) -> str:
    label = outcome.arm
    if label in (None, "all", "all groups", "between groups", "other"):
        return str(label)
    if COMPARATOR_WORDS.search(label):
        return "comparator"
    return "active"


def features(doc: Doc, trial: Trial, outcome: Outcome) -> dict[str, float]:
    """The rules' direction, which arm the value went to, the cue words of its clause and sentence."""
    text = doc_text(doc)
    spans = sentence_spans(doc)
    k = max(0, bisect.bisect_right([s for s, _ in spans], outcome.start) - 1)
    sent = text[spans[k][0]:spans[k][1]] if spans else outcome.text
    x: dict[str, float] = {f"rule={outcome.direction or NONE}": 1.0, f"arm={_arm_kind(trial, outcome)}": 1.0,
                           f"unit={outcome.unit}": 1.0, f"rule_id={outcome.rule_id}": 1.0,
                           f"valued={outcome.value is not None}": 1.0, f"role={trial.role}": 1.0}
    if outcome.comparator:
        x["has_comparator"] = 1.0
    if outcome.baseline is not None:
        x["has_baseline"] = 1.0
    in_clause, in_sent = READ_CUES(outcome.text), READ_CUES(sent)
    for name in CUES:
        if name in in_clause:
            x[f"clause:{name}"] = 1.0
        if name in in_sent:
            x[f"sent:{name}"] = 1.0
    x.update({f"c:{w}": 1.0 for w in set(WORD.findall(outcome.text.lower()))})
    x.update({f"s:{w}": 0.5 for w in set(WORD.findall(sent.lower()))})
    x.update({f"hedge={h}": 1.0 for h in outcome.hedges})
    return x


def examples(record: Mapping[str, Any], doc: Doc, use_arm: bool = True) -> tuple[list[dict[str, float]], list[str]]:
    """Features of the rules' outcomes that the scorer pairs with a gold outcome, labelled with the gold direction.
    The article is assembled as a trial report (the gold says it is one), whatever the rules' study type."""
    from pipeline.learn.gold import outcome_pairs

    if not any(t.get("outcomes") for t in record.get("trials") or []):
        return [], []
    kept = doc._.study_type
    doc._.study_type = kept if kept in TRIAL_TYPES else "rct"
    try:
        claims = claims_from_doc(doc)
    finally:
        doc._.study_type = kept
    predicted = {"id": record["id"], **claims.to_json(doc_text(doc))}
    xs, ys = [], []
    for go, ti, oi in outcome_pairs(record, predicted, use_arm):
        trial = claims.trials[ti]
        xs.append(features(doc, trial, trial.outcomes[oi]))
        ys.append(go.get("direction") or NONE)
    return xs, ys


def train(records: list[dict[str, Any]], texts: Mapping[str, str], nlp: Language) -> LinearModel:
    from pipeline.learn.parse import gather

    # use_arm off: more pairs than the scorer's
    xs, ys = gather(nlp, records, texts, lambda record, doc: examples(record, doc, use_arm=False))
    return fit(xs, ys, c=C, meta={"decision": NAME, "c": C})


def finish(doc: Doc, claims: ArticleClaims, models: Mapping[str, LinearModel]) -> None:
    """Score each outcome's direction; replace the rules' direction only when ``OVERRIDE`` (see its comment)."""
    model = models.get(NAME)
    if model is None:
        return
    for trial in claims.trials:
        for outcome in trial.outcomes:
            proba = model.predict_proba(features(doc, trial, outcome))
            if OVERRIDE:
                label = max(proba, key=proba.__getitem__)
                outcome.direction = None if label == NONE else label
            outcome.direction_score = round(proba.get(outcome.direction or NONE, 0.0), 4)

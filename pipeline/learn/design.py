"""Trained decision: keep or drop each design cue (randomized, placebo-controlled, multicenter, ...)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import Found, doc_text, sentence_spans
from pipeline.learn.linear import LinearModel, fit

NAME = "design"

WORD = re.compile(r"[a-z][a-z-]+")
GENERIC = re.compile(r"\b(?:more|further|additional|larger|future|other|previous|earlier|prior|many|most|several) "
                     r"(?:\w+ )?(?:research|studies|trials)\b", re.I)
NEGATED = re.compile(r"\b(?:no|not|without|never|non|nor|neither|instead of|rather than)\b[^.;,]{0,25}$", re.I)
C = 0.5


def cue_features(doc: Doc, f: Found, tag_counts: Mapping[str, int]) -> dict[str, float]:
    """The rule, its tag, the words around the cue and in its sentence, where the sentence lies."""
    text = doc_text(doc)
    start, end = sentence_spans(doc)[f.sent]
    sent = text[start:end]
    tag = f.data["tag"]
    x: dict[str, float] = {f"rule={f.rule_id}": 1.0, f"tag={tag}": 1.0,
                           f"tag_count={tag}": math.log1p(tag_counts.get(tag, 0)),
                           f"study_type={doc._.study_type}": 1.0,
                           f"sent_pos={min(f.sent // 5, 4)}": 1.0}
    before = WORD.findall(text[max(start, f.start - 40):f.start].lower())[-3:]
    after = WORD.findall(text[f.end:min(end, f.end + 40)].lower())[:3]
    x.update({f"b:{w}": 1.0 for w in before})
    x.update({f"a:{w}": 1.0 for w in after})
    x.update({f"{tag}|w:{w}": 1.0 for w in set(WORD.findall(sent.lower()))})
    if GENERIC.search(sent):
        x["generic_sentence"] = 1.0
    if NEGATED.search(text[max(start, f.start - 40):f.start]):
        x["negated"] = 1.0
    for cue in (doc._.found or {}).get("TRIAL_CUE", []):
        if cue.sent == f.sent:
            x[f"context={cue.data['role']}"] = 1.0
    return x


def cues(doc: Doc) -> list[Found]:
    return list((doc._.found or {}).get("DESIGN", []))


def _labels(record: Mapping[str, Any], doc: Doc, found: list[Found]) -> list[bool]:
    """A cue is right when its tag is in the design of a gold trial whose evidence covers its sentence
    (or, when none does, of any required gold trial of the article)."""
    trials = [t for t in record.get("trials") or [] if not t.get("optional")]
    every = {tag for t in trials for tag in t.get("design") or []}
    spans = sentence_spans(doc)
    out = []
    for f in found:
        s, e = spans[f.sent]
        covering = [t for t in trials if any(a < e and s < b for a, b in t.get("evidence_offsets") or [])]
        tags = {tag for t in covering for tag in t.get("design") or []} if covering else every
        out.append(f.data["tag"] in tags)
    return out


def train(records: list[dict[str, Any]], texts: Mapping[str, str], nlp: Language) -> LinearModel:
    from pipeline.learn.parse import parsed

    xs: list[dict[str, float]] = []
    ys: list[str] = []
    for record in records:
        if not any(not t.get("optional") for t in record.get("trials") or []):
            continue  # no trial is built for these articles: their cues teach nothing about a trial's tags
        doc = parsed(nlp, record, texts)
        found = cues(doc)
        counts = Counter(f.data["tag"] for f in found)
        xs += [cue_features(doc, f, counts) for f in found]
        ys += ["keep" if ok else "drop" for ok in _labels(record, doc, found)]
    return fit(xs, ys, c=C, meta={"decision": NAME, "c": C})


def annotate(doc: Doc, models: Mapping[str, LinearModel]) -> None:
    """Write each design cue's probability of being right into its payload (``data["score"]``)."""
    model = models.get(NAME)
    if model is None:
        return
    found = cues(doc)
    counts = Counter(f.data["tag"] for f in found)
    for f in found:
        f.data["score"] = round(model.predict_proba(cue_features(doc, f, counts)).get("keep", 0.0), 4)

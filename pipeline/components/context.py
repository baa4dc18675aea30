"""claims_trial_context: sentence cues for which trial a sentence speaks of (planned, earlier, ongoing)."""

from __future__ import annotations

from spacy.language import Language

from pipeline.components.base import CueComponent


@Language.factory("claims_trial_context", assigns=["doc.spans"])
def make_context(nlp: Language, name: str) -> ContextComponent:
    return ContextComponent()


class ContextComponent(CueComponent):
    rules_name = "context"
    span_key = "TRIAL_CUE"
    label = "TRIAL_CUE"
    cue_attr = "role"

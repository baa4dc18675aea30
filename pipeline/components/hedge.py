"""claims_hedge: hedging cues ("may", "suggests", "preliminary", "not significant") per sentence."""

from __future__ import annotations

from spacy.language import Language

from pipeline.components.base import CueComponent


@Language.factory("claims_hedge", assigns=["doc.spans"])
def make_hedge(nlp: Language, name: str) -> HedgeComponent:
    return HedgeComponent()


class HedgeComponent(CueComponent):
    rules_name = "hedge"
    span_key = "HEDGE"
    label = "HEDGE"
    cue_attr = "cue"

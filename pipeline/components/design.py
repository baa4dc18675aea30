"""claims_design: design tags (randomized, placebo-controlled, double-blind, ...) per sentence."""

from __future__ import annotations

from spacy.language import Language

from pipeline.components.base import CueComponent


@Language.factory("claims_design", assigns=["doc.spans"])
def make_design(nlp: Language, name: str) -> DesignComponent:
    return DesignComponent()


class DesignComponent(CueComponent):
    rules_name = "design"
    span_key = "DESIGN"
    label = "DESIGN"
    cue_attr = "tag"

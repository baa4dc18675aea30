"""claims_design: design tags (randomized, placebo-controlled, double-blind, ...) per sentence."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.patterns import Rule


@Language.factory("claims_design", assigns=["doc.spans"])
def make_design(nlp: Language, name: str) -> DesignComponent:
    return DesignComponent()


class DesignComponent(RuleComponent):
    rules_name = "design"
    span_key = "DESIGN"
    label = "DESIGN"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        return Found(self.label, offset + match.start(), offset + match.end(), rule.id, {"tag": rule.attrs["tag"]})

    def resolve(self, found: list[Found]) -> list[Found]:
        return found  # tags may overlap ("randomized, placebo-controlled")

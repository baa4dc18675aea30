"""claims_trial_context: sentence cues for which trial a sentence speaks of (planned, earlier, ongoing)."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.patterns import Rule


@Language.factory("claims_trial_context", assigns=["doc.spans"])
def make_context(nlp: Language, name: str) -> ContextComponent:
    return ContextComponent()


class ContextComponent(RuleComponent):
    rules_name = "context"
    span_key = "TRIAL_CUE"
    label = "TRIAL_CUE"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        return Found(self.label, offset + match.start(), offset + match.end(), rule.id, {"role": rule.attrs["role"]})

    def resolve(self, found: list[Found]) -> list[Found]:
        return found

"""claims_duration: trial length ("16 week trial", "over a 14-week period"), not time points."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.normalize import normalize_duration
from pipeline.patterns import Rule

TIMEPOINT_BEFORE = re.compile(r"\b(?:at|after|by|within|at week|aged?|of gestation|end of|first|last|next|past)\s*$", re.I)


@Language.factory("claims_duration", assigns=["doc.spans"])
def make_duration(nlp: Language, name: str) -> DurationComponent:
    return DurationComponent()


class DurationComponent(RuleComponent):
    rules_name = "duration"
    span_key = "DURATION"
    label = "DURATION"

    def __init__(self) -> None:
        super().__init__()
        self.needs = {rule.id: re.compile(rule.attrs["needs"], re.I) for rule in self.rules if rule.attrs.get("needs")}

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        if rule.id in self.needs and not self.needs[rule.id].search(sent_text):
            return None
        before = sent_text[max(0, match.start() - 12):match.start()]
        if TIMEPOINT_BEFORE.search(before):
            return None
        after = sent_text[match.end("unit"):match.end("unit") + 12]
        if re.match(r"[- ]?(?:old|of age|after|later|ago|earlier|before)\b", after, re.I):
            return None
        value = normalize_duration(match.group("n"), match.group("unit"))
        if value is None:
            return None
        return Found(self.label, offset + match.start(), offset + match.end(), rule.id, {"duration": value})

"""Shared machinery of the rule components: run each rule over each sentence, keep what parses."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from pipeline.extensions import Found, add_found, sentence_spans
from pipeline.patterns import Rule, load_rules


class RuleComponent:
    """Subclasses set ``rules_name``/``span_key``/``label`` and implement ``parse``."""

    rules_name = ""
    span_key = ""
    label = ""

    def __init__(self) -> None:
        self.rules: tuple[Rule, ...] = load_rules(self.rules_name)

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | list[Found] | None:
        """One match -> a Found, several (one phrase naming several values), or None to drop it."""
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        found: list[Found] = []
        for s_idx, (start, end) in enumerate(sentence_spans(doc)):
            sent_text = doc.text[start:end]
            for rule in self.rules:
                for match in rule.regex.finditer(sent_text):
                    parsed = self.parse(match, rule, sent_text, start)
                    for item in parsed if isinstance(parsed, list) else [parsed] if parsed else []:
                        item.sent = s_idx
                        found.append(item)
        for item in self.resolve(found):
            add_found(doc, self.span_key, item)
        if self.span_key not in doc.spans:
            doc.spans[self.span_key] = []
        return doc

    def resolve(self, found: list[Found]) -> list[Found]:
        """Drop matches overlapping an earlier-listed rule's match (rule order = priority)."""
        kept: list[Found] = []
        for item in found:
            # values of one list share their phrase; other overlaps lose to the earlier rule
            if not any(k.start < item.end and item.start < k.end and not (k.rule_id == item.rule_id and
                       (k.start, k.end) == (item.start, item.end)) for k in kept):
                kept.append(item)
        return sorted(kept, key=lambda f: f.start)

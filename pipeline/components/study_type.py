"""claims_study_type: what the article mainly reports (rct, trial, observational, animal, ...)."""

from __future__ import annotations

import re
from collections import Counter

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import Found, add_found, doc_text
from pipeline.patterns import Rule, load_rules


@Language.factory("claims_study_type", assigns=["doc._.study_type", "doc._.study_type_cues", "doc.spans"],
                  default_config={"lead_share": 0.4})
def make_study_type(nlp: Language, name: str, *, lead_share: float) -> StudyTypeComponent:
    return StudyTypeComponent(lead_share=lead_share)


class StudyTypeComponent:
    """Scores cue words per study type; cues in the lead of the article weigh double, since
    news puts the main study first and background or other studies later."""

    def __init__(self, *, lead_share: float) -> None:
        # Matched on the lowercased text without re.IGNORECASE, which is much faster on long texts;
        # the patterns use no upper-case classes or escapes, so lowercasing them keeps their meaning.
        self.cased = load_rules("study_type")
        self.rules = tuple(Rule(r.id, re.compile(r.regex.pattern.lower()), r.attrs) for r in self.cased)
        self.lead_share = lead_share

    def scores(self, text: str) -> tuple[Counter, Counter, list[Found]]:
        lead_end = max(600, int(len(text) * self.lead_share))
        score: Counter = Counter()
        lead: Counter = Counter()
        found: list[Found] = []
        lowered = text.lower()
        rules = self.rules
        if len(lowered) != len(text):  # a few characters lowercase to two ("İ"): keep offsets exact
            lowered, rules = text, self.cased
        for rule in rules:
            kind = rule.attrs["type"]
            for m in rule.regex.finditer(lowered):
                in_lead = m.start() < lead_end
                score[kind] += rule.attrs["weight"] * (2 if in_lead else 1)
                if in_lead:
                    lead[kind] += 1
                found.append(Found("STUDY_TYPE", m.start(), m.end(), rule.id, {"type": kind}))
        return score, lead, found

    def decide(self, score: Counter, lead: Counter) -> str:
        human_trial = score["rct"] + score["trial"]
        if lead["meta-analysis"] and score["meta-analysis"] >= max(6, score["rct"]):
            return "meta-analysis"
        if score["animal"] >= 4 and score["animal"] > human_trial:
            return "animal"
        if score["observational"] >= 8 and score["observational"] > 1.5 * human_trial:
            return "observational"
        if score["diagnostic"] >= 12 and score["diagnostic"] > 2 * human_trial and score["rct"] < 6:
            return "other"  # a test, scan or screening study: diagnostics are not interventions
        if score["rct"] >= 6 or (score["rct"] >= 3 and score["trial"] <= 4 * score["rct"]):
            return "rct"  # one passing "randomised" in a long single-arm story does not make it an RCT
        if score["trial"] >= 2:
            return "trial"
        if score["observational"] >= 2:
            return "observational"
        if score["animal"] >= 2:
            return "animal"
        return "other"

    def __call__(self, doc: Doc) -> Doc:
        score, lead, found = self.scores(doc_text(doc))
        doc._.study_type = doc._.study_type_rule = self.decide(score, lead)
        # the weighted cue counts are evidence for the trained decision (claims_decide)
        doc._.study_type_cues = {"score": dict(score), "lead": dict(lead)}
        doc.spans["STUDY_TYPE"] = []
        # keep the cues of the decided type as its evidence (the first few suffice)
        for item in [f for f in found if f.data["type"] == doc._.study_type][:5]:
            add_found(doc, "STUDY_TYPE", item)
        return doc

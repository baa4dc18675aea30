"""claims_trial_size: candidate trial sizes ("151 patients took part", "n=602", "a trial of 350 adults")."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.normalize import as_int, parse_number
from pipeline.patterns import Rule

# Words right after the number that make it something other than a head count.
NOT_PEOPLE_AFTER = re.compile(r"^\s*(?:%|percent|per cent|years?|months?|weeks?|days?|hours?|mg|sites|centers|centres|"
                              r"hospitals|countries|states|studies|trials|million|billion)\b", re.I)
SUBSAMPLE_BEFORE = re.compile(r"(?:\bof (?:the|these|them|those)|\bamong (?:the|these|them|those)|\bonly|\bjust|"
                              r"(?:\d|\bone|\btwo|\bthree|\bfour|\bfive|\bsix|\bseven|\beight|\bnine)\s+out of|"
                              r"\bevery)\s*$", re.I)
# "three men and 11 women": a breakdown, not the size
BREAKDOWN_AFTER = re.compile(r"^\s+(?:\w+\s+){0,2}?and\s+\d[\d,]*\s+(?:\w+\s+){0,2}?"
                             r"(?:women|men|girls|boys|children|adults)\b", re.I)
WHO_TOOK_PART = re.compile(r"\s+who (?:participated|took part|were (?:enrolled|randomi[sz]ed|included|studied)|"
                           r"completed the (?:study|trial))\b", re.I)
AFTER_WINDOW = 200  # how far after a number its context is read: far beyond any real phrase
PARTICIPATION = re.compile(r"\b(?:randomi[sz]ed|randomly assigned|enroll?ed|took part|participated|recruited|"
                           r"volunteered|signed up)\b", re.I)


@Language.factory("claims_trial_size", assigns=["doc.spans"])
def make_size(nlp: Language, name: str) -> SizeComponent:
    return SizeComponent()


class SizeComponent(RuleComponent):
    rules_name = "size"
    span_key = "TRIAL_SIZE"
    label = "TRIAL_SIZE"

    _participation: tuple[str | None, bool] = (None, False)

    def participation(self, sent_text: str) -> bool:
        """PARTICIPATION in the sentence, searched once per sentence rather than once per number in it."""
        if self._participation[0] is not sent_text:
            self._participation = (sent_text, bool(PARTICIPATION.search(sent_text)))
        return self._participation[1]

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        n_text = match.group("n")
        value = as_int(parse_number(n_text))
        if value is None or value < 2 or (1900 <= value <= 2100 and "," not in n_text) or "." in n_text:
            return None
        n_start = match.start("n")
        before = sent_text[max(0, n_start - 25):n_start]
        after = sent_text[match.end():match.end() + AFTER_WINDOW]  # bounded: one long sentence stays linear
        of_total = (re.search(r"(?:%|percent|per cent) of (?:the|all)\s*$", before, re.I)  # "80 percent of the 29"
                    or WHO_TOOK_PART.match(after))  # "of the 121 patients who participated"
        if ((SUBSAMPLE_BEFORE.search(before) and not of_total) or re.search(r"\b(?:aged?|ages)\s*$", before, re.I)
                or re.search(r"\d\s*(?:to|-|–|and)\s*$", before)):  # "age 22 to 75", "between 2 and 18"
            return None
        after_n = sent_text[match.end("n"):match.end("n") + AFTER_WINDOW]
        if NOT_PEOPLE_AFTER.match(after_n) or BREAKDOWN_AFTER.match(after_n):
            return None
        # The number inside parentheses right after an arm ("placebo (62 patients)") is an arm size.
        if before.rstrip().endswith("(") and rule.attrs.get("strength", 1) < 3:
            return None
        strength = rule.attrs.get("strength", 1)
        if strength == 1 and value < 10 and not n_text[0].isdigit():
            return None  # "if you give six kids a flu shot": small counts in words are examples, not trials
        if match.groupdict().get("paren"):
            strength = 1  # "(n=85)" after a group names a subgroup or an arm
        elif strength == 1 and self.participation(sent_text):
            strength = 2
        qual = match.groupdict().get("qual")
        data = {"n": value, "qualifier": qual.lower() if qual else None,
                "strength": strength, "target": bool(rule.attrs.get("target")),
                "n_start": offset + n_start - (len(qual) + 1 if qual else 0), "n_end": offset + match.end("n")}
        start = data["n_start"]
        return Found(self.label, start, offset + match.end(), rule.id, data)

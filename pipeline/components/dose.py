"""claims_dose: dose phrases with value, range or "up to", unit, period and frequency."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.normalize import normalize_per, normalize_unit, parse_number
from pipeline.patterns import Rule

ONCE_PER = re.compile(r"^once[- ](daily|a day|per day|weekly|a week|monthly|a month)$", re.I)


@Language.factory("claims_dose", assigns=["doc.spans"])
def make_dose(nlp: Language, name: str) -> DoseComponent:
    return DoseComponent()


class DoseComponent(RuleComponent):
    rules_name = "dose"
    span_key = "DOSE"
    label = "DOSE"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        groups = match.groupdict()
        value = parse_number(groups["value"])
        if value is None or value <= 0:
            return None
        unit_raw = groups["unit"]
        unit = normalize_unit(unit_raw)
        per_raw = groups.get("per") or groups.get("preper")
        if unit.endswith(("/day", "/d")):
            unit, per_raw = unit.rsplit("/", 1)[0], "day"
        per = normalize_per(per_raw)
        freq = groups.get("freq")
        if freq and ONCE_PER.match(freq.strip()):
            per, freq = per or normalize_per(freq.split(None, 1)[-1].replace("-", " ")), None
        upper = parse_number(groups["upper"]) if groups.get("upper") else None
        upto = bool(groups.get("upto"))
        if upto:
            upper = value
        if upper is not None and upper < value:
            return None  # "5 to 3 mg" is not a range; more likely two numbers
        data = {"value": value, "upper": upper, "unit": unit, "per": per,
                "frequency": freq.strip() if freq else None, "upto": upto}
        return Found(self.label, offset + match.start(), offset + match.end(), rule.id, data)

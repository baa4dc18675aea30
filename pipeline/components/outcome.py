"""claims_outcome: result values (percentages, ratios, counts, amounts), with CIs and p-values."""

from __future__ import annotations

import re
from collections import defaultdict

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found, add_found
from pipeline.normalize import parse_number
from pipeline.patterns import Rule

UNIT_NAMES = {
    "%": "%", "percent": "%", "per cent": "%",
    "percentage point": "percentage points", "percentage points": "percentage points",
    "percentage-point": "percentage points", "percentage-points": "percentage points",
    "point": "percentage points", "points": "percentage points",
    "hazard ratio": "HR", "hr": "HR", "odds ratio": "OR", "or": "OR", "relative risk": "RR",
    "risk ratio": "RR", "rr": "RR", "incidence rate ratio": "IRR", "irr": "IRR",
    "times": "times", "fold": "times", "lbs": "pounds", "lb": "pounds", "kilograms": "kg",
}
# Numbers that are not results: confidence levels, ages, prevalence.
NOT_RESULT_AFTER = re.compile(r"^\s*(?:CI\b|confidence|of (?:all )?(?:U\.S\.|American|the population|people worldwide)|"
                              r"of (?:women|men|girls|boys) (?:were|are)|years? old|of participants were (?:women|men))",
                              re.I)


@Language.factory("claims_outcome", assigns=["doc.spans"])
def make_outcome(nlp: Language, name: str) -> OutcomeComponent:
    return OutcomeComponent()


class OutcomeComponent(RuleComponent):
    rules_name = "outcome"
    span_key = "OUTCOME"
    label = "OUTCOME"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        kind = rule.attrs["kind"]
        g = match.groupdict()
        start, end = offset + match.start(), offset + match.end()
        if kind == "ci":
            lo, hi = parse_number(g["lo"]), parse_number(g["hi"])
            if lo is None or hi is None:
                return None
            return Found("CI", start, end, rule.id, {"kind": "ci", "ci": [lo, hi]})
        if kind == "p":
            return Found("P_VALUE", start, end, rule.id, {"kind": "p", "p_value": g["p"], "op": g["op"]})
        if g.get("value2") and not g.get("value") and g.get("upper2"):
            g = {**g, "value": g["value2"], "upper": g["upper2"], "value2": None}  # "by anywhere from 5 to 10 percent"
            match_value = "value2"
        else:
            match_value = "value"
        value = 2.0 if (g.get("value") or "").lower() == "twice" else parse_number(g["value"])
        if value is None:
            return None
        if not g.get("unit") and value.is_integer() and 1900 <= value <= 2100:
            return None  # "from 1995 to 2005": years
        if NOT_RESULT_AFTER.match(sent_text[match.end():]):
            return None
        if re.search(r"\b(?:aged?|ages)\b[^.;]{0,15}$", sent_text[max(0, match.start() - 25):match.start()], re.I):
            return None  # "who ranged in age from 4 to 55": ages, not results
        unit_raw = (g.get("unit") or g.get("unit2") or "").lower()  # "(7.7 vs. 6.3 years)": the unit is stated once
        unit = UNIT_NAMES.get(unit_raw, unit_raw or None)
        data = {"kind": "value", "value": value, "unit": unit,
                "qualifier": g["qual"].lower() if g.get("qual") else None,
                "value_start": offset + match.start(match_value), "value_end": offset + match.end(match_value)}
        if g.get("upper"):
            data["upper"] = parse_number(g["upper"])
        if g.get("base"):
            data["baseline"] = parse_number(g["base"])
            if not unit and g.get("bunit"):
                data["unit"] = "%"
        if g.get("den"):
            den = parse_number(g["den"])
            if den is None or den < value or den < 2:
                return None
            data.update(count=int(value), denominator=int(den), unit="patients")
        if not g.get("value2"):
            return Found(self.label, start, end, rule.id, data)
        # "4.6 months and 4.4 months with A and B, respectively": two values, each its own span
        second_start = offset + match.start("value2")
        first = Found(self.label, start, second_start, rule.id, data)
        second = Found(self.label, second_start, end, rule.id,
                       {**data, "value": parse_number(g["value2"]), "value_start": second_start,
                        "value_end": offset + match.end("value2")})
        return [first, second]

    def __call__(self, doc: Doc) -> Doc:
        # Like the base, but CIs and p-values go to their own groups and attach to the
        # nearest preceding value in the same sentence.
        found = self.collect(doc)
        extras = [f for f in found if f.label in ("CI", "P_VALUE")]
        values = [f for f in found if f.label not in ("CI", "P_VALUE")]
        extras = self.resolve(extras)
        extras_in: dict[int, list[Found]] = defaultdict(list)  # per sentence: a match never crosses one
        for e in extras:
            extras_in[e.sent].append(e)
        values = [v for v in self.resolve(values)
                  if not any(e.start <= v.data["value_start"] < e.end for e in extras_in[v.sent])]
        values_in: dict[int, list[Found]] = defaultdict(list)
        for v in values:
            values_in[v.sent].append(v)
        for extra in extras:
            before = [v for v in values_in[extra.sent] if v.start < extra.start]
            target = before[-1] if before else next(iter(values_in[extra.sent]), None)
            if target is not None:
                key = "ci" if extra.label == "CI" else "p_value"
                target.data.setdefault(key, extra.data[key])
            add_found(doc, extra.label, extra)
        doc.spans.setdefault("CI", [])
        doc.spans.setdefault("P_VALUE", [])
        doc.spans[self.span_key] = []
        for item in values:
            add_found(doc, self.span_key, item)
        return doc

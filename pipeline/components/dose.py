"""claims_dose: dose phrases with value, range or "up to", unit, period and frequency."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.normalize import normalize_per, normalize_unit, parse_number
from pipeline.patterns import Rule

ONCE_PER = re.compile(r"^once[- ](daily|a day|per day|weekly|a week|monthly|a month)$", re.I)
LIST_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+")
# "... of green coffee extract a day": the period after the substance.
PER_AFTER = re.compile(r"^\s+of\s+(?P<drug>[\w -]{2,40}?)\s+(?P<per>a day|per day|each day|every day|daily|"
                       r"a week|per week|weekly|"
                       r"a month|monthly)\b", re.I)
SENTENCE_PER = re.compile(r"\b(?P<per>daily|a day|per day|each day|every day|nightly|weekly|a week|monthly|once a month|"
                          r"every month)\b", re.I)
# "... daily — 100, 200 or 300 micrograms": the period just before the dash that opens the amounts
PER_BEFORE_DASH = re.compile(r"\b(?P<per>daily|a day|per day|each day|every day|weekly|a week|monthly)\s*[—–]\s*$", re.I)
# "twice daily", "three times a day": the period word after a count of times is a frequency
TIMES_BEFORE = re.compile(r"\b(?:twice|three times|four times|\d+ times)[- ]\Z", re.I)
# Clauses where an amount is not a trial dose: guidelines, eligibility, prices, lab values.
NOT_TRIAL_DOSE = re.compile(r"\brecommend|\bupper (?:daily )?limit|\bRDA\b|\bguideline|\beligib|\bexclu|\bprice|\bcosts?\b|"
                            r"\$|\bsold\b|\bover[- ]the[- ]counter|\bin (?:a|one) (?:cup|serving|glass|tablet of)\b|"
                            r"\brecreational|\bcontains? (?:about|up to|as much as)?\s*\d|\bweigh(?:ing|s|ed)?\b|"
                            r"\bavailable in\b|\bstrengths?\b|\b(?:urged|advised|should) (?:to )?(?:get|take|consume)\b|"
                            r"\bif you\b|\b(?:typically|usually|normally|commonly) (?:prescribed|taken|used|given)\b", re.I)
# How far around a dose its clause and the words after it are looked for: far beyond any real clause.
CLAUSE_WINDOW = 1000
AFTER_WINDOW = 200
# "281 grams higher lean mass": an amount compared is a result, not a dose
COMPARED_AMOUNT = re.compile(r"^\s+(?:higher|lower|more|less|greater|fewer|heavier|lighter)\b", re.I)


@Language.factory("claims_dose", assigns=["doc.spans"])
def make_dose(nlp: Language, name: str) -> DoseComponent:
    return DoseComponent()


class DoseComponent(RuleComponent):
    rules_name = "dose"
    span_key = "DOSE"
    label = "DOSE"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | list[Found] | None:
        clause = clause_around(sent_text, match.start(), match.end())
        lo = max(0, match.start() - CLAUSE_WINDOW)  # bounded: a page that is one long list stays linear
        intro = sent_text[lo:sent_text.find(clause, lo)] if clause else ""
        if intro.rstrip().endswith(":"):
            clause = intro + clause  # "available in three strengths: 24 mg, 49 mg": the list keeps its introduction
        if NOT_TRIAL_DOSE.search(clause):
            return None
        if COMPARED_AMOUNT.match(sent_text[match.end():match.end() + AFTER_WINDOW]):
            return None
        first = self.parse_one(match, sent_text, offset, rule)
        if first is None or not rule.attrs.get("list"):
            return first
        # "100, 200, or 300 micrograms": one dose per value, all sharing the phrase
        values = [float(v.replace(",", "")) for v in LIST_NUMBER.findall(match.group("list"))]
        out = []
        for value in values:
            item = Found(self.label, first.start, first.end, rule.id, {**first.data, "value": value})
            out.append(item)
        return [*out, first]

    def parse_one(self, match: re.Match, sent_text: str, offset: int, rule: Rule) -> Found | None:
        groups = match.groupdict()
        value = parse_number(groups["value"])
        if value is None or value <= 0:
            return None
        unit_raw = groups["unit"]
        unit = normalize_unit(unit_raw)
        per_raw = groups.get("per") or groups.get("preper")
        if unit.endswith(("/day", "/d")):
            unit, per_raw = unit.rsplit("/", 1)[0], "day"
        end = match.end()
        drug = groups.get("drug")
        if not drug and groups.get("between"):
            # "a monthly vitamin D supplement of 100,000 IU": the substance sits between period and amount
            between = re.sub(r"\b(?:dose|doses|supplement|supplements|injection|injections|pill|capsule|by|given|at)\b.*$",
                             "", groups["between"].strip(), flags=re.I)
            drug = substance_name(between) if between.strip() else None
        freq = groups.get("freq")
        if not per_raw and (after := PER_AFTER.match(sent_text[end:end + AFTER_WINDOW])):
            drug = drug or substance_name(after.group("drug"))
            end += after.end()
            if times := TIMES_BEFORE.search(after.group("drug") + " "):  # "of resveratrol by mouth twice daily"
                freq = f"{times.group(0).strip()} {after.group('per')}"
            else:
                per_raw = after.group("per")
        per = normalize_per(per_raw)
        clause = clause_around(sent_text, match.start(), end)
        if per is None and not freq and unit != "%":
            if lead := PER_BEFORE_DASH.search(sent_text, max(0, match.start() - 40), match.start()):
                per = normalize_per(lead.group("per"))  # "doses of selenium daily — 100, 200, or 300 micrograms"
            elif ctx := SENTENCE_PER.search(clause):
                if times := TIMES_BEFORE.search(clause, 0, ctx.start()):
                    freq = clause[times.start():ctx.end()]  # "one gram by mouth twice daily": a frequency
                else:
                    per = normalize_per(ctx.group("per").replace("once a month", "monthly"))
        if freq and ONCE_PER.match(freq.strip()):
            per, freq = per or normalize_per(freq.split(None, 1)[-1].replace("-", " ")), None
        upper_raw = groups.get("upper") or groups.get("upper2")  # "10 to 40 mg", "10 mg to 40 mg"
        upper = parse_number(upper_raw) if upper_raw else None
        upto = bool(groups.get("upto"))
        if upto:
            upper = value
        if upper is not None and upper < value:
            return None  # "5 to 3 mg" is not a range; more likely two numbers
        data = {"value": value, "upper": upper, "unit": unit, "per": per,
                "frequency": freq.strip() if freq else None, "upto": upto, "drug": drug}
        return Found(self.label, offset + match.start(), offset + end, rule.id, data)


def substance_name(phrase: str) -> str | None:
    """'the drug twice' -> None; 'green coffee extract' -> 'green coffee extract'."""
    phrase = re.sub(r"^(?:the|a|an|their|this)\s+", "", phrase.strip(), flags=re.I)
    phrase = re.sub(r"(?:\s+(?:twice|once|three times|four times|daily|orally|by mouth))+$", "", phrase, flags=re.I)
    # "100 mg of fennel were administered twice daily": the substance ends where its verb starts
    phrase = re.sub(r"\s+(?:was|were|is|are|be|been|being|had|has|have|given|taken|administered|delivered|consumed)\b.*$",
                    "", phrase, flags=re.I)
    if phrase.lower() in {"drug", "medication", "medicine", "supplement", "pill", "pills", "it", "placebo", "study drug",
                          "treatment", "compound", "extract", "capsule", "capsules", "tablet", "tablets", ""}:
        return None
    return phrase


def clause_around(sent: str, start: int, end: int) -> str:
    """The clause holding [start, end): bounded by ; : dashes, an unclosed '(' before it, the ')' closing it,
    and by ``CLAUSE_WINDOW`` characters either side, so the work per dose does not grow with the sentence."""
    lo, hi = max(0, start - CLAUSE_WINDOW), min(len(sent), end + CLAUSE_WINDOW)
    return _clause_around(sent[lo:hi], start - lo, end - lo)


def _clause_around(sent: str, start: int, end: int) -> str:
    left = max(sent.rfind(ch, 0, start) for ch in ";:—–") + 1
    left = max(left, sent.rfind(" - ", 0, start) + 1)
    depth = 0
    for k in range(start - 1, left - 1, -1):  # the nearest '(' still open at the dose
        if sent[k] == ")":
            depth += 1
        elif sent[k] == "(":
            if depth == 0:
                left = k + 1
                break
            depth -= 1
    rights = [i for i in (sent.find(ch, end) for ch in ";:)—–") if i != -1]
    dash = sent.find(" - ", end)
    if dash != -1:
        rights.append(dash)
    return sent[left:min(rights) if rights else len(sent)]

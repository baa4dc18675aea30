"""claims_arms: arm mentions with sizes ("31 patients, 30 mg/day"), "X or Y" assignments, comparators."""

from __future__ import annotations

import re

from spacy.language import Language

from pipeline.components.base import RuleComponent
from pipeline.extensions import Found
from pipeline.normalize import as_int, parse_number
from pipeline.patterns import Rule, words

LEADING = re.compile(r"^(?:(?:were |was )?(?:randomly )?(?:assigned|allocated|randomi[sz]ed|switched) to|"
                     r"either|both|a|an|the|to|or|and|receive|receiving|undergo|take|taking|use|using|get|getting|"
                     r"one of (?:two|three|four) "
                     r"groups:?)\s+", re.I)


LABEL_NUMBER = re.compile(r"\b(?:genotype|type|stage|grade|phase|group|arm|cohort|day|week|level|class|part|step|"
                          r"figure|table|version|tier|wave|year|age|aged|ages)\s*$", re.I)
EACH_OR = re.compile(r"[^,;.]{0,80}? or (?:the |a |an )?(?P<arm>[^,;.()]{2,40}?)(?=[,;.()]|$)")
PURPOSE = re.compile(r"\s+(?:to|in order to|so as to|in addition to|added to|on top of)\s+\w.*$", re.I)


# "959 women were given the drug and 959 a placebo", "154 women got Tykerb, 149 Herceptin and the other 152 both
# drugs": further groups of the same sentence given with the verb left out, each a head count and what it received
ELLIPTIC = re.compile(r"\s*[,;]?\s*(?:(?:and|while|whereas|but)\s+)?(?:the other |another |the remaining )?"
                      r"(?P<n>\d[\d,]*)\s+(?:a |an |the )?(?P<arm>[A-Za-z][\w-]*(?: (?!(?:and|or|while|but)\b)[\w-]+){0,2}?)"
                      r"(?=\s*[,;.)]|\s+(?:and|while|whereas|but)\b|$)")
NOT_A_GROUP = words("words.not_a_group")  # "12 weeks", "12 percent": a number after the list, not one more group


AND_COMPARATOR = re.compile(r"\s+(?:and|or|vs\.?|versus|compared (?:with|to))\s+(?:a |the )?(?:placebo|sham|control|"
                            r"usual care|standard care)\b.*$", re.I)


def clean_arm_text(text: str) -> str:
    """The arm's own words: no leading 'or to', no purpose clause, no '(121 participants)'."""
    text = _strip_leading(text.strip(" ,;:-"))
    text = re.sub(r"\s*\([^)]*\)?", "", AND_COMPARATOR.sub("", PURPOSE.sub("", text)))
    text = re.sub(r"^(?:an? |the )?\d+[- ](?:day|week|month|year)s?(?:[- ]long)? ", "", text.strip(" ,;:-"), flags=re.I)
    text = re.sub(r"\s+for (?:\d+|\w+) (?:days?|weeks?|months?|years?)$", "", text, flags=re.I)  # "... for 24 weeks"
    return _strip_leading(text.strip(" ,;:-"))


def _strip_leading(text: str) -> str:
    while True:
        stripped = LEADING.sub("", text)
        if stripped == text:
            return text
        text = stripped


@Language.factory("claims_arms", assigns=["doc.spans"])
def make_arms(nlp: Language, name: str) -> ArmsComponent:
    return ArmsComponent()


class ArmsComponent(RuleComponent):
    rules_name = "arms"
    span_key = "ARM"
    label = "ARM"

    def parse(self, match: re.Match, rule: Rule, sent_text: str, offset: int) -> Found | None:
        kind = rule.attrs["kind"]
        g = match.groupdict()
        if kind == "comparator":
            if re.search(r"\b(?:no|without(?: an?)?)\s+$", sent_text[max(0, match.start() - 12):match.start()], re.I):
                return None  # "there is no placebo group"
            return Found(self.label, offset + match.start(), offset + match.end(), rule.id,
                         {"kind": kind, "intervention": match.group(0).lower()})
        if kind == "arm_pair":
            a, b = clean_arm_text(g["a"]), clean_arm_text(g["b"])
            if not a or not b or len(a.split()) > 12:
                return None
            return Found(self.label, offset + match.start(), offset + match.end(), rule.id,
                         {"kind": kind, "arms": [a, b],
                          "arm_spans": [(offset + match.start("a"), offset + match.end("a")),
                                        (offset + match.start("b"), offset + match.end("b"))]})
        if kind == "intervention":
            return Found(self.label, offset + match.start("arm"), offset + match.end("arm"), rule.id,
                         {"kind": kind, "arm": g["arm"]})
        if kind == "group":
            arm = clean_arm_text(g["arm"])
            if not arm:
                return None
            return Found(self.label, offset + match.start("arm"), offset + match.end("arm"), rule.id,
                         {"kind": kind, "arm": arm})
        n_group = "n" if g.get("n") else "n2"
        if LABEL_NUMBER.search(sent_text[max(0, match.start(n_group) - 20):match.start(n_group)]):
            return None  # "genotype 3 patients", "stage 2 patients"
        n = as_int(parse_number(g[n_group]))
        if n is None or n < 1 or (1900 <= n <= 2100):
            return None
        arm_group = "arm" if g.get("arm") else "arm2"
        raw_arm = g.get(arm_group) or ""
        if rule.attrs.get("keep_parens"):
            # a table line "Chemotherapy (carboplatin and nab-paclitaxel), 340 patients" names the drugs in brackets
            raw_arm = re.sub(r"\s*[()]\s*", " ", raw_arm)
        arm = clean_arm_text(raw_arm)
        if not arm or arm.lower() in {"and", "or", "the", "of"} or not re.search(r"[A-Za-z]{2}", arm):
            return None
        if arm.lower() in ("it", "them"):
            arm = arm.lower()  # resolved to the trial's active arm when there is only one
        found = Found(self.label, offset + match.start(), offset + match.end(), rule.id,
                      {"kind": kind, "n": n, "arm": arm, "max_words": rule.attrs.get("max_words", 4),
                       "n_start": offset + match.start(n_group),
                       "n_end": offset + match.end(n_group), "arm_start": offset + match.start(arm_group),
                       "arm_end": offset + match.end(arm_group)})
        more = _following_groups(found, match, rule, sent_text, offset)
        return [found, *more] if more else found

    def resolve(self, found: list[Found]) -> list[Found]:
        # Comparator mentions may sit inside an arm-size match ("placebo (62 patients)").
        free = ("comparator", "group", "arm_pair", "intervention")
        sized = super().resolve([f for f in found if f.data["kind"] not in free])
        return sorted(sized + [f for f in found if f.data["kind"] in free], key=lambda f: f.start)


def _following_groups(found: Found, match: re.Match, rule: Rule, sent_text: str, offset: int) -> list[Found]:
    """The other groups an arm-size match speaks for: those given after it with the verb left out (rules marked
    ``elliptic``), or, after "each", the other arm of "... or ..." ("Thirty women each received acupuncture ... or
    the inactive placebo pill": both arms had thirty)."""
    if rule.attrs.get("elliptic"):
        more = _elliptic_groups(found, sent_text, match.end(), offset, rule.id)
        if more:
            return more
    each_or = EACH_OR.match(sent_text[match.end():]) if re.search(r"\beach\b", match.group(0)) else None
    if each_or is None:
        return []
    other = clean_arm_text(each_or.group("arm"))
    if not other:
        return []
    start, end = offset + match.end() + each_or.start("arm"), offset + match.end() + each_or.end("arm")
    return [Found(found.label, start, end, rule.id, {**found.data, "arm": other, "arm_start": start, "arm_end": end})]


def _elliptic_groups(first: Found, sent_text: str, pos: int, offset: int, rule_id: str) -> list[Found]:
    """The groups that follow an arm size with their verb left out ("... and 959 a placebo"), each right after the
    one before; none once something else follows."""
    out = []
    while (m := ELLIPTIC.match(sent_text, pos)) is not None:
        n = as_int(parse_number(m.group("n")))
        arm = clean_arm_text(m.group("arm"))
        if n is None or n < 1 or (1900 <= n <= 2100) or not arm or arm.split()[0].lower() in NOT_A_GROUP:
            break
        out.append(Found(first.label, offset + m.start("n"), offset + m.end("arm"), rule_id,
                         {**first.data, "n": n, "arm": arm, "n_start": offset + m.start("n"), "n_end": offset + m.end("n"),
                          "arm_start": offset + m.start("arm"), "arm_end": offset + m.end("arm")}))
        pos = m.end()
    return out

"""Trained decision: the article's study type, from the rule cues that fired and the words of the lead."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from re import _constants as sre  # the parsed form of a pattern, read to see whether it crosses lines
from re import _parser as sre_parse
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import doc_text
from pipeline.learn.linear import LinearModel, fit
from pipeline.normalize import UNITS_WORDS
from pipeline.patterns import required_literals

NAME = "study_type"
TYPES = ("rct", "trial", "observational", "animal", "meta-analysis", "diagnostic")
LEAD_CHARS = 1500
# words whose presence anywhere in the text separates the study types
KEY_WORDS = re.compile(r"\b(?:randomi[sz]ed|randomly|placebo|sham|control group|controlled|double-blind|single-arm|"
                       r"open-label|phase [1-3i]+|pilot|enrolled|took part|participants|volunteers|cohort|observational|"
                       r"survey|questionnaire|registry|database|records|associated with|linked to|likely|meta-analys[ie]s|"
                       r"systematic review|pooled|studies|mice|mouse|rats?|animals?|cells?|laboratory|screening|test|"
                       r"scan|diagnos\w*|model(?:ing|led)?|simulation|trial|trials|study|patients|compared|versus)\b")
# families of cue words, counted in the lead and in the whole text (per 1,000 characters too); matched on the
# lowercased text without re.IGNORECASE, which is several times faster on long texts
GROUPS = {name: re.compile(pattern) for name, pattern in {
    "n_studies": r"\b(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens of|several|multiple|"
                 r"many) (?:[\w-]+ ){0,3}?(?:studies|trials|publications|papers)\b",
    "pooled": r"\b(?:pooled|combined|reviewed|analy[sz]ed|looked at|examined) (?:the )?(?:results|data|findings|evidence)\b|"
              r"\breview(?:ed)?\b|\bmeta-?analy|\bliterature\b",
    "data_source": r"\b(?:data|records|registry|registries|database|insurance claims|national|nationwide|surveys?|"
                   r"questionnaires?)\b",
    "association": r"\b(?:associated|association|linked|link|likely|correlat\w+|risk of|odds)\b",
    "followed": r"\bfollowed\b|\bover (?:\w+ ){0,2}(?:years|decades)\b|\bcohort\b|\bretrospective\w*\b|\bcases\b",
    "business": r"\b(?:fda|approv\w+|company|companies|shares|stock|investors|market\w*|sales|price\w*|insurance|law|bill|"
                r"policy|lawmakers|regulators?|lawsuit|ftc|sell\w*)\b",
    "lab": r"\b(?:cells?|laboratory|lab|in vitro|tissue|mice|mouse|rats?|animals?|genes?|molecul\w+|proteins?)\b",
    "diagnostic": r"\b(?:test\w*|screening|scan\w*|imaging|detect\w*|diagnos\w*|predict\w*|accuracy|sensitivity|specificity)\b",
    "comparison_arm": r"\b(?:placebo|sham|control group|usual care|standard care|compared (?:with|to)|versus|vs\.?)\b",
    "assignment": r"\b(?:randomi[sz]ed|randomly|assigned|allocated)\b",
    "single_arm": r"\b(?:single-arm|open-label|all (?:\w+ )?(?:patients|participants) (?:received|were given|got)|"
                  r"phase (?:1|i|one)\b|first-in-human|case series)\b",
    "treated": r"\b(?:received|were given|were treated|took|got|injected|infused|implanted)\b",
    "quotes": r"\b(?:says|said|told|recalls|remembers)\b",
    "future": r"\b(?:will|plans?|planned|planning|hope|could|may)\b",
}.items()}
# "106 randomized trials", "18 studies", "dozens of studies": how many studies the article counts
N_STUDIES = re.compile(r"\b(\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens of) "
                       r"(?:[\w-]+ ){0,3}?(?:studies|trials|papers|publications)\b")
COUNT_WORDS = {**UNITS_WORDS, "dozens of": 24}
POOLED_MIN = 5
C = 0.3
SIZE_FLOORS = (1_000, 10_000, 50_000)  # the largest head count a size rule found, binned
# The model overrules the rules only from this probability: chosen on dev (0.974 against 0.947 when it always
# decides), at a cost within fold noise in 5-fold CV (0.78-0.80 against 0.78-0.81 over four fold seeds).
OVERRIDE_MIN = 0.6


def _bin(x: float) -> float:
    return math.log1p(max(0.0, x))


def _rule_features(doc: Doc) -> dict[str, float]:
    """The study-type rules: their verdict, weighted cue counts, cues in the lead."""
    cues = doc._.study_type_cues or {"score": {}, "lead": {}}
    x: dict[str, float] = {f"rule={doc._.study_type_rule}": 1.0}
    score, lead = cues["score"], cues["lead"]
    human = score.get("rct", 0) + score.get("trial", 0)
    for kind in TYPES:
        x[f"score:{kind}"] = _bin(score.get(kind, 0))
        x[f"lead:{kind}"] = _bin(lead.get(kind, 0))
        if score.get(kind, 0) > human and kind not in ("rct", "trial"):
            x[f"over_human:{kind}"] = 1.0
    x["rct_share"] = score.get("rct", 0) / human if human else 0.0
    return x


def _candidate_features(doc: Doc) -> dict[str, float]:
    """What the other rule components found: design tags, arm mentions, trial cues, doses, sizes, results."""
    found = doc._.found or {}
    counts: Counter = Counter()
    counts.update(f"design:{f.data['tag']}" for f in found.get("DESIGN", []))
    counts.update(f"arm:{f.data['kind']}" for f in found.get("ARM", []))
    counts.update(f"cue:{f.data['role']}" for f in found.get("TRIAL_CUE", []))
    for key in ("DOSE", "OUTCOME", "TRIAL_SIZE", "DURATION"):
        counts[key.lower()] = len(found.get(key, []))
    x = {k: _bin(v) for k, v in counts.items()}
    sizes = found.get("TRIAL_SIZE", [])
    if sizes:
        x[f"size_strength={max(f.data['strength'] for f in sizes)}"] = 1.0
        largest = max(f.data["n"] for f in sizes)
        if largest:  # pooled analyses and registries count people in the tens of thousands
            x["size_log10"] = math.log10(largest)
            x.update({f"size>={floor}": 1.0 for floor in SIZE_FLOORS if largest >= floor})
    return x


# The strings a match of each cue regex cannot do without (patterns.required_literals), where they are a few: a text
# missing all of one set has no match, which a few substring tests tell faster than a scan. The regexes are
# lower-case and read the lowered text with case, so a match holds the strings as spelled.
MAX_NEEDED = 12
NEEDED = {regex: needs for regex in (*GROUPS.values(), KEY_WORDS, N_STUDIES)
          if (needs := required_literals(regex.pattern)) and all(len(words) <= MAX_NEEDED for words in needs)}


def _can_match(regex: re.Pattern, lower: str) -> bool:
    """False where ``lower`` lacks every string of one of the sets ``regex`` needs (then it has no match)."""
    return all(any(word in lower for word in words) for words in NEEDED.get(regex, ()))


def _pooled_studies(lower: str) -> int:
    """The largest number of studies or trials the text counts ("an analysis of 106 randomized trials")."""
    if not _can_match(N_STUDIES, lower):
        return 0
    counts = [COUNT_WORDS.get(m.group(1)) or int(m.group(1).replace(",", "")) for m in N_STUDIES.finditer(lower)]
    return max(counts, default=0)


def _counts(regex: re.Pattern, lower: str, cut: int) -> tuple[int, int]:
    """The matches of ``regex`` in the whole text and in its lead (the first ``LEAD_CHARS`` characters). ``cut``: the
    last line break of the lead, or -1. A regex in ``LINE_BOUND`` finds the same matches before a line break whether
    the text ends there or goes on, so the lead is scanned only from ``cut``."""
    if cut < 0 or regex not in LINE_BOUND:
        return len(regex.findall(lower)), len(regex.findall(lower[:LEAD_CHARS]))
    before = len(regex.findall(lower, 0, cut))
    return before + len(regex.findall(lower, cut)), before + len(regex.findall(lower, cut, LEAD_CHARS))


def line_bound(regex: re.Pattern) -> bool:
    """Whether no match of ``regex`` is empty and no attempt reads past a line break: the pattern is made of
    characters and classes that never take one (no negated class, no ``\\s``, no dot), word boundaries, groups,
    alternatives and repeats. Such a regex finds in ``text[:i]``, before a line break at ``i``, the matches it finds
    in ``text`` that start before ``i``."""
    parsed = sre_parse.parse(regex.pattern, regex.flags)
    return parsed.getwidth()[0] > 0 and _never_newline(list(parsed))


def _never_newline(items: list) -> bool:
    for op, av in items:
        if op is sre.LITERAL:
            ok = av != NEWLINE
        elif op is sre.IN:
            ok = all(_class_item_ok(o, v) for o, v in av)
        elif op is sre.AT:
            ok = av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY)
        elif op is sre.BRANCH:
            ok = all(_never_newline(list(branch)) for branch in av[1])
        elif op is sre.SUBPATTERN:
            ok = _never_newline(list(av[3]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            ok = _never_newline(list(av[2]))
        else:
            ok = False
        if not ok:
            return False
    return True


def _class_item_ok(op: Any, av: Any) -> bool:
    if op is sre.LITERAL:
        return av != NEWLINE
    if op is sre.RANGE:
        return not av[0] <= NEWLINE <= av[1]
    return op is sre.CATEGORY and av in (sre.CATEGORY_DIGIT, sre.CATEGORY_WORD)


NEWLINE = ord("\n")
LINE_BOUND = frozenset(regex for regex in GROUPS.values() if line_bound(regex))


def _word_features(text: str) -> dict[str, float]:
    lower = text.lower()
    x: dict[str, float] = {}
    studies = _pooled_studies(lower)
    if studies:  # a meta-analysis pools many; a trial report may mention two or three
        x["studies_log"] = math.log1p(studies)
        if studies >= POOLED_MIN:
            x[f"studies>={POOLED_MIN}"] = 1.0
    for key, n in Counter(f"key:{m.group(0)}" for m in KEY_WORDS.finditer(lower)).items():
        x[key] = _bin(n)
    per_k = _bin(1 + len(text) / 1000)
    cut = lower.rfind("\n", 0, LEAD_CHARS)
    for name, regex in GROUPS.items():
        if _can_match(regex, lower):
            everywhere, lead = _counts(regex, lower, cut)
        else:  # the lead, part of the text, lacks the strings too
            everywhere = lead = 0
        x[f"group:{name}"] = _bin(everywhere)
        x[f"group_lead:{name}"] = _bin(lead)
        x[f"group_density:{name}"] = _bin(everywhere) / per_k
    x["length"] = _bin(len(text) / 1000)
    return x


def features(doc: Doc) -> dict[str, float]:
    """Rule evidence (the study-type cues and the other components' candidates) and cue-word counts."""
    return {**_rule_features(doc), **_candidate_features(doc), **_word_features(doc_text(doc))}


def train(records: list[dict[str, Any]], texts: Mapping[str, str], nlp: Language) -> LinearModel:
    from pipeline.learn.parse import parsed

    xs = [features(parsed(nlp, r, texts)) for r in records]
    ys = [str(r["study_type"]) for r in records]
    return fit(xs, ys, c=C, meta={"decision": NAME, "c": C})


def annotate(doc: Doc, models: Mapping[str, LinearModel]) -> None:
    """Replace the rules' study type by the model's when the model is sure enough; record its probability."""
    model = models.get(NAME)
    if model is None:
        return
    proba = model.predict_proba(features(doc))
    label = max(proba, key=proba.__getitem__)
    if proba[label] >= OVERRIDE_MIN or doc._.study_type_rule not in proba:
        doc._.study_type = label
    doc._.study_type_proba = proba
    doc._.study_type_score = round(proba.get(doc._.study_type, 0.0), 4)

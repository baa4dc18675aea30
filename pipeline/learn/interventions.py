"""Intervention candidates: the phrases that may name what a trial's participants received.

For a trial whose rules found no active arm (a single-arm study, or a comparison whose treated group the rules
missed), the ``interventions`` candidate rules (``data/patterns/interventions.jsonl``) and the arm component's
intervention matches propose names; the ``value_intervention`` model picks one (``value_decide.choose_intervention``).
The features describe each mention and how often the article repeats the name, where it first appears, and its
shape (acronym, brand, drug stem), never the name itself beyond its last word and suffix.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache

from pipeline.assemble.cues import words as word_list
from pipeline.components.base import rule_applies
from pipeline.extensions import Found
from pipeline.learn.value_candidates import Candidate, context_features
from pipeline.patterns import Rule, load_rules

FIELD = "intervention"
# words that never name what an arm received, alone or at the edges of a phrase
GENERIC = frozenset("""
a an the this that these those their its his her our your it they them we he she one two three four both either
patients participants people subjects volunteers women men children adults group groups arm arms study studies
trial trials research researchers treatment treatments therapy therapies drug drugs medication medications
dose doses placebo control sham care standard usual new experimental investigational novel same other
daily weekly monthly once twice times day days week weeks month months year years time part results data
effect effects efficacy safety test tests benefit benefits risk risks approach method way use
""".split())
EDGE = re.compile(r"^[\W_]+|[\W_]+$")
LETTERS = re.compile(r"[^\W\d_]{2}")
LEAD_WORDS = 300  # characters: the headline and first lines, where news names what was tested

# "12-week", "3-month": a span of time used as an adjective, never the start of a treatment's name
TIME_SPAN_WORD = re.compile(r"\d+(?:\.\d+)?-(?:day|week|month|year|hour|minute)s?(?:-[a-z]+)?")


@cache
def _rules() -> tuple[Rule, ...]:
    return load_rules("interventions")


def clean_name(raw: str) -> str:
    """The phrase without edge punctuation and without generic words at its ends ("the drug" -> "")."""
    words = [EDGE.sub("", w) for w in raw.split()]
    words = [w for w in words if w]
    while words and words[0].lower() in GENERIC:
        words.pop(0)
    while words and words[-1].lower() in GENERIC:
        words.pop()
    return " ".join(words)


def intervention_candidates(text: str, sents: list[tuple[int, int]], sent_ids: list[int],
                            found: list[tuple[int, Found]]) -> list[Candidate]:
    """Every mention in the trial's sentences a rule proposes as a name, one candidate per position."""
    by_span: dict[tuple[int, int], Candidate] = {}
    for i in sent_ids:
        s0, e0 = sents[i]
        sent = text[s0:e0]
        low = sent.lower()
        ascii_text = sent.isascii()  # once per sentence, not once per rule
        for rule in _rules():
            if not rule_applies(rule, low, ascii_text=ascii_text):
                continue
            for m in rule.regex.finditer(sent):
                name = clean_name(m.group("x"))
                if not names_something(name):
                    continue
                start = s0 + m.start("x") + m.group("x").find(name)
                cand = by_span.setdefault((start, start + len(name)), Candidate(FIELD, name, start, start + len(name), i))
                if rule.id not in cand.rules:
                    cand.rules.append(rule.id)
    for i, f in found:
        if f.data.get("kind") != "intervention":
            continue
        name = clean_name(text[f.start:f.end])
        if not names_something(name):
            continue
        start = f.start + text[f.start:f.end].find(name)
        cand = by_span.setdefault((start, start + len(name)), Candidate(FIELD, name, start, start + len(name), i))
        cand.found = f
        cand.rules.insert(0, f.rule_id)
    return sorted(by_span.values(), key=lambda c: c.start)


def names_something(name: str) -> bool:
    """Whether a cleaned phrase can name a treatment: it holds a word of two letters or more ("1" and "3.5" do not)."""
    return LETTERS.search(name) is not None


def names_no_treatment(name: str) -> bool:
    """Whether a candidate cannot name what an arm received: it ends on a condition (``words.condition_head``:
    "lymphoma", the "Type" of "Type 2 diabetes"), which a trial studies rather than gives, or starts or ends on a
    verb, preposition or adverb (``words.not_a_name_edge``: "is negative", "emergency department for"), ends on a
    past participle ("compound derived", "diets based"; no arm in the gold ends on one) or starts with a span of time
    ("12-week")."""
    words = name.lower().split()
    edges = word_list("words.not_a_name_edge")
    return (words[-1] in word_list("words.condition_head") or words[0] in edges or words[-1] in edges
            or (len(words[-1]) > 4 and words[-1].endswith("ed")) or TIME_SPAN_WORD.fullmatch(words[0]) is not None)


def _key(name: str) -> str:
    return name.lower()


def intervention_features(text: str, sents: list[tuple[int, int]], cands: list[Candidate],
                          trial_name: str | None = None) -> None:
    """Fill ``features``: the mention's context and rules, what the article does with the name, and whether it is
    the trial's own name ("the MASTER trial")."""
    low_text = text.lower()
    per_key = Counter(_key(c.value) for c in cands)
    rules_of: dict[str, set[str]] = {}
    for c in cands:
        rules_of.setdefault(_key(c.value), set()).update(c.rules)
    # the article's use of each name, searched once per name rather than once per mention
    first_seen = {key: low_text.find(key) for key in per_key}
    in_text = {key: low_text.count(key) for key in per_key}
    for rank, cand in enumerate(cands):
        key = _key(cand.value)
        s0, e0 = sents[cand.sent]
        x = context_features(text[s0:e0], cand.start - s0, cand.end - s0, width=2)
        x.update({f"rule={r}": 1.0 for r in cand.rules})
        x.update({f"key_rule={r}": 1.0 for r in rules_of[key]})
        x["trial_mentions"] = math.log1p(per_key[key])
        x["text_mentions"] = math.log1p(in_text[key])
        first = first_seen[key]
        x["first_at"] = first / max(1, len(text))
        if 0 <= first < LEAD_WORDS:
            x["in_lead"] = 1.0
        words = cand.value.split()
        x[f"words={min(len(words), 4)}"] = 1.0
        x[f"suffix={words[-1][-3:].lower()}"] = 1.0
        x[f"head={words[-1].lower()}"] = 1.0
        x[f"shape={_shape(cand.value)}"] = 1.0
        x[f"rank={min(rank, 5)}"] = 1.0
        if trial_name and key == trial_name.lower():
            x["trial_name"] = 1.0
        cand.features = x


def _shape(name: str) -> str:
    if any(ch.isdigit() for ch in name):
        return "digit"
    if name.isupper():
        return "upper"
    if name[0].isupper():
        return "capital"
    return "lower"

"""Outcomes: numeric results read sentence by sentence (clause, arm, direction, timepoint), results stated without
a number, hedges, and the trained decisions that keep and attribute them."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from models.records import Arm, Outcome, Trial
from pipeline.assemble.attribution import arm_label, pair_values, place_value
from pipeline.assemble.cues import (
    ALL_GROUPS,
    BACKGROUND,
    BASELINE,
    CLAUSE_BREAK,
    DEMOGRAPHIC,
    DENOMINATOR_BEFORE,
    FOLLOW_UP,
    GENERIC_TRIAL,
    HARM,
    LATER,
    MEASURE_DROP,
    NO_DIFF,
    NOT_A_RESULT,
    OPENS_AT_BASELINE,
    PEOPLE_WORD,
    QUAL_NO_DIFF,
    RESULT_CUE,
    TARGET_AFTER,
    TIMEPOINT,
)
from pipeline.assemble.directions import direction_of, harm_directions, is_reference
from pipeline.assemble.mentions import arm_mentions
from pipeline.assemble.payloads import Clause, Items, OutcomeScope, SentenceRead, TrialScope
from pipeline.extensions import Found
from pipeline.learn.value_decide import attribute_outcomes, candidate_items, keep_outcomes


def assemble_outcomes(scope: TrialScope, trial: Trial, arms: list[Arm]) -> None:
    """The trial's outcomes, numeric and qualitative, in text order, with hedges; then the trained decisions."""
    outcome_items = candidate_items("outcome", scope.items)
    before = set(scope.evidence)
    trial.outcomes = build_outcomes(scope.starts, scope.sent_text, outcome_items, arms, scope.evidence, trial.size_span)
    numeric = {i for i, _ in outcome_items("OUTCOME")}
    trial.outcomes += qualitative_outcomes(scope.starts, scope.sent_text, numeric, scope.evidence)
    trial.outcomes.sort(key=lambda o: o.start)
    _attach_hedges(scope, trial.outcomes)
    proposed = list(trial.outcomes)
    sent_ids = scope.bucket.sents
    trial.outcomes = keep_outcomes(scope.text, scope.sents, sent_ids, trial.outcomes, trial)
    _forget_dropped(scope, proposed, trial.outcomes, before)
    attribute_outcomes(scope.text, scope.sents, sent_ids, trial.outcomes, arms, arm_mentions, trial, pooled_cue=ALL_GROUPS)


def _attach_hedges(scope: TrialScope, outcomes: list[Outcome]) -> None:
    """Each outcome gets the hedge cues of its sentence."""
    hedges: dict[int, list[str]] = defaultdict(list)
    for i, f in scope.items("HEDGE"):
        if f.data["cue"] not in hedges[i]:
            hedges[i].append(f.data["cue"])
    spans = sorted((scope.starts[k], scope.starts[k] + len(scope.sent_text[k]), k) for k in scope.bucket.sents)  # disjoint
    for outcome in outcomes:
        j = bisect.bisect_right(spans, (outcome.start, float("inf"), 0)) - 1
        i = spans[j][2] if j >= 0 and spans[j][0] <= outcome.start < spans[j][1] else None
        outcome.hedges = hedges.get(i, [])


def _forget_dropped(scope: TrialScope, proposed: list[Outcome], kept: list[Outcome], before: set[int]) -> None:
    """A sentence that became evidence only for values a model then dropped is no evidence of the trial."""
    kept_ids = {id(o) for o in kept}
    keep = {scope.sentence_of(o.start) for o in kept}
    for o in proposed:
        if id(o) not in kept_ids:
            i = scope.sentence_of(o.start)
            if i not in keep and i not in before:
                scope.evidence.discard(i)


def build_outcomes(starts: dict[int, int], sent_text: dict[int, str], items: Items, arms: list[Arm],
                   evidence: set[int], size_span: tuple[int, int] | None = None) -> list[Outcome]:
    """The numeric results of a trial's sentences, each with its clause, arm and direction."""
    scope = OutcomeScope.of(starts, sent_text, items, arms, size_span)
    by_sentence: dict[int, list[Found]] = defaultdict(list)
    for i, f in items("OUTCOME"):
        by_sentence[i].append(f)
    outcomes: list[Outcome] = []
    for i, values in by_sentence.items():
        _read_sentence(scope, i, values, outcomes, evidence)
    return outcomes


def _read_sentence(scope: OutcomeScope, i: int, values: list[Found], outcomes: list[Outcome],
                   evidence: set[int]) -> None:
    sent = scope.sent_text[i]
    offset = scope.starts[i]
    if (not RESULT_CUE.search(sent) or len(sent.split()) < 4 or BACKGROUND.search(sent)
            or len(DEMOGRAPHIC.findall(sent)) >= 2):
        return
    values = [v for v in values
              if not any(s <= v.start < e for s, e in scope.dose_spans)
              and not any(s <= v.data["value_start"] < e for s, e in scope.size_spans)]
    if not values:
        return
    mentions = scope.mentions(i)
    read = SentenceRead(i=i, sent=sent, offset=offset, mentions=mentions,
                        paired=pair_values(sent, offset, values, mentions),
                        no_diff=bool(NO_DIFF.search(sent)), harm=bool(HARM.search(sent)),
                        opening=OPENS_AT_BASELINE.match(sent))
    values = [v for v in values if not _threshold_value(sent, offset, v, values)]
    for v in values:
        outcome = _read_value(scope, read, v)
        if outcome is not None:
            outcomes.append(outcome)
            evidence.add(i)
    if read.harm:
        harm_directions([o for o in outcomes if offset <= o.start < offset + len(sent)])


def _read_value(scope: OutcomeScope, read: SentenceRead, v: Found) -> Outcome | None:
    """One value as an outcome, or None when it is a figure from before treatment or from follow-up."""
    sent, offset = read.sent, read.offset
    rel = v.start - offset
    c_start, c_end = clause_bounds(sent, rel)
    c_start = min(c_start, rel)
    c_end = max(c_end, v.end - offset)
    clause = Clause(c_start, c_end, sent[c_start:c_end])
    if ((read.opening and not LATER.search(sent[read.opening.end():rel]))
            or BASELINE.search(clause.text) or NOT_A_RESULT.search(clause.text)
            or FOLLOW_UP.search(sent[max(0, rel - 25):v.end - offset + 20]) or _denominator(sent, rel, v)):
        return None
    place = place_value(scope, read, v, clause)
    label = arm_label(place, sent, clause, v)
    reference = is_reference(scope, read, v, place, clause)
    direction = direction_of(read, place, label, clause, reference)
    comparator = None
    if place.arm is not None and not reference and scope.comparators:
        comparator = scope.comparators[0].label
    outcome = _outcome(read, v, clause, label, comparator, direction)
    if v is read.listed_first:
        read.listed_direction = direction
    return outcome


def _denominator(sent: str, rel: int, v: Found) -> bool:
    """A head count a clause opens with "Of"/"Among": whom a result is out of ("Among the 26 patients with
    melanoma, ..."), not a result."""
    if not DENOMINATOR_BEFORE.search(sent[max(0, rel - 30):rel]):
        return False
    value_and_after = sent[rel:rel + (v.end - v.start) + 60].split()[:5]
    return bool(PEOPLE_WORD.search(" ".join(value_and_after)))


def _outcome(read: SentenceRead, v: Found, clause: Clause, label: str, comparator: str | None,
             direction: str | None) -> Outcome:
    d = v.data
    tp = TIMEPOINT.search(clause.text) or TIMEPOINT.search(read.sent)
    return Outcome(
        timepoint=(tp.group("tp") or tp.group("tp2")) if tp else None,
        text=clause.text, start=read.offset + clause.start, end=read.offset + clause.end,
        measure=_measure(clause.text), arm=label, comparator=comparator, value=d["value"],
        unit=d.get("unit"), qualifier=d.get("qualifier"), baseline=d.get("baseline"),
        upper=d.get("upper"), count=d.get("count"), denominator=d.get("denominator"), p_value=d.get("p_value"),
        ci=d.get("ci"), direction=direction, rule_id=v.rule_id)


def clause_bounds(sent: str, pos: int) -> tuple[int, int]:
    """[start, end) of the clause around relative position ``pos``."""
    start, end = 0, len(sent)
    for m in CLAUSE_BREAK.finditer(sent):
        if m.end() <= pos:
            start = m.end()
        elif m.start() > pos:
            end = m.start()
            break
    while start < end and sent[start] in " ,;:(":
        start += 1
    while end > start and sent[end - 1] in " ,;:.)":
        end -= 1
    return start, end


def qualitative_outcomes(starts: dict[int, int], sent_text: dict[int, str], numeric_sents: set[int],
                         evidence: set[int]) -> list[Outcome]:
    """The main result stated without a number: "no significant difference between the groups"."""
    out = []
    for i, sent in sent_text.items():
        low = sent.lower()
        if i in numeric_sents or not any(w in low for w in ("differ", "similar", "comparable", "better", "worse")):
            continue  # the cheap tests first: most sentences state no comparison at all
        if BACKGROUND.search(sent) or GENERIC_TRIAL.search(sent):
            continue
        if len(sent.split()) < 10 and not sent.rstrip().endswith((".", "!", "?", '"', "”")):
            continue  # a heading ("No difference between the groups") announces a result, the text states it
        m = QUAL_NO_DIFF.search(sent)
        if not m or re.search(r"\bbaseline\b|\bat the start\b|\bdemographic|\bcharacteristics\b", sent, re.I):
            continue
        start, end = clause_bounds(sent, m.start())
        start, end = min(start, m.start()), max(end, m.end())
        out.append(Outcome(text=sent[start:end], start=starts[i] + start, end=starts[i] + end,
                           measure=_measure(sent[start:end]), arm="between groups", direction="no difference",
                           rule_id="outcome.no_difference"))
        evidence.add(i)
    return out


def _threshold_value(sent: str, offset: int, v: Found, values: list[Found]) -> bool:
    """In "64 percent of people had at least a 50 percent reduction", 50 is the responder threshold;
    in "reduced by 48%, just short of the 50% goal", 50 is the target."""
    if TARGET_AFTER.match(sent[v.end - offset:]):
        return True
    before = sent[max(0, v.start - offset - 40):v.start - offset]
    if not re.search(r"\b(?:(?:at least |more than |over )?an?|(?:lost|gained|losing|gaining|reduced by|reduction of|"
                     r"improved by|fell by|dropped by) (?:at least |more than |over )?) ?$", before):
        return False
    return any(o is not v and o.start < v.start and o.data.get("unit") == "%" and
               re.match(r"\s*(?:%|percent)?\s*of\b", sent[o.data["value_end"] - offset:o.end - offset + 5] or " of")
               for o in values if o.sent == v.sent)


def _measure(clause: str) -> str | None:
    words = MEASURE_DROP.sub(" ", clause)
    words = re.sub(r"\s+", " ", words).strip(" ,;:-")
    return words[:80] or None

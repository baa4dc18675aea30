"""Attribution: which arm a numeric result belongs to (or all groups, or the difference between them)."""

from __future__ import annotations

import re

from models.records import Arm
from pipeline.assemble.cues import (
    ALL_GROUPS,
    BETWEEN,
    COMPARED_TO,
    CONTINUATION,
    GAP_BETWEEN,
    INTRO_GROUP,
    OTHER_GROUP,
    OTHER_GROUP_AFTER,
    OTHER_NAMED,
    RESPECTIVELY,
    THE_TREATMENT,
    VERSUS_COMPARATOR,
    WHOLE_POPULATION,
)
from pipeline.assemble.payloads import Clause, OutcomeScope, Placement, SentenceRead
from pipeline.extensions import Found


def pair_values(sent: str, offset: int, values: list[Found], mentions: list[tuple[int, Arm]]) -> dict[int, Arm]:
    """Values paired with arms in order: "X vs Y" with as many values as arms, or "..., respectively"."""
    respectively = bool(RESPECTIVELY.search(sent))
    paired: dict[int, Arm] = {}
    if respectively or re.search(r"\bvs\.?\s|\bversus\b", sent):
        distinct = []
        for pos, arm in mentions:
            if (respectively or pos < values[0].start) and arm not in distinct:
                distinct.append(arm)
        if len(distinct) == len(values) and len(values) > 1:
            paired = {id(v): a for v, a in zip(values, distinct, strict=True)}
        elif respectively:
            paired = _respectively_run(sent, offset, values, mentions)
    return paired


def _respectively_run(sent: str, offset: int, values: list[Found], mentions: list[tuple[int, Arm]]) -> dict[int, Arm]:
    """'... 4.6 months and 4.4 months with nivolumab and everolimus, respectively': the values just
    before the arms named just before 'respectively' pair with them in order."""
    r = RESPECTIVELY.search(sent)
    cut = offset + r.start()
    before = [v for v in values if v.start < cut]
    if not before:
        return {}
    arms: list[Arm] = []
    for pos, arm in mentions:
        if before[-1].end <= pos < cut and arm not in arms:
            arms.append(arm)
    if len(arms) < 2 or len(before) < len(arms):
        return {}
    return {id(v): a for v, a in zip(before[-len(arms):], arms, strict=True)}


def place_value(scope: OutcomeScope, read: SentenceRead, v: Found, clause: Clause) -> Placement:
    """The arm of value ``v``: paired, named in its clause, introduced, listed, carried over, the subject,
    or the one active arm of a controlled trial; in that order."""
    rel = v.start - read.offset
    place = Placement(arm=read.paired.get(id(v)),
                      in_clause=[(p, a) for p, a in read.mentions
                                 if read.offset + clause.start <= p < read.offset + clause.end],
                      # "the 17-point gap between the treatment and placebo groups"
                      between=bool(GAP_BETWEEN.search(clause.text)))
    if place.arm is None and not place.between:
        _named_in_clause(scope, read, v, place)
    if place.arm is None:
        place.arm = _introduced_arm(read, rel)
    free = not place.in_clause and not place.between
    if place.arm is None and free and v.rule_id in read.listed_arm:
        # "apixaban prevented six patients from ..., 15 patients from ... and eight patients from ...":
        # items of one list share the arm of the first
        place.arm, place.inherited = read.listed_arm[v.rule_id], True
    if place.arm is None and free:
        place.arm = _continued_arm(scope, read)
    if place.arm is None and free and not place.all_named:
        place.arm = _subject_arm(read.sent, read.offset, v, read.mentions, scope.comparators)
    if place.arm is None:
        place.arm = _the_active_arm(scope, read, rel, clause, place)
    if place.arm is not None and v.rule_id.startswith("outcome.count_people") and v.rule_id not in read.listed_arm:
        read.listed_arm[v.rule_id] = place.arm
        read.listed_first = v
    return place


def _named_in_clause(scope: OutcomeScope, read: SentenceRead, v: Found, place: Placement) -> None:
    rel = v.start - read.offset
    named_before = {id(a) for p, a in read.mentions if v.start - 90 <= p < v.start}
    if len(named_before) >= 3 and len(named_before) == len(scope.arms):
        place.in_clause = []  # "Eylea, Avastin, and Lucentis participants required nine injections": everyone
        place.all_named = True
    if place.in_clause:
        after = [(p, a) for p, a in place.in_clause if p >= v.start]
        before = [(p, a) for p, a in place.in_clause if p < v.start]
        # "diet plus walking (about 16 pounds)": a value in brackets belongs to what precedes them
        bracketed = re.search(r"\([^()]*$", read.sent[:rel]) is not None
        if bracketed and before:
            place.arm = before[-1][1]
        else:
            place.arm = (after[0] if after else place.in_clause[-1])[1]


def _introduced_arm(read: SentenceRead, rel: int) -> Arm | None:
    """"In the placebo group, there was a 13 percent reduction": the last arm the opening phrase names."""
    if (intro := INTRO_GROUP.match(read.sent)) and rel >= intro.end():
        named = [a for p, a in read.mentions if p < read.offset + intro.end()]
        return named[-1] if named else None
    return None


def _continued_arm(scope: OutcomeScope, read: SentenceRead) -> Arm | None:
    """"The dose ... reduced stiffness the most: 10.4 percent": the one arm the previous sentence named."""
    if CONTINUATION.match(read.sent) and (read.i - 1) in scope.sent_text:
        previous = {id(a): a for _, a in scope.mentions(read.i - 1)}
        return next(iter(previous.values())) if len(previous) == 1 else None
    return None


def _subject_arm(sent: str, offset: int, v: Found, mentions: list[tuple[int, Arm]],
                 comparators: list[Arm]) -> Arm | None:
    """The one arm a sentence names before a value, in an earlier clause, is its subject ("apixaban reduced this
    risk by 50 percent, preventing four patients ..."), unless it is a comparator, is itself named as the
    comparison ("compared to warfarin"), or another group's figure stands between ("... compared to 49% of ...")."""
    before = [(p, a) for p, a in mentions if p < v.start]  # mentions are in text order
    if len({id(a) for _, a in before}) != 1 or ALL_GROUPS.search(sent):
        return None
    last, subject = before[-1]
    rel_last, rel = last - offset, v.start - offset
    between = sent[rel_last:rel]
    if (subject in comparators or COMPARED_TO.search(sent[max(0, rel_last - 40):rel_last])
            or OTHER_GROUP.search(between) or OTHER_NAMED.search(between)
            or OTHER_GROUP_AFTER.match(sent[v.end - offset:])):
        return None
    return subject


def _the_active_arm(scope: OutcomeScope, read: SentenceRead, rel: int, clause: Clause, place: Placement) -> Arm | None:
    active, comparators, sent = scope.active, scope.comparators, read.sent
    if len(active) == 1 and (VERSUS_COMPARATOR.search(clause.text) or VERSUS_COMPARATOR.search(sent)
                             or THE_TREATMENT.search(clause.text)):
        return active[0]  # "had 90% efficacy compared to placebo": the one active arm
    if (not place.between and len(active) == 1 and comparators and not ALL_GROUPS.search(sent)
            and not any(a in comparators for _, a in place.in_clause) and not OTHER_NAMED.search(sent[:rel])
            and not WHOLE_POPULATION.search(clause.text)):
        return active[0]  # a controlled trial's result that names no group is the intervention's
    return None


def arm_label(place: Placement, sent: str, clause: Clause, v: Found) -> str:
    """The outcome's arm as stored: the arm's label, "all groups", "between groups" or "all"."""
    if place.between:
        return "between groups"
    if place.arm is not None:
        return place.arm.label
    if place.all_named or ALL_GROUPS.search(sent):
        return "all groups"
    if BETWEEN.search(clause.text) or v.data.get("unit") == "percentage points":
        return "between groups"
    return "all"

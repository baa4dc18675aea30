"""Directions: whether a result is the reference, no difference, an improvement or a worsening."""

from __future__ import annotations

import re

from models.records import Outcome
from pipeline.assemble.cues import COMPARISON, RELATIVE, reads_as_benefit
from pipeline.assemble.payloads import Clause, OutcomeScope, Placement, SentenceRead
from pipeline.extensions import Found


def is_reference(scope: OutcomeScope, read: SentenceRead, v: Found, place: Placement, clause: Clause) -> bool:
    """A comparator's value, or the second arm's figure set against the first's, is the reference."""
    arm = place.arm
    # "chemotherapy alone" is the comparison arm of an add-on trial
    is_comparator = arm is not None and (arm in scope.comparators or bool(re.search(r"\balone\b", clause.text)))
    if arm is not None and not is_comparator:
        if read.first_arm_value is None:
            read.first_arm_value, read.first_arm = v, arm
        elif (read.first_arm_value.data.get("unit") == v.data.get("unit") and arm is not read.first_arm
              and COMPARISON.search(read.sent[read.first_arm_value.end - read.offset:v.start - read.offset])):
            is_comparator = True
    return is_comparator


def direction_of(read: SentenceRead, place: Placement, label: str, clause: Clause, is_comparator: bool) -> str | None:
    if is_comparator:
        direction = "reference"
    elif read.no_diff:
        direction = "no difference"
    elif label in ("all", "all groups"):
        direction = None
    elif read.harm and not reads_as_benefit(clause.text):
        # a side-effect rate is a harm only when set against another group
        direction = "worsened" if RELATIVE.search(read.sent) else None
    else:
        direction = "improved"
    if place.inherited and read.listed_direction:
        direction = read.listed_direction  # the items of one list read the same way
    return direction


def harm_directions(sentence_outcomes: list[Outcome]) -> None:
    """For a harm (deaths, side effects), the arm with the lower rate than its reference fared better:
    "12% of women on tamoxifen died, compared with 15% of those who stopped" is an improvement."""
    references = [o for o in sentence_outcomes if o.direction == "reference" and o.value is not None]
    for o in sentence_outcomes:
        if o.direction != "worsened" or o.value is None:
            continue
        ref = next((r for r in references if r.unit == o.unit and r.arm != o.arm), None)
        if ref is not None and o.value < ref.value:
            o.direction = "improved"

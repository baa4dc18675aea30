"""The assembly's vocabulary, loaded from data: cue regexes (patterns/assemble.jsonl) and word lists (patterns/words.jsonl)."""

from __future__ import annotations

import re
from functools import cache

from models.records import Arm
from pipeline.patterns import load_rules, words


@cache
def _cues() -> dict[str, re.Pattern]:
    return {rule.id: rule.regex for rule in load_rules("assemble")}


def cue(rule_id: str) -> re.Pattern:
    """The compiled cue ``rule_id`` of data/patterns/assemble.jsonl."""
    return _cues()[rule_id]


DRUG_STOP = words("words.drug_stop")
VAGUE_ARM_WORDS = words("words.vague_arm")
NOT_ARM_WORDS = words("words.not_arm")
NOT_NAMES = words("words.not_trial_name")
NOT_AN_ARM_LABEL = words("words.not_an_arm_label")

COMPARATOR_WORDS = cue("assemble.comparator_words")
NOT_A_COMPARATOR_ARM = cue("assemble.not_a_comparator_arm")  # "placebo effect", "no placebo control"
DOSE_JOIN = cue("assemble.dose_join")
OF_SUBSTANCE = cue("assemble.of_substance")
NO_DIFF = cue("assemble.no_diff")
HARM = cue("assemble.harm")
RESULT_CUE = cue("assemble.result_cue")
BASELINE = cue("assemble.baseline")
NOT_A_RESULT = cue("assemble.not_a_result")  # ages, histories, estimates, what will be done
DEMOGRAPHIC = cue("assemble.demographic")
BACKGROUND = cue("assemble.background")
TRIAL_WORD = cue("assemble.trial_word")
GENERIC_TRIAL = cue("assemble.generic_trial")
NAME = cue("assemble.name")
NOT_CODED = cue("assemble.not_coded")
PHASE = cue("assemble.phase")
REGISTRY = cue("assemble.registry")
TERMINATED = cue("assemble.terminated")
SUCCESS = cue("assemble.success")
RELATIVE = cue("assemble.relative")
REDUCTION = cue("assemble.reduction")
RESPECTIVELY = cue("assemble.respectively")
CLAUSE_BREAK = cue("assemble.clause_break")
PARTICIPATION_WORDS = cue("assemble.participation_words")
ASSIGNMENT = cue("assemble.assignment")
GROUP_CONTEXT = cue("assemble.group_context")
ARM_CONTEXT = cue("assemble.arm_context")
COMPARISON = cue("assemble.comparison")
QUAL_NO_DIFF = cue("assemble.qual_no_diff")
VERSUS_COMPARATOR = cue("assemble.versus_comparator")
THE_TREATMENT = cue("assemble.the_treatment")
THIS_TRIAL = cue("assemble.this_trial")
TIMEPOINT = cue("assemble.timepoint")
INTRO_GROUP = cue("assemble.intro_group")
OPENS_AT_BASELINE = cue("assemble.opens_at_baseline")
LATER = cue("assemble.later")
FOLLOW_UP = cue("assemble.follow_up")
DENOMINATOR_BEFORE = cue("assemble.denominator_before")  # "Of the 15 patients with ..., 10 ..."
OTHER_NAMED = cue("assemble.other_named")
GAP_BETWEEN = cue("assemble.gap_between")
WHOLE_POPULATION = cue("assemble.whole_population")
CONTINUATION = cue("assemble.continuation")
CARRIES_ON = cue("assemble.carries_on")  # a paragraph going on about the trial mentioned before it
ACTIVE_GROUP = cue("assemble.active_group")
OTHER_GROUP = cue("assemble.other_group")
OTHER_GROUP_AFTER = cue("assemble.other_group_after")
TARGET_AFTER = cue("assemble.target_after")
COMPARED_TO = cue("assemble.compared_to")
ALL_GROUPS = cue("assemble.all_groups")
BETWEEN = cue("assemble.between")
PEOPLE_WORD = cue("assemble.people_word")
CONDITION_AFTER = cue("assemble.condition_after")
NOT_ARM_START = cue("assemble.not_arm_start")
TIME_WORD = cue("assemble.time_word")
MEASURE_DROP = cue("assemble.measure_drop")


def is_comparator(arm: Arm) -> bool:
    """Whether an arm is a comparison arm (placebo, sham, control, usual care...), by its label."""
    return bool(COMPARATOR_WORDS.search(arm.label))


def reads_as_benefit(clause: str) -> bool:
    """A reduction or a success in ``clause``: a harm that fell ("fewer side effects") is a benefit, not a harm."""
    return bool(REDUCTION.search(clause) or SUCCESS.search(clause))

"""Typed payloads passed between the assembly steps: a trial's sentences, one sentence's reading, one value's arm."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from models.records import Arm
from pipeline.assemble.cues import is_comparator
from pipeline.assemble.mentions import ArmNames, arm_mentions
from pipeline.extensions import Found

# label ("DOSE", "OUTCOME", ...) -> sentence index -> what the components found there
FoundBySentence = dict[str, dict[int, list[Found]]]
Items = Callable[[str], list[tuple[int, Found]]]


@dataclass
class Bucket:
    """The sentences of one trial while the article is read."""

    role: str
    status: str
    sents: list[int] = field(default_factory=list)
    cue: str = ""
    name: str | None = None


@dataclass
class TrialScope:
    """One trial while it is assembled: the article text and sentences, the trial's sentences (its bucket),
    what the components found in them, and the sentences that became evidence of the trial."""

    text: str
    sents: list[tuple[int, int]]
    bucket: Bucket
    by_sent: FoundBySentence
    evidence: set[int] = field(default_factory=set)
    sent_text: dict[int, str] = field(init=False)
    starts: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.sent_text = {i: self.text[self.sents[i][0]:self.sents[i][1]] for i in self.bucket.sents}
        self.starts = {i: self.sents[i][0] for i in self.bucket.sents}

    def items(self, key: str) -> list[tuple[int, Found]]:
        """What the components found under ``key`` in the trial's sentences, as (sentence, found) in order."""
        return [(i, f) for i in self.bucket.sents for f in self.by_sent[key].get(i, [])]

    def sentence_of(self, pos: int) -> int:
        """The trial sentence holding character ``pos``."""
        return next(i for i in self.bucket.sents if self.sents[i][0] <= pos < self.sents[i][1])


@dataclass
class OutcomeScope:
    """What every numeric result of one trial is read against: its sentences, its arms (comparators and
    active ones) and their names, and the spans that are doses or head counts rather than results."""

    starts: dict[int, int]
    sent_text: dict[int, str]
    arms: list[Arm]
    comparators: list[Arm]
    active: list[Arm]
    names: ArmNames
    dose_found: dict[int, list[Found]]
    arms_by_dose: dict[tuple, list[Arm]]
    dose_spans: list[tuple[int, int]]
    size_spans: list[tuple[int, int]]

    @classmethod
    def of(cls, starts: dict[int, int], sent_text: dict[int, str], items: Items, arms: list[Arm],
           size_span: tuple[int, int] | None) -> OutcomeScope:
        comparators = [a for a in arms if is_comparator(a)]
        dose_found: dict[int, list[Found]] = defaultdict(list)
        for i, f in items("DOSE"):
            dose_found[i].append(f)
        arms_by_dose: dict[tuple, list[Arm]] = defaultdict(list)
        for arm in arms:
            for key in dict.fromkeys((d.value, d.unit) for d in arm.doses):
                arms_by_dose[key].append(arm)
        # numbers already read as the trial's size or an arm's size are not results
        size_spans = [span for span in [size_span, *((a.n_start, a.n_end) for a in arms)] if span and None not in span]
        size_spans += [(f.data["n_start"], f.data["n_end"]) for _, f in items("TRIAL_SIZE") if f.data["strength"] >= 2]
        return cls(starts=starts, sent_text=sent_text, arms=arms, comparators=comparators,
                   active=[a for a in arms if a not in comparators],
                   names=ArmNames(arms),  # once per trial, not per sentence: linear in the number of arms
                   dose_found=dose_found, arms_by_dose=arms_by_dose,
                   dose_spans=[(d.start, d.end) for a in arms for d in a.doses], size_spans=size_spans)

    def mentions(self, k: int) -> list[tuple[int, Arm]]:
        """Where sentence ``k`` names an arm, by a name or by its dose ("At 600 IUs, stiffness increased")."""
        found = arm_mentions(self.sent_text[k], self.starts[k], self.arms, self.names)
        for dose in self.dose_found.get(k, []):
            for arm in self.arms_by_dose.get((dose.data["value"], dose.data["unit"]), []):
                found.append((dose.start, arm))
        return sorted(found, key=lambda p: p[0])


@dataclass
class SentenceRead:
    """One sentence's values while they are read in order, and what the earlier values settled for later ones."""

    i: int
    sent: str
    offset: int
    mentions: list[tuple[int, Arm]]
    paired: dict[int, Arm]
    no_diff: bool
    harm: bool
    opening: re.Match | None
    first_arm_value: Found | None = None
    first_arm: Arm | None = None
    listed_arm: dict[str, Arm] = field(default_factory=dict)
    listed_first: Found | None = None
    listed_direction: str | None = None


@dataclass
class Clause:
    """The clause around a value: [start, end) relative to its sentence, and its text."""

    start: int
    end: int
    text: str


@dataclass
class Placement:
    """The arm one value was given, and what the search for it saw on the way."""

    arm: Arm | None
    in_clause: list[tuple[int, Arm]]
    between: bool
    all_named: bool = False
    inherited: bool = False

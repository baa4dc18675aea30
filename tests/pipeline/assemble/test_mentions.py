"""arm_mentions: the indexed search finds what searching every name of every arm in every sentence finds."""

from __future__ import annotations

import re

from models.records import Arm
from pipeline.assemble.cues import ACTIVE_GROUP, COMPARATOR_WORDS
from pipeline.assemble.mentions import arm_mentions, name_words


def reference_arm_mentions(sent: str, offset: int, arms: list[Arm]) -> list[tuple[int, Arm]]:
    """arm_mentions as it was before it was indexed: every name of every arm searched in every sentence."""
    words_of = {id(arm): name_words(arm) for arm in arms}
    out = []
    for arm in arms:
        others = set().union(*(words_of[id(a)] for a in arms if a is not arm)) if len(arms) > 1 else set()
        names = {arm.label.lower()} | ({arm.intervention.lower()} if arm.intervention else set())
        names |= words_of[id(arm)] - others
        if arm.label in ("placebo", "sham") and not any("control" in a.label for a in arms):
            names.add("control")
        if arm.label == "sham":
            names |= {"simulated", "fake", "mock", "inactive"}
        distinctive = words_of[id(arm)] - others
        for name in names:
            if not name or len(name) < 3:
                continue
            stem = name in distinctive and len(name) >= 6 and not COMPARATOR_WORDS.fullmatch(name)
            tail = r"[a-z]*\b" if stem else r"(?:s|es)?\b"
            for m in re.finditer(r"\b" + re.escape(name) + tail, sent, re.I):
                out.append((offset + m.start(), arm))
    active = [a for a in arms if not COMPARATOR_WORDS.search(a.label)]
    if len(active) == 1 and len(active) < len(arms):
        for m in ACTIVE_GROUP.finditer(sent):
            out.append((offset + m.start(), active[0]))
    out.sort(key=lambda p: p[0])
    return out


ARM_SETS = [
    [Arm("baclofen 150 mg", "baclofen"), Arm("baclofen 30 mg", "baclofen"), Arm("placebo", "placebo")],
    [Arm("robotic surgery", "robotic surgery"), Arm("open surgery", "open surgery")],
    [Arm("sham", "sham"), Arm("acupuncture", "acupuncture")],
    [Arm("gradual-quit", "gradual-quit"), Arm("abrupt quit", "abrupt quit"), Arm("control", None)],
    [Arm("Xeljanz 5 mg", "Xeljanz"), Arm("usual care", "usual care")],
]
SENTENCES = [
    "Those on baclofen relapsed as often as those on placebo, and the control group did no better.",
    "Robotic surgery took longer than open surgery; surgery of both kinds left scars.",
    "A simulated acupuncture treatment worked as well as real acupuncture in the sham group.",
    "The gradualists and the abrupt quitters were compared with the control arm.",
    "In the treatment group, XELJANZ eased pain more than usual care did; the intervention arm fared best.",
]


def test_mentions_indexed_arm_mentions_equal_the_reference():
    for arms in ARM_SETS:
        for sent in SENTENCES:
            assert arm_mentions(sent, 100, arms) == reference_arm_mentions(sent, 100, arms), (arms, sent)

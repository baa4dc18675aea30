"""Where a sentence names a trial's arms: by label, intervention, or a word that names no other arm."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from models.records import Arm
from pipeline.assemble.cues import ACTIVE_GROUP, COMPARATOR_WORDS, DRUG_STOP, is_comparator


def arm_mentions(sent: str, offset: int, arms: list[Arm], names: ArmNames | None = None) -> list[tuple[int, Arm]]:
    """Positions (absolute) where an arm is named in a sentence: by its label, its intervention,
    or a word that names no other arm ("surgery" names both robotic and open surgery arms).

    ``names`` (built once per trial) keeps this linear: only names whose first word starts a word of
    the sentence are searched for, so a page with hundreds of arms costs no more per sentence."""
    names = names or ArmNames(arms)
    out = []
    for arm, _name, pattern in names.candidates(sent):
        for m in pattern.finditer(sent):
            out.append((offset + m.start(), arm))
    if names.active is not None:
        # "the intervention group", "the treatment arm": the one active arm of a controlled trial
        for m in ACTIVE_GROUP.finditer(sent):
            out.append((offset + m.start(), names.active))
    out.sort(key=lambda p: p[0])
    return out


class ArmNames:
    """The names of a trial's arms, worked out once (not per sentence) and indexed by their first word."""

    PREFIX = 24  # longest first-word prefix indexed; a longer first word is looked up by its first 24 letters

    def __init__(self, arms: list[Arm]) -> None:
        words_of = [name_words(arm) for arm in arms]
        shared = Counter(w for words in words_of for w in words)  # a word in two arms' names names neither
        self.entries: list[tuple[Arm, str, str]] = []  # (arm, name, pattern): compiled only if a sentence may hold it
        self.compiled: dict[int, re.Pattern] = {}
        for arm, words in zip(arms, words_of, strict=True):
            distinctive = {w for w in words if shared[w] == 1} if len(arms) > 1 else set(words)
            for name in _names_of(arm, arms, distinctive):
                if not name or len(name) < 3:
                    continue
                # a distinctive word of six letters or more also names the arm as a stem ("gradual" in "gradualists")
                stem = name in distinctive and len(name) >= 6 and not COMPARATOR_WORDS.fullmatch(name)
                tail = r"[a-z]*\b" if stem else r"(?:s|es)?\b"
                self.entries.append((arm, name, r"\b" + re.escape(name) + tail))
        self.by_head: dict[str, list[int]] = defaultdict(list)
        self.always: list[int] = []
        for k, (_, name, _) in enumerate(self.entries):
            head = re.match(r"[a-z0-9_]+", name)
            if head and head.group().isascii():
                self.by_head[head.group()[:self.PREFIX]].append(k)
            else:
                self.always.append(k)  # a name that does not start with an ASCII word: always searched
        active = [a for a in arms if not is_comparator(a)]
        self.active = active[0] if len(active) == 1 and len(active) < len(arms) else None

    def candidates(self, sent: str) -> list[tuple[Arm, str, re.Pattern]]:
        """The names that may occur in ``sent``, in the order the arms and names were listed."""
        if not self.entries:
            return []
        picked = set(self.always)
        for token in re.findall(r"\w+", sent.lower()):
            for n in range(1, min(len(token), self.PREFIX) + 1):
                hits = self.by_head.get(token[:n])
                if hits:
                    picked.update(hits)
        out = []
        for k in sorted(picked):
            if k not in self.compiled:
                self.compiled[k] = re.compile(self.entries[k][2], re.I)
            out.append((*self.entries[k][:2], self.compiled[k]))
        return out


def _names_of(arm: Arm, arms: list[Arm], distinctive: set[str]) -> set[str]:
    """The lower-case names of one arm: label, intervention, its distinctive words, and a comparator's synonyms."""
    names = {arm.label.lower()} | ({arm.intervention.lower()} if arm.intervention else set())
    names |= distinctive
    if arm.label in ("placebo", "sham") and not any("control" in a.label for a in arms):
        names.add("control")  # "the control group" of a placebo-controlled trial
    if arm.label == "sham":
        names |= {"simulated", "fake", "mock", "inactive"}  # "a simulated acupuncture treatment"
    return names


def name_words(arm: Arm) -> set[str]:
    """The words of an arm's label and intervention that may name it (not dose or filler words)."""
    text = f"{arm.label} {arm.intervention or ''}".lower()
    words = set(re.findall(r"[a-z][\w-]{2,}", text))
    words |= {part for w in words if "-" in w for part in w.split("-") if len(part) >= 3}  # "gradual-quit"
    return {w for w in words if w not in DRUG_STOP}

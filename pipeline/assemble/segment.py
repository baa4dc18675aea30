"""Segmentation: each sentence goes to the main trial, a mentioned (earlier or other) trial, or a planned one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.assemble.cues import CARRIES_ON, NAME, NOT_CODED, NOT_NAMES, REGISTRY, THIS_TRIAL, TRIAL_WORD
from pipeline.assemble.payloads import Bucket
from pipeline.extensions import Found


def paragraph_ids(text: str, sents: list[tuple[int, int]]) -> list[int]:
    ids, para, last_end = [], 0, 0
    for start, end in sents:
        if "\n\n" in text[last_end:start] or (last_end and "\n" in text[last_end:start]):
            para += 1
        ids.append(para)
        last_end = end
    return ids


@lru_cache(maxsize=4096)
def trial_names(sent: str) -> tuple[str, ...]:
    """Trial names (acronyms like RAZOR, ZOE-70) a sentence gives, in order."""
    if not TRIAL_WORD.search(sent):
        return ()
    out = []
    for m in NAME.finditer(sent):
        name = m.group("paren") or m.group("called") or m.group("coded") or m.group(1)
        if name and NOT_CODED.match(name):
            continue
        if (name and name.upper() not in NOT_NAMES and not REGISTRY.match(name) and len(name) <= 20
                and not re.fullmatch(r"(?:I{1,3}|IV|V)[ab]?", name) and name not in out):
            out.append(name)
    return tuple(out)


def segment(text: str, sents: list[tuple[int, int]], cues: dict[int, list[Found]]) -> list[Bucket]:
    """Assign each sentence to the main trial, a mentioned (earlier/other) trial, or a planned one.
    When the article names two or more trials, the first named is the main trial and a
    sentence naming another opens (or returns to) that trial."""
    names_at = {i: trial_names(text[s:e]) for i, (s, e) in enumerate(sents)}
    main = Bucket("main", "completed", name=_main_name(names_at))
    reading = _Reading(text=text, cues=cues, names_at=names_at, main=main, buckets=[main])
    paras = paragraph_ids(text, sents)
    for i, (start, end) in enumerate(sents):
        if reading.current is not None and paras[i] != paras[i - 1]:
            if reading.carry:
                reading.carry = False
            elif not (reading.current.role == "mentioned" and not cues.get(i) and CARRIES_ON.match(text[start:end])):
                reading.current = None  # a paragraph that does not go on about the mentioned trial is the main one's
        reading.place(i, text[start:end])
    return reading.buckets


def _main_name(names_at: dict[int, tuple[str, ...]]) -> str | None:
    """When the article names two or more trials, the first named: news names its own trial first;
    later names are trials it compares with."""
    counts: dict[str, int] = {}
    for names in names_at.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    if len(counts) >= 2:
        return min(counts, key=lambda n: min(i for i, ns in names_at.items() if n in ns))
    return None


@dataclass
class _Reading:
    """The segmentation while it reads the article: the trials opened so far and the one being read."""

    text: str
    cues: dict[int, list[Found]]
    names_at: dict[int, tuple[str, ...]]
    main: Bucket
    buckets: list[Bucket]
    named: dict[str, Bucket] = field(default_factory=dict)
    planned: Bucket | None = None
    current: Bucket | None = None  # a mentioned trial whose paragraph we are in
    carry: bool = False  # a heading naming a trial ("About the ZOE-50 trial") governs the next paragraph

    def place(self, i: int, sent_text: str) -> None:
        roles = {c.data["role"] for c in self.cues.get(i, [])}
        if not self._by_name(i, sent_text, roles):
            self._by_role(i, sent_text, roles)

    def _by_name(self, i: int, sent_text: str, roles: set[str]) -> bool:
        """A sentence naming a trial goes to that trial."""
        main = self.main
        others = [n for n in self.names_at[i] if main.name and n != main.name]
        heading = len(sent_text) < 80 and not sent_text.rstrip().endswith((".", "!", "?", '"', "”"))
        if others and main.name not in self.names_at[i] and "planned" not in roles:
            bucket = self.named.get(others[0])
            if bucket is None:
                bucket = self.named[others[0]] = Bucket("mentioned", "completed", cue=sent_text, name=others[0])
                self.buckets.append(bucket)
            bucket.sents.append(i)
            self.current, self.carry = bucket, heading
            return True
        if main.name and main.name in self.names_at[i]:
            main.sents.append(i)
            self.current, self.carry = (main, True) if heading else (None, False)
            return True
        return False

    def _by_role(self, i: int, sent_text: str, roles: set[str]) -> None:
        """Otherwise the context cues decide: planned, mentioned or ongoing trials, else the current one."""
        if "generic" in roles and not roles & {"planned", "ongoing", "mentioned"}:
            return
        if "planned" in roles and "main" not in roles:
            if self.planned is None:
                self.planned = Bucket("planned", "planned", cue=sent_text)
                self.buckets.append(self.planned)
            self.planned.sents.append(i)
            self.current = None
            return
        if "mentioned" in roles and "main" not in roles:
            cue = next(c for c in self.cues[i] if c.data["role"] == "mentioned")
            self.current = Bucket("mentioned", "completed", cue=self.text[cue.start:cue.end])
            self.buckets.append(self.current)
            self.current.sents.append(i)
            return
        if "ongoing" in roles and "main" not in roles:
            self._ongoing(i, sent_text)
            return
        if "main" in roles:
            self.current = None
        (self.current or self.main).sents.append(i)

    def _ongoing(self, i: int, sent_text: str) -> None:
        if not self.main.sents or i <= 3 or THIS_TRIAL.search(sent_text):
            self.main.status = "ongoing"
            self.main.sents.append(i)
        else:
            self.current = Bucket("mentioned", "ongoing", cue=sent_text)
            self.buckets.append(self.current)
            self.current.sents.append(i)

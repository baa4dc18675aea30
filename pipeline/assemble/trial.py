"""Trial-level facts: size (with population and condition), duration, design tags, name, phase, registry, termination."""

from __future__ import annotations

import re
from collections import defaultdict

from models.records import Arm, Trial
from pipeline.assemble.cues import (
    BASELINE,
    CONDITION_AFTER,
    GENERIC_TRIAL,
    PARTICIPATION_WORDS,
    PEOPLE_WORD,
    PHASE,
    REGISTRY,
    TERMINATED,
    TRIAL_WORD,
)
from pipeline.assemble.payloads import TrialScope
from pipeline.assemble.segment import trial_names
from pipeline.extensions import Found
from pipeline.learn.value_decide import Choice, choose_duration, choose_size
from pipeline.patterns import load_rules

DESIGN_KEEP_MIN = 0.5  # a design cue a trained model scored below this is dropped
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "one": "1", "two": "2", "three": "3", "four": "4"}
TAG_ORDER = ["randomized", "placebo-controlled", "sham-controlled", "controlled", "double-blind", "single-blind",
             "observer-blind", "blinded", "open-label", "double-dummy", "crossover", "multicenter",
             "non-inferiority", "pilot", "pragmatic"]


def size_and_duration(scope: TrialScope, trial: Trial) -> None:
    """The rules propose a size and a duration; a trained model, when one is shipped, decides among all candidates."""
    _size(scope, trial)
    _duration(scope, trial)


def _size(scope: TrialScope, trial: Trial) -> None:
    # size: strongest candidate, then first; a trained model decides among all head counts when one is shipped
    text, sents = scope.text, scope.sents
    sizes = [(i, f) for i, f in scope.items("TRIAL_SIZE") if _size_ok(f, text[sents[i][0]:sents[i][1]])]
    arm_n_sents = _arm_size_sentences(text, scope)
    best = None
    if sizes:
        # strongest; then a number stated exactly over "more than 900"; then the first
        _, best = max(sizes, key=lambda p: (p[1].data["strength"] - (p[0] in arm_n_sents and p[1].data["strength"] < 3),
                                            p[1].data["qualifier"] is None, -p[1].start))
    size = choose_size(text, sents, scope.bucket.sents, scope.items("TRIAL_SIZE"), best, trial)
    if size is not None:
        _set_size(text, trial, size)
        scope.evidence.add(scope.sentence_of(size.start))


def size_of_an_arm(trial: Trial, arms: list[Arm]) -> None:
    """A head count that is both the trial's size and the n of one of its two or more arms is that arm's: when only
    the arms' sizes are given the trial's size stays empty (GUIDELINE: sizes are not summed)."""
    if trial.size is not None and len(arms) >= 2 and any(a.n == trial.size for a in arms):
        trial.size = trial.size_span = trial.size_qualifier = trial.size_score = None
        trial.size_rule_id = ""


def _duration(scope: TrialScope, trial: Trial) -> None:
    # duration: first stated
    durations = scope.items("DURATION")
    first = None
    if durations:
        # rule order is priority ("a 16-week trial" over "for 12 weeks"), then position
        priority = {rule.id: k for k, rule in enumerate(load_rules("duration"))}
        _, first = min(durations, key=lambda p: (priority.get(p[1].rule_id, 99), p[1].start))
    duration = choose_duration(scope.text, scope.sents, scope.bucket.sents, durations, first, trial)
    if duration is not None:
        trial.duration = duration.value
        trial.duration_span = (duration.start, duration.end)
        trial.duration_rule_id, trial.duration_score = duration.rule_id, duration.score
        scope.evidence.add(scope.sentence_of(duration.start))


def _set_size(text: str, trial: Trial, size: Choice) -> None:
    """Store the chosen size; a rule component's match also gives the qualifier, a target and the population."""
    trial.size = size.value
    trial.size_span = (size.start, size.end)
    trial.size_rule_id, trial.size_score = size.rule_id, size.score
    found = size.found if size.found is not None and size.found.data.get("n_start") == size.start else None
    if found is None:
        found = Found("TRIAL_SIZE", size.start, size.end, size.rule_id, {"n_end": size.end})
    else:
        trial.size_qualifier = found.data["qualifier"]
        trial.size_span = (found.data["n_start"], found.data["n_end"])
        if found.data["target"] and trial.status == "completed":
            trial.status = "ongoing"  # "aims to enroll 300 patients"
    trial.population, trial.condition = population_and_condition(text, found)


def _arm_size_sentences(text: str, scope: TrialScope) -> set[int]:
    """Sentences that give two or more arm sizes: their head counts are arms, not the trial."""
    counts: dict[int, int] = defaultdict(int)
    for i, f in scope.items("ARM"):
        if f.data["kind"] == "arm_n":
            counts[i] += 1
    for i, f in scope.items("TRIAL_SIZE"):
        if re.match(r"\s*(?:each )?(?:got|received|were given|took|were assigned)\b", text[f.end:f.end + 30]):
            counts[i] += 1
    return {i for i, n in counts.items() if n >= 2}


def population_and_condition(text: str, size: Found) -> tuple[str | None, str | None]:
    """'151 alcohol-dependent patients' -> population; '... patients with severe asthma' -> condition."""
    window = text[size.data["n_end"]:size.end + 80]
    people = PEOPLE_WORD.search(window)
    if not people or people.start() > 60:
        return None, None
    population = window[:people.end()].strip(" ,") or None
    after = text[size.data["n_end"] + people.end():size.data["n_end"] + people.end() + 120]
    cond = CONDITION_AFTER.match(after)
    condition = cond.group("cond").strip() if cond else None
    if condition and population:
        population = f"{population} with {condition}"
    return population, condition


def _size_ok(found: Found, sent: str) -> bool:
    if found.data["n"] >= 100_000 and not PARTICIPATION_WORDS.search(sent):
        return False  # "a study of over 710,000 children" is a registry, not a trial
    if found.data["strength"] >= 2:
        return True
    if found.data["n"] >= 100_000:
        return False  # a population, not the people a trial enrolled
    return bool(TRIAL_WORD.search(sent)) and not BASELINE.search(sent)


def design(scope: TrialScope, trial: Trial) -> None:
    """The design tags of the trial's sentences (those a trained model scored too low are dropped), in TAG_ORDER."""
    tags: list[str] = []
    for i, f in scope.items("DESIGN"):
        if GENERIC_TRIAL.search(scope.sent_text[i]) and scope.bucket.role == "main":
            continue
        score = f.data.get("score")  # set by a trained model (claims_decide), else the rules keep every cue
        if score is not None:
            if score < DESIGN_KEEP_MIN:
                continue
            trial.design_scores[f.data["tag"]] = max(score, trial.design_scores.get(f.data["tag"], 0.0))
        if f.data["tag"] not in tags:
            tags.append(f.data["tag"])
            scope.evidence.add(i)
    trial.design = _order_tags(tags)


def _order_tags(tags: list[str]) -> list[str]:
    tags = list(dict.fromkeys(tags))
    if any(t in tags for t in ("double-blind", "single-blind", "observer-blind")) and "blinded" in tags:
        tags.remove("blinded")
    return sorted(tags, key=TAG_ORDER.index)


def identity(scope: TrialScope, trial: Trial) -> None:
    """Name, phase, registry number and early termination, each from the first sentence that gives it."""
    for i in scope.bucket.sents:
        s = scope.sent_text[i]
        low = s.lower()  # cheap substring gates before the regexes
        if trial.registry is None and "nct" in low and (m := REGISTRY.search(s)):
            trial.registry = m.group(0)
            scope.evidence.add(i)
        if trial.phase is None and "phase" in low and (m := PHASE.search(s)):
            p = m.group("p").lower()
            trial.phase = ROMAN.get(p, p) + (m.group("ab") or "").lower()
            scope.evidence.add(i)
        if trial.name is None and (names := trial_names(s)):
            trial.name = scope.bucket.name or names[0]
            scope.evidence.add(i)
        if ("stop" in low or "termin" in low or "halt" in low) and TERMINATED.search(s) and scope.bucket.role != "planned":
            trial.terminated = True

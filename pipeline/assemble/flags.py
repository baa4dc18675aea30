"""Consistency flags: what an assembled trial says that cannot all be true (arm sizes over the total, 140%, ...)."""

from __future__ import annotations

from models.records import Trial

DOSE_LIMITS = {"mg": 20000, "g": 100, "mcg": 1_000_000, "mg/kg": 200, "mg/m2": 5000, "IU": 2_000_000}


def consistency_flags(trial: Trial) -> list[tuple[str, str]]:
    """(flag, message) pairs for the trial's sizes, outcomes and doses, in that order."""
    return _size_flags(trial) + _outcome_flags(trial) + _dose_flags(trial)


def _size_flags(trial: Trial) -> list[tuple[str, str]]:
    ns = [a.n for a in trial.arms if a.n is not None]
    if trial.size and ns and sum(ns) > trial.size:
        return [("arm_sizes_exceed_size", f"arm sizes add up to {sum(ns)} > trial size {trial.size}")]
    if trial.size and ns and len(ns) == len(trial.arms) and sum(ns) != trial.size:
        return [("arm_sizes_mismatch", f"arm sizes add up to {sum(ns)}, trial size is {trial.size}")]
    return []


def _outcome_flags(trial: Trial) -> list[tuple[str, str]]:
    flags: list[tuple[str, str]] = []
    for o in trial.outcomes:
        if o.unit == "%" and o.value is not None and o.value > 100:
            flags.append(("percent_over_100", f"{o.value:g}% in «{o.text}»"))
        if o.count is not None and o.denominator is not None and o.count > o.denominator:
            flags.append(("count_over_denominator", f"{o.count} of {o.denominator} in «{o.text}»"))
        if o.arm in (None, "all") and o.value is not None:
            flags.append(("outcome_without_arm", f"no arm for «{o.text}»"))
    return flags


def _dose_flags(trial: Trial) -> list[tuple[str, str]]:
    flags: list[tuple[str, str]] = []
    for a in trial.arms:
        for d in a.doses:
            limit = DOSE_LIMITS.get(d.unit or "")
            top = d.upper if d.upper is not None else d.value
            if limit and top is not None and top > limit:
                flags.append(("implausible_dose", f"{top:g} {d.unit} in «{d.text}»"))
    return flags

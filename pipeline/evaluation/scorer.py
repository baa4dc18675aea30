"""Score extracted trial claims against gold annotations (GUIDELINE section 9) and gate on pinned floors.

Scoring is pure: ``score(gold_records, predicted_records, texts=None) -> Report``. Records are the
GUIDELINE JSON objects (gold: one line of ``dev.jsonl``; predicted: ``{"id", "study_type", "trials"}``).

Counting, per article (all counts are summed over articles, i.e. micro-averaged):

* **Trial matching.** Gold and predicted trials are aligned one-to-one by an exact maximum-weight
  assignment (``_assign``: dynamic programming over subsets, exact for the handful of trials an article
  has; above 12 candidates on the smaller side it falls back to greedy on the similarity matrix). The
  similarity (``trial_similarity``) adds: drug/intervention word overlap x3, shared evidence characters
  x2, size (or ``size_alt``) equal x2, name equal x2, dose values overlap x1, phase equal x1, role equal
  x0.5, duration equal x0.5. A pair needs a similarity of at least 1.0 to be matched, so sharing only
  the role never makes two trials "the same".
* **Optional gold trials** take part in the matching; a predicted trial matched to one is dropped
  together with it, and unmatched optional gold trials are ignored.
* **trial**: TP = predicted trial matched to a required gold trial; FN = required gold trial left
  unmatched; FP = predicted trial matched to nothing.
* **article**: "has at least one required trial". Gold positive = a required gold trial exists;
  predicted positive = a predicted trial that is not matched to an optional gold trial exists.
* **size / duration** (P/R/F1) on a matched pair: gold value set and predicted equal (``size_alt`` /
  ``duration_alt`` accepted) -> TP; both set but different -> FP + FN; only gold set -> FN; only
  predicted set -> FP, unless it equals an alternative (then not counted). Durations are compared after
  normalising number and unit ("16-week", "sixteen weeks" == "16 weeks"); units are never converted
  ("4 months" != "16 weeks" unless listed in ``duration_alt``).
* **design**: per tag TP/FP/FN on matched pairs, summed over tags (micro); per-tag figures are kept.
* **arm**: arms of a matched pair are aligned by intervention/label words and dose values (same exact
  assignment); TP = aligned arm, FN/FP = unaligned gold/predicted arm.
* **arm_n**: like size, on aligned arms; an unaligned gold arm with ``n`` is FN, an unaligned predicted
  arm with ``n`` is FP.
* **dose** (value+unit) and **dose_full** (value, upper, unit, per): doses of aligned arms are matched
  as multisets of normalised keys (1e-6 relative tolerance); unmatched gold doses are FN, unmatched
  predicted doses FP, doses of unaligned arms are FN/FP. Doses whose value is null are not scored.
* **outcome** (value): gold outcomes with ``optional: true`` are removed, with any predicted outcome
  matching them. A predicted outcome with a value matches a gold one when the values agree (1e-6
  relative, a "%" sign ignored) and the arm agrees: the predicted arm label aligns with the gold arm, or
  both name the same pooled group ("all", "between groups", "other"). Greedy, which is exact here
  because candidates are equivalence classes. TP = matched; FN/FP = unmatched valued gold/predicted.
  **outcome_any_arm** is the same without the arm condition (a diagnostic, no target).
  **outcome_detect** counts every outcome: the "outcome" matches plus null-value gold outcomes matched
  to null-value predictions by their text (word Jaccard >= 0.5 or one text inside the other).
* **direction**: accuracy over matched outcomes (valued and null-value).
* **status**: accuracy over matched required trials (``status_alt`` accepted).
* **study_type**: accuracy over all records (``study_type_alt`` accepted).
* **Unmatched predicted trials** add FP to every field above for each value they state (size,
  duration, each design tag, each arm, each arm n, each dose, each outcome); **unmatched required gold
  trials** add FN likewise. Neither counts for the accuracies (status, direction).
* **evidence**: share of predicted trials (matched or not) whose ``evidence_offsets`` reproduce their
  ``evidence`` strings exactly in the article text and whose every dose ``text`` and outcome ``text``
  lies inside one of their evidence strings. Articles without a text are not checked.

The scorer normalises numbers, units, periods and durations with its own functions (``scored_*``), not
with ``pipeline.normalize``: a scorer that shared the extractor's parser would forgive the extractor's
parsing mistakes instead of counting them.

P is None when nothing was predicted, R is None when nothing was expected, F1 is None when both are
None (shown "-" and never gated). Floors gate F1 for P/R/F1 fields and the value for the others.
Slices by record ``tags`` sum the same per-article counts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# --- fields, targets ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str  # "prf" (P/R/F1; F1 gated) | "acc" (accuracy) | "share" (share of checked items)
    target: float | None = None


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("article", "article has trial", "prf"),
    FieldSpec("trial", "trial", "prf", 0.85),
    FieldSpec("size", "size", "prf", 0.90),
    FieldSpec("duration", "duration", "prf", 0.85),
    FieldSpec("design", "design tags", "prf", 0.85),
    FieldSpec("arm", "arm", "prf"),
    FieldSpec("arm_n", "arm n", "prf", 0.85),
    FieldSpec("dose", "dose value+unit", "prf", 0.85),
    FieldSpec("dose_full", "dose full", "prf"),
    FieldSpec("outcome", "outcome value", "prf", 0.75),
    FieldSpec("outcome_any_arm", "outcome value (any arm)", "prf"),
    FieldSpec("outcome_detect", "outcome detection", "prf"),
    FieldSpec("direction", "direction", "acc", 0.80),
    FieldSpec("study_type", "study type", "acc", 0.90),
    FieldSpec("status", "status", "acc"),
    FieldSpec("evidence", "evidence offsets exact", "share", 1.0),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
PRF_KEYS = tuple(f.key for f in FIELDS if f.kind == "prf")
ACC_KEYS = tuple(f.key for f in FIELDS if f.kind != "prf")
SLICE_FIELDS = ("trial", "dose", "outcome", "size")

TRIAL_MATCH_MIN = 1.0
ARM_MATCH_MIN = 1.0
REL_TOL = 1e-6

# --- counters -----------------------------------------------------------------------------


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        if self.tp + self.fp + self.fn == 0:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


@dataclass
class Acc:
    correct: int = 0
    total: int = 0

    def add(self, other: Acc) -> None:
        self.correct += other.correct
        self.total += other.total

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass
class ArticleResult:
    """Counts and readable mismatches for one article."""

    id: str
    tags: tuple[str, ...] = ()
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in PRF_KEYS})
    accs: dict[str, Acc] = field(default_factory=lambda: {k: Acc() for k in ACC_KEYS})
    design_tags: dict[str, Counts] = field(default_factory=dict)
    n_gold: int = 0
    n_optional: int = 0
    n_pred: int = 0
    problems: list[str] = field(default_factory=list)

    def tag_counts(self, tag: str) -> Counts:
        return self.design_tags.setdefault(tag, Counts())


@dataclass
class Report:
    """Summed scores over articles, plus the per-article results they came from."""

    articles: list[ArticleResult]

    def counts(self, key: str, articles: Iterable[ArticleResult] | None = None) -> Counts:
        total = Counts()
        for art in self.articles if articles is None else articles:
            total.add(art.counts[key])
        return total

    def acc(self, key: str, articles: Iterable[ArticleResult] | None = None) -> Acc:
        total = Acc()
        for art in self.articles if articles is None else articles:
            total.add(art.accs[key])
        return total

    def value(self, key: str) -> float | None:
        """The gated number of a field: F1 for P/R/F1 fields, else the accuracy/share."""
        return self.counts(key).f1 if key in PRF_KEYS else self.acc(key).value

    def design_per_tag(self) -> dict[str, Counts]:
        out: dict[str, Counts] = {}
        for art in self.articles:
            for tag, c in art.design_tags.items():
                out.setdefault(tag, Counts()).add(c)
        return dict(sorted(out.items()))

    def slices(self) -> dict[str, dict[str, Any]]:
        by_tag: dict[str, list[ArticleResult]] = {}
        for art in self.articles:
            for tag in art.tags:
                by_tag.setdefault(tag, []).append(art)
        out = {}
        for tag in sorted(by_tag, key=lambda t: (-len(by_tag[t]), t)):
            arts = by_tag[tag]
            row: dict[str, Any] = {"n": len(arts)}
            for key in SLICE_FIELDS:
                row[key] = self.counts(key, arts).f1
            out[tag] = row
        return out

    def to_json(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for spec in FIELDS:
            if spec.kind == "prf":
                c = self.counts(spec.key)
                fields[spec.key] = {
                    "p": c.precision, "r": c.recall, "f1": c.f1, "tp": c.tp, "fp": c.fp, "fn": c.fn,
                }
            else:
                a = self.acc(spec.key)
                fields[spec.key] = {"value": a.value, "correct": a.correct, "total": a.total}
        return {
            "n_articles": len(self.articles),
            "fields": fields,
            "design_tags": {
                t: {"p": c.precision, "r": c.recall, "f1": c.f1, "tp": c.tp, "fp": c.fp, "fn": c.fn}
                for t, c in self.design_per_tag().items()
            },
            "slices": self.slices(),
            "errors": {a.id: a.problems for a in self.articles if a.problems},
        }


# --- normalisation ------------------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_TIME_UNITS = {
    "minute": "minute", "min": "minute", "hour": "hour", "hr": "hour", "day": "day", "week": "week",
    "wk": "week", "month": "month", "mo": "month", "year": "year", "yr": "year",
}
_DURATION_RE = re.compile(
    r"(\d+(?:\.\d+)?|(?:[a-z]+ )?[a-z]+)\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
)


def parse_number_words(words: str) -> float | None:
    """"sixteen" -> 16, "twenty four" -> 24; None when the words are not a number."""
    parts = words.split()
    if len(parts) > 1 and parts[0] in ("a", "an"):
        parts = parts[1:]  # "a five (month trial)": the article is not a number here
    if not parts or any(p not in _NUMBER_WORDS for p in parts) or len(parts) > 2:
        return None
    if len(parts) == 2 and not (_NUMBER_WORDS[parts[0]] >= 20 and _NUMBER_WORDS[parts[1]] < 10):
        return None  # only "twenty four" style compounds
    return float(sum(_NUMBER_WORDS[p] for p in parts))


def scored_duration(value: Any) -> str | None:
    """"16-week", "sixteen weeks", "16 weeks" -> "16 week". Units are kept as written (no conversion)."""
    if value is None:
        return None
    text = str(value).lower().replace("-", " ").replace(",", "")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    for m in _DURATION_RE.finditer(text):
        raw, unit = m.group(1), m.group(2)
        number: float | None
        if raw[0].isdigit():
            number = float(raw)
        else:
            # "a five" (as in "a five month trial") -> try the whole phrase, then its last word
            number = parse_number_words(raw)
            if number is None:
                number = parse_number_words(raw.split()[-1])
        if number is None:
            continue
        unit = unit.rstrip("s") if unit not in ("mos", "hrs", "yrs", "wks", "mins") else unit[:-1]
        return f"{number:g} {_TIME_UNITS.get(unit, unit)}"
    return text


_UNIT_ALIASES = {
    "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg", "mcg": "mcg",
    "milligram": "mg", "milligrams": "mg", "gram": "g", "grams": "g", "gm": "g",
    "iu": "iu", "ius": "iu", "international units": "iu", "international unit": "iu",
    "unit": "unit", "units": "unit", "u": "unit", "percent": "%", "per cent": "%",
    "mg/m²": "mg/m2", "milligrams per kilogram": "mg/kg", "mg per kg": "mg/kg",
}
_PER_ALIASES = {
    "d": "day", "day": "day", "daily": "day", "a day": "day", "per day": "day", "/day": "day",
    "every day": "day", "week": "week", "weekly": "week", "a week": "week", "per week": "week",
    "month": "month", "monthly": "month", "a month": "month", "per month": "month",
    "year": "year", "yearly": "year", "annually": "year",
}


def scored_unit(unit: Any) -> str | None:
    if unit is None:
        return None
    u = re.sub(r"\s+", " ", str(unit).strip().lower())
    return _UNIT_ALIASES.get(u, u) or None


def scored_per(per: Any) -> str | None:
    if per is None:
        return None
    p = re.sub(r"\s+", " ", str(per).strip().lower())
    return _PER_ALIASES.get(p, p) or None


def to_number(value: Any) -> float | None:
    """A numeric value as float; strings like "39%" or "1,000" are read, anything else is None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").rstrip("%").strip()
    try:
        return float(text)
    except ValueError:
        return None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0) or a == b


def _num_key(x: float | None) -> str:
    # 7 significant digits ~ the 1e-6 relative tolerance, usable as a Counter key
    return "null" if x is None else f"{x:.7g}"


_DESIGN_ALIASES = {
    "randomised": "randomized", "multicentre": "multicenter", "multi-center": "multicenter",
    "multi-centre": "multicenter", "double blind": "double-blind", "single blind": "single-blind",
    "open label": "open-label", "placebo controlled": "placebo-controlled",
    "sham controlled": "sham-controlled", "cross-over": "crossover", "noninferiority": "non-inferiority",
}


def normalize_design(tags: Iterable[Any] | None) -> set[str]:
    out = set()
    for tag in tags or ():
        t = re.sub(r"\s+", " ", str(tag).strip().lower())
        out.add(_DESIGN_ALIASES.get(t, t))
    return out


def normalize_phase(phase: Any) -> str | None:
    if phase is None:
        return None
    p = str(phase).strip().lower().removeprefix("phase").strip()
    roman = {"iv": "4", "iii": "3", "ii": "2", "i": "1"}
    m = re.fullmatch(r"(iv|iii|ii|i|\d)([a-c]?)", p)
    if m:
        return roman.get(m.group(1), m.group(1)) + m.group(2)
    return p or None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


_STOP = {
    "and", "plus", "with", "the", "of", "for", "or", "in", "on", "a", "an", "to", "by", "only", "alone",
    "dose", "doses", "high", "low", "daily", "oral", "pill", "pills", "supplement", "supplements",
    "injection", "injections", "capsule", "capsules", "cream", "tablet", "tablets", "group", "arm",
    "treatment", "therapy", "standard", "mg", "mcg", "iu", "not", "no", "was", "were", "that", "who",
}
# Words every controlled trial shares: useless for telling trials apart, but they do tell arms apart.
_TRIAL_STOP = _STOP | {"placebo", "sham", "control", "usual", "care", "saline", "vehicle"}


def _words(text: Any, stop: set[str]) -> set[str]:
    if not text:
        return set()
    return {w for w in re.findall(r"[a-z][a-z0-9]*|\d+[a-z][a-z0-9]*", str(text).lower())
            if w not in stop and len(w) > 1}


def _overlap(a: set[Any], b: set[Any]) -> float:
    """Overlap coefficient: short names ("Shingrix") match long descriptions that contain them."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _jaccard(a: set[Any], b: set[Any]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --- record access ------------------------------------------------------------------------


def arm_doses(arm: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [d for d in _as_list(arm.get("dose")) if isinstance(d, Mapping)]


def _dose_key(dose: Mapping[str, Any], full: bool) -> tuple[str, ...] | None:
    value = to_number(dose.get("value"))
    if value is None:
        return None
    key = (_num_key(value), scored_unit(dose.get("unit")) or "")
    if full:
        key += (_num_key(to_number(dose.get("upper"))), scored_per(dose.get("per")) or "")
    return key


def _trial_drugs(trial: Mapping[str, Any]) -> set[str]:
    words: set[str] = set()
    for arm in trial.get("arms") or ():
        words |= _words(arm.get("intervention"), _TRIAL_STOP) | _words(arm.get("label"), _TRIAL_STOP)
        for dose in arm_doses(arm):
            words |= _words(dose.get("drug"), _TRIAL_STOP)
    return words


def _trial_dose_values(trial: Mapping[str, Any]) -> set[str]:
    return {
        _num_key(to_number(d.get("value")))
        for arm in trial.get("arms") or ()
        for d in arm_doses(arm)
        if to_number(d.get("value")) is not None
    }


def _spans(trial: Mapping[str, Any]) -> list[tuple[int, int]]:
    out = []
    for pair in trial.get("evidence_offsets") or ():
        if isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, int) for x in pair):
            out.append((pair[0], pair[1]))
    return out


def _merged_length(spans: list[tuple[int, int]]) -> int:
    total, last = 0, -1
    for s, e in sorted(spans):
        s = max(s, last)
        if e > s:
            total += e - s
            last = e
    return total


def _evidence_overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> float:
    la, lb = _merged_length(a), _merged_length(b)
    if not la or not lb:
        return 0.0
    inter = [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if min(e1, e2) > max(s1, s2)]
    return _merged_length(inter) / min(la, lb)


def _name_key(name: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name or "").lower())


def _accepted(trial: Mapping[str, Any], key: str) -> list[Any]:
    return [v for v in [trial.get(key), *_as_list(trial.get(f"{key}_alt"))] if v is not None]


def _sizes(trial: Mapping[str, Any]) -> set[int]:
    return {int(n) for n in (to_number(v) for v in _accepted(trial, "size")) if n is not None}


def trial_similarity(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> float:
    """How alike a gold and a predicted trial are (weights in the module docstring)."""
    score = 3.0 * _overlap(_trial_drugs(gold), _trial_drugs(pred))
    score += 2.0 * _evidence_overlap(_spans(gold), _spans(pred))
    psize = to_number(pred.get("size"))
    if psize is not None and int(psize) in _sizes(gold):
        score += 2.0
    gname, pname = _name_key(gold.get("name")), _name_key(pred.get("name"))
    if gname and pname and (gname == pname or (min(len(gname), len(pname)) >= 3 and (
            gname in pname or pname in gname))):
        score += 2.0
    score += 1.0 * _jaccard(_trial_dose_values(gold), _trial_dose_values(pred))
    pphase = normalize_phase(pred.get("phase"))
    if pphase and pphase in {normalize_phase(p) for p in _accepted(gold, "phase")}:
        score += 1.0
    if gold.get("role") and gold.get("role") == pred.get("role"):
        score += 0.5
    pdur = scored_duration(pred.get("duration"))
    if pdur and pdur in {scored_duration(d) for d in _accepted(gold, "duration")}:
        score += 0.5
    return score


def arm_similarity(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> float:
    """Arms match by intervention and dose: word overlap x2, dose (value, unit) Jaccard x2, n equal x1."""
    gw = _words(gold.get("intervention"), _STOP) | _words(gold.get("label"), _STOP)
    pw = _words(pred.get("intervention"), _STOP) | _words(pred.get("label"), _STOP)
    score = 2.0 * _overlap(gw, pw)
    gd = {k for d in arm_doses(gold) if (k := _dose_key(d, False))}
    pd = {k for d in arm_doses(pred) if (k := _dose_key(d, False))}
    score += 2.0 * _jaccard(gd, pd)
    if gold.get("n") is not None and to_number(gold.get("n")) == to_number(pred.get("n")):
        score += 1.0
    return score


# --- assignment ---------------------------------------------------------------------------


def _assign(sim: list[list[float]], minimum: float) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one matching of rows to columns over pairs scoring >= ``minimum``.

    Exact (DP over subsets of the smaller side) up to 12 on that side, greedy beyond.
    """
    rows = len(sim)
    cols = len(sim[0]) if rows else 0
    if not rows or not cols:
        return []
    transpose = cols > rows
    if transpose:
        sim = [[sim[r][c] for r in range(rows)] for c in range(cols)]
        rows, cols = cols, rows
    # now cols <= rows: subsets are over columns
    if cols > 12:
        pairs = sorted(((sim[r][c], r, c) for r in range(rows) for c in range(cols)
                        if sim[r][c] >= minimum), reverse=True)
        used_r: set[int] = set()
        used_c: set[int] = set()
        out = []
        for _, r, c in pairs:
            if r not in used_r and c not in used_c:
                used_r.add(r)
                used_c.add(c)
                out.append((r, c))
    else:
        best: dict[int, tuple[float, list[tuple[int, int]]]] = {0: (0.0, [])}
        for r in range(rows):
            nxt = dict(best)
            for mask, (total, chosen) in best.items():
                for c in range(cols):
                    if mask & (1 << c) or sim[r][c] < minimum:
                        continue
                    cand = (total + sim[r][c], [*chosen, (r, c)])
                    key = mask | (1 << c)
                    if key not in nxt or cand[0] > nxt[key][0]:
                        nxt[key] = cand
            best = nxt
        out = max(best.values(), key=lambda v: (v[0], len(v[1])))[1]
    return [(c, r) for r, c in out] if transpose else out


# --- per-article scoring ------------------------------------------------------------------


def _describe_trial(trial: Mapping[str, Any]) -> str:
    parts = [str(trial.get("role") or "?")]
    if trial.get("name"):
        parts.append(repr(str(trial["name"])[:40]))
    if trial.get("size") is not None:
        parts.append(f"n={trial['size']}")
    if trial.get("duration"):
        parts.append(str(trial["duration"]))
    drugs = sorted({str(a.get("label") or a.get("intervention") or "")[:30] for a in trial.get("arms") or ()})
    if drugs:
        parts.append("[" + ", ".join(d for d in drugs if d) + "]")
    return " ".join(parts)


def _describe_dose(dose: Mapping[str, Any]) -> str:
    upper = f"-{dose.get('upper')}" if dose.get("upper") not in (None, dose.get("value")) else ""
    per = f"/{dose.get('per')}" if dose.get("per") else ""
    return f"{dose.get('value')}{upper} {dose.get('unit')}{per}"


def _arm_name(arm: Mapping[str, Any]) -> str:
    return str(arm.get("label") or arm.get("intervention") or "?")[:40]


_POOLED = {
    "all": "all", "all groups": "all", "all arms": "all", "all participants": "all", "overall": "all",
    "both groups": "all", "both arms": "all", "everyone": "all", "all patients": "all",
    "between groups": "between", "between-group": "between", "between group": "between",
    "difference": "between", "other": "other",
}


def _arm_key(label: Any) -> str:
    return re.sub(r"\s+", " ", str(label or "").strip().lower())


class _ArticleScorer:
    def __init__(self, gold: Mapping[str, Any], pred: Mapping[str, Any], text: str | None) -> None:
        self.gold = gold
        self.pred = pred
        self.text = text
        self.res = ArticleResult(id=str(gold.get("id")), tags=tuple(gold.get("tags") or ()))

    def c(self, key: str) -> Counts:
        return self.res.counts[key]

    def problem(self, message: str) -> None:
        self.res.problems.append(message)

    def run(self) -> ArticleResult:
        gold_trials = list(self.gold.get("trials") or [])
        pred_trials = list(self.pred.get("trials") or [])
        res = self.res
        res.n_gold = sum(1 for t in gold_trials if not t.get("optional"))
        res.n_optional = len(gold_trials) - res.n_gold
        res.n_pred = len(pred_trials)

        st_ok = self.pred.get("study_type") in _accepted(self.gold, "study_type")
        res.accs["study_type"] = Acc(int(st_ok), 1)
        if not st_ok:
            self.problem(f"study_type: gold {self.gold.get('study_type')} pred {self.pred.get('study_type')}")

        sim = [[trial_similarity(g, p) for p in pred_trials] for g in gold_trials]
        pairs = _assign(sim, TRIAL_MATCH_MIN)
        matched_g = {g for g, _ in pairs}
        matched_p = {p for _, p in pairs}
        counted_pred = 0
        for gi, pi in sorted(pairs):
            if gold_trials[gi].get("optional"):
                continue
            counted_pred += 1
            self.c("trial").tp += 1
            self._matched(gold_trials[gi], pred_trials[pi], label=f"trial {gi + 1}")
        for gi, g in enumerate(gold_trials):
            if gi not in matched_g and not g.get("optional"):
                self.c("trial").fn += 1
                self.problem(f"missed trial {gi + 1}: {_describe_trial(g)}")
                self._unmatched(g, "fn")
        for pi, p in enumerate(pred_trials):
            if pi not in matched_p:
                counted_pred += 1
                self.c("trial").fp += 1
                self.problem(f"spurious trial: {_describe_trial(p)}")
                self._unmatched(p, "fp")

        gold_pos, pred_pos = res.n_gold > 0, counted_pred > 0
        art = self.c("article")
        art.tp += int(gold_pos and pred_pos)
        art.fp += int(pred_pos and not gold_pos)
        art.fn += int(gold_pos and not pred_pos)

        if self.text is not None:
            for pi, p in enumerate(pred_trials):
                ok, why = check_evidence(p, self.text)
                res.accs["evidence"].add(Acc(int(ok), 1))
                if not ok:
                    self.problem(f"evidence (pred trial {pi + 1}): {why}")
        return res

    # --- a trial nobody matched: every stated value is a FP (pred) or FN (gold) --------------
    def _unmatched(self, trial: Mapping[str, Any], side: str) -> None:
        def bump(key: str, n: int = 1) -> None:
            setattr(self.c(key), side, getattr(self.c(key), side) + n)

        if trial.get("size") is not None:
            bump("size")
        if trial.get("duration"):
            bump("duration")
        for tag in normalize_design(trial.get("design")):
            bump("design")
            c = self.res.tag_counts(tag)
            setattr(c, side, getattr(c, side) + 1)
        for arm in trial.get("arms") or ():
            bump("arm")
            if arm.get("n") is not None:
                bump("arm_n")
            for dose in arm_doses(arm):
                if _dose_key(dose, False):
                    bump("dose")
                    bump("dose_full")
        for out in trial.get("outcomes") or ():
            if side == "fn" and out.get("optional"):
                continue
            bump("outcome_detect")
            if to_number(out.get("value")) is not None:
                bump("outcome")
                bump("outcome_any_arm")

    # --- a matched pair ------------------------------------------------------------------
    def _matched(self, g: Mapping[str, Any], p: Mapping[str, Any], label: str) -> None:
        self._scalar("size", g, p, label, lambda v: None if to_number(v) is None else int(to_number(v)))
        self._scalar("duration", g, p, label, scored_duration)

        gd, pd = normalize_design(g.get("design")), normalize_design(p.get("design"))
        for tag in gd | pd:
            c = self.res.tag_counts(tag)
            hit = Counts(tp=int(tag in gd and tag in pd), fp=int(tag in pd and tag not in gd),
                         fn=int(tag in gd and tag not in pd))
            c.add(hit)
            self.c("design").add(hit)
        if gd != pd:
            extra = sorted(pd - gd)
            missing = sorted(gd - pd)
            self.problem(f"{label} design: missing {missing or '-'} extra {extra or '-'}")

        ok = p.get("status") in _accepted(g, "status")
        self.res.accs["status"].add(Acc(int(ok), 1))
        if not ok:
            self.problem(f"{label} status: gold {g.get('status')} pred {p.get('status')}")

        arm_map = self._arms(g, p, label)
        self._outcomes(g, p, arm_map, label)

    def _scalar(self, key: str, g: Mapping[str, Any], p: Mapping[str, Any], label: str, norm: Any) -> None:
        gv, pv = norm(g.get(key)), norm(p.get(key))
        alts = {norm(v) for v in _as_list(g.get(f"{key}_alt"))}
        c = self.c(key)
        if gv is not None and pv is not None:
            if pv == gv or pv in alts:
                c.tp += 1
                return
            c.fp += 1
            c.fn += 1
        elif gv is not None:
            c.fn += 1
        elif pv is not None:
            if pv in alts:
                return
            c.fp += 1
        else:
            return
        raw_alts = [str(v) for v in _as_list(g.get(f"{key}_alt"))]
        alt = f" (alt {raw_alts})" if raw_alts else ""
        self.problem(f"{label} {key}: gold {g.get(key)}{alt} pred {p.get(key)}")

    def _arms(self, g: Mapping[str, Any], p: Mapping[str, Any], label: str) -> dict[str, str]:
        """Align arms; count arm, arm_n, dose, dose_full. Returns predicted label -> gold label key."""
        garms, parms = list(g.get("arms") or []), list(p.get("arms") or [])
        pairs = _assign([[arm_similarity(ga, pa) for pa in parms] for ga in garms], ARM_MATCH_MIN)
        mg, mp = {i for i, _ in pairs}, {j for _, j in pairs}
        arm_map: dict[str, str] = {}
        for gi, pi in pairs:
            ga, pa = garms[gi], parms[pi]
            arm_map[_arm_key(pa.get("label"))] = _arm_key(ga.get("label"))
            self.c("arm").tp += 1
            gn, pn = to_number(ga.get("n")), to_number(pa.get("n"))
            cn = self.c("arm_n")
            if gn is not None and pn is not None and gn == pn:
                cn.tp += 1
            elif gn is not None or pn is not None:
                cn.fp += int(pn is not None)
                cn.fn += int(gn is not None)
                self.problem(f"{label} arm {_arm_name(ga)!r} n: gold {ga.get('n')} pred {pa.get('n')}")
            for key, full in (("dose", False), ("dose_full", True)):
                gk = Counter(k for d in arm_doses(ga) if (k := _dose_key(d, full)))
                pk = Counter(k for d in arm_doses(pa) if (k := _dose_key(d, full)))
                tp = sum((gk & pk).values())
                c = self.c(key)
                c.tp += tp
                c.fp += sum(pk.values()) - tp
                c.fn += sum(gk.values()) - tp
                if key == "dose" and gk != pk:
                    gdesc = [_describe_dose(d) for d in arm_doses(ga) if _dose_key(d, False)]
                    pdesc = [_describe_dose(d) for d in arm_doses(pa) if _dose_key(d, False)]
                    self.problem(f"{label} arm {_arm_name(ga)!r} dose: gold {gdesc} pred {pdesc}")
        for gi, ga in enumerate(garms):
            if gi in mg:
                continue
            doses = self._unaligned_arm(ga, "fn")
            extra = f" n={ga.get('n')}" if ga.get("n") is not None else ""
            extra += f" doses {[_describe_dose(d) for d in doses]}" if doses else ""
            self.problem(f"{label} missed arm {_arm_name(ga)!r}{extra}")
        for pi, pa in enumerate(parms):
            if pi in mp:
                continue
            self._unaligned_arm(pa, "fp")
            self.problem(f"{label} spurious arm {_arm_name(pa)!r}")
        return arm_map

    def _unaligned_arm(self, arm: Mapping[str, Any], side: str) -> list[Mapping[str, Any]]:
        """Count an arm the other side has no match for: its n and scored doses are all ``side`` ("fn" for a gold
        arm, "fp" for a predicted one). Returns those doses."""
        doses = [d for d in arm_doses(arm) if _dose_key(d, False)]
        for key, k in (("arm", 1), ("arm_n", int(arm.get("n") is not None)), ("dose", len(doses)),
                       ("dose_full", len(doses))):
            c = self.c(key)
            setattr(c, side, getattr(c, side) + k)
        return doses

    def _outcomes(self, g: Mapping[str, Any], p: Mapping[str, Any], arm_map: dict[str, str], label: str) -> None:
        """Count outcome, outcome_any_arm, outcome_detect and direction on a matched pair; note the mismatches."""
        outs = _OutcomeMatcher(g, p, arm_map)
        valued_pairs = outs.match(valued=True, use_arm=True)
        outs.tally(self.c("outcome"), valued_pairs, valued=True)
        outs.tally(self.c("outcome_any_arm"), outs.match(valued=True, use_arm=False), valued=True)
        all_pairs = valued_pairs + outs.match(valued=False, use_arm=False)
        outs.tally(self.c("outcome_detect"), all_pairs, valued=None)
        self._directions(outs, all_pairs, label)
        self._unmatched_outcomes(outs, all_pairs, label)

    def _directions(self, outs: _OutcomeMatcher, pairs: list[tuple[int, int]], label: str) -> None:
        """Direction accuracy over the matched outcomes whose gold is not optional."""
        for gi, pi in pairs:
            go, po = outs.gouts[gi], outs.pouts[pi]
            if go.get("optional"):
                continue
            ok = (go.get("direction") or None) == (po.get("direction") or None)
            self.res.accs["direction"].add(Acc(int(ok), 1))
            if not ok:
                self.problem(f"{label} outcome {_describe_outcome(go)} direction: gold {go.get('direction')}"
                             f" pred {po.get('direction')}")

    def _unmatched_outcomes(self, outs: _OutcomeMatcher, pairs: list[tuple[int, int]], label: str) -> None:
        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        missed = [_describe_outcome(o) for i, o in enumerate(outs.gouts) if i not in matched_g and not o.get("optional")]
        spurious = [_describe_outcome(o) for i, o in enumerate(outs.pouts) if i not in matched_p]
        if missed:
            self.problem(f"{label} missed outcomes ({len(missed)}): " + "; ".join(missed))
        if spurious:
            self.problem(f"{label} spurious outcomes ({len(spurious)}): " + "; ".join(spurious))


class _OutcomeMatcher:
    """The gold and predicted outcomes of one matched trial pair, matched by value, arm and text."""

    def __init__(self, g: Mapping[str, Any], p: Mapping[str, Any], arm_map: dict[str, str]) -> None:
        self.gouts = list(g.get("outcomes") or [])
        self.pouts = list(p.get("outcomes") or [])
        self.arm_map = arm_map
        self.gold_arms = {_arm_key(a.get("label")) for a in g.get("arms") or ()}

    def gold_arm(self, o: Mapping[str, Any]) -> str:
        k = _arm_key(o.get("arm"))
        return "=" + _POOLED[k] if k in _POOLED else k

    def pred_arm(self, o: Mapping[str, Any]) -> str:
        """The gold arm key a predicted outcome's arm stands for ("?"-prefixed when it stands for none)."""
        k = _arm_key(o.get("arm"))
        if k in _POOLED:
            return "=" + _POOLED[k]
        if k in self.arm_map:
            return self.arm_map[k]
        # a predicted outcome may name the gold label directly even if its arm was not aligned
        return k if k in self.gold_arms else "?" + k

    def match(self, *, valued: bool, use_arm: bool) -> list[tuple[int, int]]:
        """Greedy: candidates share value (and arm), so any maximal choice is maximum."""
        out: list[tuple[int, int]] = []
        used: set[int] = set()
        # required outcomes first, so an optional one never takes a prediction a required one needs
        order = sorted(range(len(self.gouts)), key=lambda i: bool(self.gouts[i].get("optional")))
        for gi in order:
            go = self.gouts[gi]
            gv = to_number(go.get("value"))
            if (gv is not None) != valued:
                continue
            best = self._best_prediction(go, gv, used, use_arm=use_arm)
            if best is not None:
                used.add(best)
                out.append((gi, best))
        return out

    def _best_prediction(self, go: Mapping[str, Any], gv: float | None, used: set[int], *,
                         use_arm: bool) -> int | None:
        """The unused predicted outcome that can match ``go`` (gold value ``gv``: valued outcomes match by value
        and arm, null ones by text) with the most similar text (the first on ties)."""
        valued = gv is not None
        best, best_sim = None, -1.0
        for pi, po in enumerate(self.pouts):
            if pi in used:
                continue
            pv = to_number(po.get("value"))
            if (pv is not None) != valued:
                continue
            if valued and (not _close(gv, pv) or (use_arm and self.gold_arm(go) != self.pred_arm(po))):
                continue  # checked before the text similarity, which only ranks what can match
            tsim = _text_similarity(go.get("text"), po.get("text"))
            if not valued and tsim < 0.5:
                continue
            if tsim > best_sim:
                best, best_sim = pi, tsim
        return best

    def tally(self, c: Counts, pairs: list[tuple[int, int]], *, valued: bool | None) -> None:
        """Add one field's TP/FN/FP; ``valued`` limits FN/FP to valued (True) or null-value (False) outcomes."""

        def eligible(o: Mapping[str, Any]) -> bool:
            return valued is None or (to_number(o.get("value")) is not None) == valued

        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        c.tp += sum(1 for gi, _ in pairs if not self.gouts[gi].get("optional"))
        c.fn += sum(1 for gi, go in enumerate(self.gouts) if eligible(go) and not go.get("optional")
                    and gi not in matched_g)
        c.fp += sum(1 for pi, po in enumerate(self.pouts) if eligible(po) and pi not in matched_p)


def _describe_outcome(o: Mapping[str, Any]) -> str:
    value = o.get("value")
    unit = o.get("unit") or ""
    head = f"{value}{unit if unit == '%' else ' ' + unit if unit else ''}" if value is not None else "null"
    text = str(o.get("text") or "")
    if len(text) > 50:
        text = text[:47] + "..."
    return f"{head} [{o.get('arm')}] {text!r}"


def _text_similarity(a: Any, b: Any) -> float:
    sa, sb = str(a or "").strip().lower(), str(b or "").strip().lower()
    if not sa or not sb:
        return 0.0
    if sa in sb or sb in sa:
        return 1.0
    wa, wb = set(re.findall(r"\w+", sa)), set(re.findall(r"\w+", sb))
    return _jaccard(wa, wb)


def check_evidence(trial: Mapping[str, Any], text: str) -> tuple[bool, str]:
    """Offsets reproduce the evidence strings; every dose/outcome text lies inside one of them."""
    evidence = list(trial.get("evidence") or [])
    offsets = list(trial.get("evidence_offsets") or [])
    if len(evidence) != len(offsets):
        return False, f"{len(evidence)} evidence strings but {len(offsets)} offsets"
    for ev, pair in zip(evidence, offsets, strict=True):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, int) for x in pair)):
            return False, f"bad offsets {pair!r}"
        s, e = pair
        if not (0 <= s <= e <= len(text)) or text[s:e] != ev:
            got = text[s:e] if 0 <= s <= e <= len(text) else "<out of range>"
            return False, f"offsets {[s, e]} give {got[:40]!r}, not {str(ev)[:40]!r}"
    for arm in trial.get("arms") or ():
        for dose in arm_doses(arm):
            t = dose.get("text")
            if not t or not any(t in ev for ev in evidence):
                return False, f"dose text {t!r} not inside an evidence string"
    for out in trial.get("outcomes") or ():
        t = out.get("text")
        if not t or not any(t in ev for ev in evidence):
            return False, f"outcome text {str(t)[:40]!r} not inside an evidence string"
    return True, ""


def record_text(gold: Mapping[str, Any], texts: Mapping[str, str] | None = None) -> str | None:
    """The text a gold record's offsets index: the corpus text, or the seed passages joined by "\\n"."""
    rid = gold.get("id")
    if texts is not None and rid in texts:
        return texts[rid]
    if gold.get("seed_passages"):
        return "\n".join(gold["seed_passages"])
    return gold.get("text")


def score(
    gold_records: Sequence[Mapping[str, Any]],
    predicted_records: Sequence[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    texts: Mapping[str, str] | None = None,
) -> Report:
    """Score predictions against gold; every gold id needs a prediction (ValueError lists missing ones)."""
    if isinstance(predicted_records, Mapping):
        preds = dict(predicted_records)
    else:
        preds = {str(p.get("id")): p for p in predicted_records}
    missing = [str(g.get("id")) for g in gold_records if str(g.get("id")) not in preds]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} gold record(s): {', '.join(missing[:10])}")
    articles = [
        _ArticleScorer(g, preds[str(g.get("id"))], record_text(g, texts)).run() for g in gold_records
    ]
    return Report(articles)

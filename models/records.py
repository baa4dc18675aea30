"""Frozen dataclasses passed between stages: fetch -> clean -> extract -> store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class FetchResult:
    """One fetch attempt. ``body`` is None when the attempt failed (``error`` says why)."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    body: bytes | None = None
    sha256: str | None = None
    fetched_at: str | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None


@dataclass(frozen=True)
class Block:
    """One block of main text: its kind and its [start, end) span in ``CleanPage.text``."""

    kind: str  # heading | paragraph | list_item | quote | caption
    start: int
    end: int


@dataclass(frozen=True)
class CleanPage:
    """The article part of a page: body text with blocks, trailer split off, metadata."""

    url: str
    text: str
    title: str | None = None
    date: str | None = None
    blocks: tuple[Block, ...] = ()
    trailer: str = ""
    stage: str = "generic"
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None  # the codec the page bytes were decoded with


# --- extraction records -----------------------------------------------------------------
# Every record that states a value carries ``start``/``end``: the character offsets of its
# evidence phrase in the article text, so that ``text[start:end] == record.text``.


@dataclass
class Dose:
    value: float | None
    unit: str | None
    text: str
    start: int
    end: int
    upper: float | None = None
    per: str | None = None
    frequency: str | None = None
    drug: str | None = None
    rule_id: str = ""
    score: float | None = None  # probability that the value is right, when a trained model scored it

    def to_json(self) -> dict[str, Any]:
        out = {
            "value": _num(self.value),
            "upper": _num(self.upper),
            "unit": self.unit,
            "per": self.per,
            "text": self.text,
        }
        if self.frequency:
            out["frequency"] = self.frequency
        if self.drug:
            out["drug"] = self.drug
        return _scored(out, self)


@dataclass
class Arm:
    label: str
    intervention: str | None = None
    n: int | None = None
    doses: list[Dose] = field(default_factory=list)
    start: int | None = None  # evidence of the arm (its mention)
    end: int | None = None
    n_start: int | None = None
    n_end: int | None = None
    rule_id: str = ""
    score: float | None = None
    n_rule_id: str = ""  # the rule that proposed ``n``, and the model's probability for it
    n_score: float | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.doses:
            dose: Any = None
        elif len(self.doses) == 1:
            dose = self.doses[0].to_json()
        else:
            dose = [d.to_json() for d in self.doses]
        return _scored({"label": self.label, "n": self.n, "intervention": self.intervention, "dose": dose}, self)


@dataclass
class Outcome:
    text: str
    start: int
    end: int
    measure: str | None = None
    arm: str | None = None
    comparator: str | None = None
    value: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    baseline: float | None = None
    upper: float | None = None
    count: int | None = None
    denominator: int | None = None
    p_value: str | None = None
    ci: list[float] | None = None
    timepoint: str | None = None
    direction: str | None = None
    rule_id: str = ""
    hedges: list[str] = field(default_factory=list)  # cues in the outcome's sentence ("may", "preliminary")
    score: float | None = None
    direction_score: float | None = None  # probability of ``direction``, when a trained model decided it

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "measure": self.measure,
            "arm": self.arm,
            "value": _num(self.value),
            "unit": self.unit,
            "direction": self.direction,
            "text": self.text,
        }
        for key in ("comparator", "qualifier", "timepoint", "p_value"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("baseline", "upper", "count", "denominator"):
            if getattr(self, key) is not None:
                out[key] = _num(getattr(self, key))
        if self.ci:
            out["ci"] = [_num(x) for x in self.ci]
        if self.direction_score is not None:
            out["direction_score"] = self.direction_score
        return _scored(out, self)


@dataclass
class Trial:
    role: str = "main"
    status: str = "completed"
    name: str | None = None
    phase: str | None = None
    registry: str | None = None
    design: list[str] = field(default_factory=list)
    size: int | None = None
    size_qualifier: str | None = None
    size_span: tuple[int, int] | None = None
    size_rule_id: str = ""
    size_score: float | None = None
    duration: str | None = None
    duration_span: tuple[int, int] | None = None
    duration_rule_id: str = ""
    duration_score: float | None = None
    condition: str | None = None
    population: str | None = None
    arms: list[Arm] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    evidence: list[tuple[int, int]] = field(default_factory=list)  # sentence spans
    flags: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    terminated: bool = False
    score: float | None = None
    design_scores: dict[str, float] = field(default_factory=dict)  # tag -> probability, when a model kept it

    def to_json(self, text: str) -> dict[str, Any]:
        spans = sorted(set(self.evidence))
        out: dict[str, Any] = {
            "role": self.role,
            "status": self.status,
            "design": list(self.design),
            "size": self.size,
            "duration": self.duration,
            "condition": self.condition,
            "population": self.population,
            "arms": [a.to_json() for a in self.arms],
            "outcomes": [o.to_json() for o in self.outcomes],
            "evidence": [text[s:e] for s, e in spans],
            "evidence_offsets": [[s, e] for s, e in spans],
        }
        for key in ("name", "phase", "registry", "size_qualifier"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.terminated:
            out["terminated"] = True
        if self.flags:
            out["flags"] = [{"kind": k, "message": m} for k, m in self.flags]
        if self.design_scores:
            out["design_scores"] = dict(self.design_scores)
        return _scored(out, self)


@dataclass
class ArticleClaims:
    """What the extractor says about one article."""

    study_type: str
    trials: list[Trial] = field(default_factory=list)
    study_type_span: tuple[int, int] | None = None
    study_type_score: float | None = None  # probability of ``study_type``, when a trained model decided it
    model_version: str | None = None  # the trained models that decided (None: the rules alone)

    def to_json(self, text: str) -> dict[str, Any]:
        out: dict[str, Any] = {"study_type": self.study_type}
        if self.study_type_score is not None:
            out["study_type_score"] = self.study_type_score
        out["trials"] = [t.to_json(text) for t in self.trials]
        return out


def _scored(out: dict[str, Any], record: Any) -> dict[str, Any]:
    """Add ``score`` to a record's JSON when a model scored it (the scorer and the schema ignore extra keys)."""
    if record.score is not None:
        out["score"] = record.score
    return out


def _num(x: float | int | None) -> float | int | None:
    """Keep integers integral in JSON output (150, not 150.0)."""
    if x is None:
        return None
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def as_dict(record: Any) -> dict[str, Any]:
    return asdict(record)

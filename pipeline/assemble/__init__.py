"""Assembly: the claims components' spans become trials with arms, doses, outcomes, evidence and flags.

article (claims_from_doc, one trial per bucket) -> segment (sentences to trials) -> trial (size, duration,
design, name, phase) -> arms (doses to arms, arm sizes) -> outcomes (values, with attribution to arms and
directions) -> flags. The vocabulary lives in data/patterns/assemble.jsonl and words.jsonl (cues)."""

from pipeline.assemble.article import TRIAL_TYPES, claims_from_doc

__all__ = ["TRIAL_TYPES", "claims_from_doc"]

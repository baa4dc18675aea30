"""The assembly's vocabulary comes from data: every cue and word list in the files is loaded, and nothing else."""

from __future__ import annotations

import json
import re
from importlib.resources import files

from pipeline.assemble import cues

PATTERNS = files("claims_data") / "patterns"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (PATTERNS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_cues_every_rule_is_a_module_constant_with_its_flags():
    constants = {v.pattern: name for name, v in vars(cues).items() if isinstance(v, re.Pattern)}
    for row in rows("assemble.jsonl"):
        compiled = cues.cue(row["id"])
        assert constants.get(compiled.pattern) == row["id"].removeprefix("assemble.").upper()
        assert bool(compiled.flags & re.I) is not bool(row.get("case_sensitive")), row["id"]
    assert len(constants) == len(rows("assemble.jsonl"))


def test_cues_word_lists_load_as_frozensets():
    for row in rows("words.jsonl"):
        assert cues.words(row["id"]) == frozenset(row["words"])
    assert "mg" in cues.DRUG_STOP and "FDA" in cues.NOT_NAMES

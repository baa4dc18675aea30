"""Gold records and their texts for training, and deterministic article-grouped folds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

# the scorer and its readers: training labels come from the same matching the evaluation counts
from pipeline.evaluation import scorer
from pipeline.evaluation.gate import file_sha256, load_texts, read_jsonl
from pipeline.evaluation.scorer import record_text

SEED = 13
CORPUS_REL = Path("corpus") / "fakehealth" / "articles.jsonl"


def load_gold(paths: Iterable[Path], corpus: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Records of every file (a later file's record replaces an earlier one with the same id) and their texts.
    A record whose text is not in the corpus (the seed) is kept with the text its offsets index."""
    by_id: dict[str, dict[str, Any]] = {}
    for path in paths:
        for rec in read_jsonl(Path(path)):
            by_id[str(rec["id"])] = rec
    records = list(by_id.values())
    texts = load_texts(corpus, by_id) if corpus.exists() else {}
    for rec in records:
        if rec["id"] not in texts:
            text = record_text(rec, texts)
            if text is not None:
                texts[rec["id"]] = text
    return [r for r in records if r["id"] in texts], texts


def gold_files(gold_dir: Path) -> dict[str, Path]:
    return {"train": gold_dir / "train.jsonl", "dev": gold_dir / "dev.jsonl"}


def hashes(paths: Iterable[Path]) -> dict[str, str]:
    return {Path(p).name: file_sha256(Path(p)) for p in paths}


def _group_key(record_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{record_id}".encode()).hexdigest()


def folds(records: Sequence[dict[str, Any]], k: int = 5, seed: int = SEED,
          group: Any = None) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """``k`` (train, test) splits; every group (by default the article id) falls in one test fold. The order is a
    hash of seed and group, so a split does not depend on file order or on the Python hash seed."""
    group = group or (lambda r: str(r["id"]))
    keys = sorted({group(r) for r in records}, key=lambda g: _group_key(g, seed))
    fold_of = {g: n % k for n, g in enumerate(keys)}
    out = []
    for n in range(k):
        test = [r for r in records if fold_of[group(r)] == n]
        train = [r for r in records if fold_of[group(r)] != n]
        out.append((train, test))
    return out


def _arm_map(gold_trial: Mapping[str, Any], pred_trial: Mapping[str, Any]) -> dict[str, str]:
    garms, parms = list(gold_trial.get("arms") or []), list(pred_trial.get("arms") or [])
    pairs = scorer._assign([[scorer.arm_similarity(g, p) for p in parms] for g in garms], scorer.ARM_MATCH_MIN)
    return {scorer._arm_key(parms[p].get("label")): scorer._arm_key(garms[g].get("label")) for g, p in pairs}


def _outcome_arm(label: Any, arm_map: Mapping[str, str] | None, gold_arms: set[str]) -> str:
    k = scorer._arm_key(label)
    if k in scorer._POOLED:
        return "=" + scorer._POOLED[k]
    if arm_map is None:
        return k
    return arm_map.get(k, k if k in gold_arms else "?" + k)


def trial_pairs(gold: Mapping[str, Any], predicted: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], int]]:
    """(gold trial, predicted trial index) for the trials the scorer aligns."""
    gts, pts = list(gold.get("trials") or []), list(predicted.get("trials") or [])
    sim = [[scorer.trial_similarity(g, p) for p in pts] for g in gts]
    return [(gts[gi], pi) for gi, pi in scorer._assign(sim, scorer.TRIAL_MATCH_MIN)]


def outcome_pairs(gold: Mapping[str, Any], predicted: Mapping[str, Any],
                  use_arm: bool = True) -> list[tuple[Mapping[str, Any], int, int]]:
    """The (gold outcome, predicted trial index, predicted outcome index) pairs the scorer compares directions on:
    trials aligned as the scorer aligns them; valued outcomes matched by value and arm (by value alone without
    ``use_arm``), valueless ones by text."""
    pts = list(predicted.get("trials") or [])
    out = []
    for g, pi in trial_pairs(gold, predicted):
        p = pts[pi]
        if g.get("optional"):
            continue
        arm_map = _arm_map(g, p)
        gold_arms = {scorer._arm_key(a.get("label")) for a in g.get("arms") or ()}
        pouts = list(p.get("outcomes") or [])
        used: set[int] = set()
        for go in sorted(g.get("outcomes") or [], key=lambda o: bool(o.get("optional"))):
            gv = scorer.to_number(go.get("value"))
            best, best_sim = None, -1.0
            for k, po in enumerate(pouts):
                pv = scorer.to_number(po.get("value"))
                if k in used or (gv is None) != (pv is None):
                    continue
                tsim = scorer._text_similarity(go.get("text"), po.get("text"))
                if gv is not None and (not scorer._close(gv, pv) or use_arm and _outcome_arm(go.get("arm"), None, gold_arms)
                                       != _outcome_arm(po.get("arm"), arm_map, gold_arms)):
                    continue
                if gv is None and tsim < 0.5:
                    continue
                if tsim > best_sim:
                    best, best_sim = k, tsim
            if best is not None:
                used.add(best)
                if not go.get("optional"):
                    out.append((go, pi, best))
    return out

"""The eval gate: gold and corpus files, their hashes, predictions through the one entry point, pinned floors."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline.evaluation.scorer import FIELD_KEYS, Report, record_text

# Developer tools run from the checkout: paths are relative to it, as in the Makefile.
SHARED = Path("..") / "shared"
DEFAULT_GOLD = SHARED / "gold" / "dev.jsonl"
DEFAULT_CORPUS = SHARED / "corpus" / "fakehealth" / "articles.jsonl"
DEFAULT_BASELINE = Path("tests") / "golden" / "baseline.json"


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of every non-blank line; a bad line raises ValueError naming file and line."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line one JSON object; a bad line raises ValueError naming file and line."""
    out = []
    for lineno, obj in _json_lines(path):
        if not isinstance(obj, dict):
            raise ValueError(f"{path}:{lineno}: expected a JSON object")
        out.append(obj)
    return out


def load_texts(corpus: Path, ids: Iterable[str]) -> dict[str, str]:
    """The corpus ``text`` of each wanted id (the corpus is streamed, not held whole)."""
    wanted = set(ids)
    found: dict[str, str] = {}
    if not wanted:
        return found
    for _, obj in _json_lines(corpus):
        if obj.get("id") in wanted:
            found[obj["id"]] = obj.get("text") or ""
            if not wanted - found.keys():
                break
    return found


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def texts_sha256(texts: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(texts):
        h.update(key.encode() + b"\0" + texts[key].encode() + b"\0")
    return h.hexdigest()


def load_baseline(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"gold_sha256": None, "corpus_sha256": None, "floors": {k: 0.0 for k in FIELD_KEYS}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("floors"), dict):
        raise ValueError(f"{path}: expected an object with a 'floors' object")
    return data


def _floor_of(x: float) -> float:
    # rounded down so that re-running on the same data never lands a hair below its own floor
    return math.floor(x * 10000) / 10000


def update_floors(floors: Mapping[str, float], report: Report, allow_regression: bool) -> dict[str, float]:
    """Raise floors to current scores; lower them only with ``allow_regression``."""
    out = dict(floors)
    for key in FIELD_KEYS:
        value = report.value(key)
        if value is None:
            out.setdefault(key, 0.0)
            continue
        new = _floor_of(value)
        old = float(out.get(key, 0.0))
        out[key] = new if allow_regression else max(old, new)
    return out


def regressions(floors: Mapping[str, float], report: Report) -> list[str]:
    out = []
    for key in FIELD_KEYS:
        value = report.value(key)
        floor = floors.get(key)
        if value is not None and floor is not None and value < float(floor) - 1e-9:
            out.append(f"{key}: {value:.4f} < floor {float(floor):.4f}")
    return out


def predict(gold: list[dict[str, Any]], texts: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Run the extractor over each gold record's text, through ``pipeline.extract.extract``."""
    from pipeline.extract import extract
    from pipeline.nlp import build_nlp

    nlp = build_nlp()
    out = {}
    for rec in gold:
        text = record_text(rec, texts) or ""
        out[rec["id"]] = {"id": rec["id"], **extract(nlp, text).to_json(text)}
    return out


def load_gold(gold_path: Path, corpus_path: Path) -> tuple[list[dict[str, Any]], dict[str, str]] | None:
    """Gold records and their texts (corpus texts by id; the seed's passages joined by newlines).

    None when the corpus is needed but absent; ValueError when a gold id is not in the corpus."""
    gold = read_jsonl(gold_path)
    needed = [g["id"] for g in gold if not g.get("seed_passages")]
    if needed and not corpus_path.exists():
        return None
    texts = load_texts(corpus_path, needed) if needed else {}
    absent = [i for i in needed if i not in texts]
    if absent:
        raise ValueError(f"{len(absent)} gold id(s) not in {corpus_path}: {', '.join(absent[:10])}")
    for g in gold:
        if g.get("seed_passages"):
            texts[g["id"]] = "\n".join(g["seed_passages"])
    return gold, texts


def hash_notes(baseline: Mapping[str, Any], gold_hash: str, corpus_hash: str) -> list[str]:
    """Warnings when the gold or the corpus texts differ from those the floors were pinned on."""
    notes = []
    if baseline.get("gold_sha256") not in (None, gold_hash):
        notes.append(f"gold file changed since the baseline (sha256 {gold_hash[:12]}, was "
                     f"{str(baseline['gold_sha256'])[:12]}): floors may not be comparable")
    if baseline.get("corpus_sha256") not in (None, corpus_hash):
        notes.append(f"corpus texts changed since the baseline (sha256 {corpus_hash[:12]}, was "
                     f"{str(baseline['corpus_sha256'])[:12]}): floors may not be comparable")
    return notes


def write_baseline(path: Path, gold_name: str, gold_hash: str, corpus_hash: str, n_articles: int,
                   floors: Mapping[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "gold": gold_name, "gold_sha256": gold_hash, "corpus_sha256": corpus_hash,
        "n_articles": n_articles, "floors": dict(floors),
    }, indent=2) + "\n", encoding="utf-8")

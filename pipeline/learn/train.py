"""``python -m pipeline.learn.train``: fit every registered decision on the gold and save it under models/trained/."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline.learn.gold import CORPUS_REL, SEED, hashes, load_gold
from pipeline.learn.linear import LinearModel
from pipeline.learn.registry import modules

MODEL_FORMAT = 1
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "models" / "trained"


def train_all(records: list[dict[str, Any]], texts: Mapping[str, str], nlp: Language,
              only: Sequence[str] | None = None, dev: list[dict[str, Any]] | None = None) -> dict[str, dict[str, LinearModel]]:
    """Every registered decision (or those named in ``only``) -> its models by name. A trainer that takes
    ``dev`` chooses its thresholds on those records (never fitted on them)."""
    import inspect

    out: dict[str, dict[str, LinearModel]] = {}
    for module in modules():
        if only is not None and module.NAME not in only:
            continue
        takes_dev = "dev" in inspect.signature(module.train).parameters
        result = module.train(records, texts, nlp, dev=dev) if takes_dev and dev else module.train(records, texts, nlp)
        out[module.NAME] = dict(result) if isinstance(result, Mapping) else {module.NAME: result}
    return out


def flat(models: Mapping[str, Mapping[str, LinearModel]]) -> dict[str, LinearModel]:
    return {name: model for group in models.values() for name, model in group.items()}


def model_version(models: Mapping[str, LinearModel]) -> str:
    """A digest of the weights: two runs on the same gold give the same version."""
    h = hashlib.sha256()
    for name in sorted(models):
        h.update(name.encode() + b"\0" + json.dumps(models[name].to_dict(), sort_keys=True).encode())
    return f"{MODEL_FORMAT}-{h.hexdigest()[:12]}"


def manifest(models: Mapping[str, Mapping[str, LinearModel]], gold_paths: Sequence[Path],
             n_records: int) -> dict[str, Any]:
    """What the models were made from; no timings, so that two runs on the same gold write the same files."""
    import sklearn

    from pipeline.extract import EXTRACTOR_VERSION

    weights = flat(models)
    return {"model_version": model_version(weights), "extractor_version": EXTRACTOR_VERSION, "seed": SEED,
            "sklearn_version": sklearn.__version__, "gold_sha256": hashes(gold_paths), "records": n_records,
            "decisions": {d: sorted(names) for d, names in models.items()},
            "features": {name: len(m.weights) for name, m in sorted(weights.items())}}


def save(out: Path, models: Mapping[str, Mapping[str, LinearModel]], info: Mapping[str, Any]) -> None:
    """Write ``<name>.json`` per model and ``manifest.json``; model files left from an earlier run are removed."""
    from pipeline.components.decide import DecideComponent

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    DecideComponent(flat(models), dict(info)).to_disk(out)


def run(gold_paths: Sequence[Path], corpus: Path, out: Path, *,
        extra_records: Sequence[Mapping[str, Any]] = (), dev_path: Path | None = None) -> dict[str, Any]:
    """Fit every registered decision on the gold files plus ``extra_records`` (reviewers' audits exported by
    ``claims audit export``, each carrying its text) and save the models to ``out``; returns the manifest."""
    from pipeline.nlp import build_nlp

    records, texts = load_gold(gold_paths, corpus)
    known = {r["id"] for r in records}
    for rec in extra_records:  # an audited article replaces a gold record of the same id
        if rec["id"] in known:
            records = [r for r in records if r["id"] != rec["id"]]
        text = "\n".join(rec["seed_passages"]) if rec.get("seed_passages") else rec.get("text")
        if text is None:
            continue
        records.append(dict(rec))
        texts[rec["id"]] = text
    dev: list[dict[str, Any]] = []
    if dev_path is not None and dev_path.exists():
        dev, dev_texts = load_gold([dev_path], corpus)
        texts.update(dev_texts)
    models = train_all(records, texts, build_nlp(trained=None), dev=dev)
    info = manifest(models, [*gold_paths, *([dev_path] if dev else [])], len(records))
    info["audited_records"] = len(extra_records)
    save(out, models, info)
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold-dir", type=Path, default=Path("../shared/gold"))
    parser.add_argument("--corpus", type=Path, default=None, help="corpus JSONL (default: <gold-dir>/../" +
                        str(CORPUS_REL) + ")")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="more gold JSONL (e.g. reviewers' audits from `claims audit export`); repeatable")
    args = parser.parse_args(argv)
    train_file = args.gold_dir / "train.jsonl"
    if not train_file.exists():
        print(f"no gold at {train_file}: nothing to train", file=sys.stderr)
        return 2
    corpus = args.corpus or args.gold_dir.parent / CORPUS_REL
    start = time.perf_counter()
    info = run([train_file, *args.extra], corpus, args.out, dev_path=args.gold_dir / "dev.jsonl")
    print(f"trained {', '.join(info['decisions'])} on {info['records']} articles in {time.perf_counter() - start:.1f} s "
          f"-> {args.out} (model {info['model_version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

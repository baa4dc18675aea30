"""Extraction CPU time per KB as pages grow: 10 KB, 100 KB and 1 MB of dose-dense and of ordinary text.

Usage: ``python -m pipeline.evaluation.bench_scaling [--sizes 10,100,1000] [--json]``. The texts are
synthesised by repeating sentences written for this benchmark (numbers vary per repeat, so a dose-dense
page names ever more doses and arms, the worst case for assembly). Linear extraction keeps seconds per KB
flat: the benchmark prints the ratio of the slowest to the fastest size per kind (target: within 2x).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

DOSE_DENSE = (
    "In the randomised trial, {n} adults took {a} mg of lorvastine daily, {m} received {b} mg twice a day "
    "and {k} took placebo; after {w} weeks, pain fell by {p}% with {a} mg and {q}% with {b} mg (p=0.0{d}). "
    "A second group of {m} patients was given {c} mg/day of the drug for {w} weeks, and {k} more took "
    "{a} to {b} mg per day of calvorin. "
)
ORDINARY = (
    "The volunteers kept a diary of their sleep for {w} weeks and answered questions about their mood. "
    "Those who slept better also said they felt less tired during the day, the authors wrote, although "
    "the study was not designed to show cause and effect. Researchers from {n} clinics took part. "
)
# A page that is one long sentence: a dose table flattened into a list (the sentence never ends).
DOSE_LIST = "{a} mg of lorvastine daily in {m} patients, {b} mg in {k} patients; "
MIN_KB = 300
KINDS = {"dose-dense": DOSE_DENSE, "ordinary": ORDINARY, "dose list (one sentence)": DOSE_LIST}


def synthesise(template: str, size: int) -> str:
    """About ``size`` characters of repeated sentences, their numbers varying per repeat."""
    parts, length, i = [], 0, 0
    while length < size:
        part = template.format(n=100 + i % 400, m=40 + i % 50, k=30 + i % 40, a=5 + i % 300, b=310 + i % 400,
                               c=720 + i % 250, w=4 + i % 48, p=10 + i % 60, q=20 + i % 70, d=1 + i % 9)
        parts.append(part)
        length += len(part)
        i += 1
    return "".join(parts)[:size]


def run(sizes_kb: Sequence[int]) -> dict:
    from pipeline.extract import extract
    from pipeline.nlp import build_nlp

    nlp = build_nlp()
    nlp.max_length = max(sizes_kb) * 1024 + 1
    out: dict = {"sizes_kb": list(sizes_kb), "seconds_per_kb": {}, "ratio": {}}
    for kind, template in KINDS.items():
        extract(nlp, synthesise(template, 4096))  # warm-up: compiling patterns is not per-KB work
        per_kb = []
        for kb in sizes_kb:
            text = synthesise(template, kb * 1024)
            # small texts are run again until about MIN_KB have gone through, so each figure is an average
            runs = max(1, -(-MIN_KB // kb))
            # CPU time of this process: on a shared machine, time spent waiting for a core is not the extractor's
            started = time.process_time()
            for _ in range(runs):
                extract(nlp, text)
            per_kb.append((time.process_time() - started) / (kb * runs))
        out["seconds_per_kb"][kind] = per_kb
        out["ratio"][kind] = max(per_kb) / min(per_kb)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="Text sizes in KB, comma-separated.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args(argv)
    result = run([int(s) for s in args.sizes.split(",")])
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    header = "".join(f"{kb:>10} KB" for kb in result["sizes_kb"])
    print(f"extraction CPU s per KB{' ' * 5}{header}   slowest/fastest")
    for kind, per_kb in result["seconds_per_kb"].items():
        cells = "".join(f"{v:>13.4f}" for v in per_kb)
        print(f"{kind:<28}{cells}   {result['ratio'][kind]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

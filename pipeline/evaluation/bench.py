"""Extractor speed benchmark over the corpus texts: articles/s and chars/s on one core, peak memory.

Usage: ``python -m pipeline.evaluation.bench --shared ../shared [--limit N] [--no-cli] [--json]``. The spaCy pipeline
is built once and its build time is reported apart; only ``extract`` + ``to_json`` calls are timed. Then the same
texts go through ``claims extract --jsonl`` as users run it: one process, start-up, reading and printing included,
timed from start to exit, with its CPU time and peak RSS.
Peak memory is read twice: ``resource.getrusage`` max RSS for the whole process, and a second,
traced pass (``tracemalloc``, which slows Python down, hence not timed) for the Python heap peak.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

CORPUS = Path("corpus") / "fakehealth" / "articles.jsonl"


@dataclass
class BenchResult:
    articles: int
    chars: int
    seconds: float
    build_seconds: float
    articles_per_s: float
    chars_per_s: float
    max_rss_mb: float
    traced_articles: int
    tracemalloc_peak_mb: float
    with_trial: int
    trials: int
    cpu: str
    failed: list[dict[str, str]] = field(default_factory=list)
    cli: CliRun | None = None


@dataclass
class CliRun:
    """``claims extract --jsonl`` over the same texts, in one process, start-up included."""

    articles: int
    seconds: float
    cpu_seconds: float
    articles_per_s: float
    max_rss_mb: float
    exit_code: int


# `claims` run through the interpreter of this process (this bench and bench_ingest time it in a child)
CLI = [sys.executable, "-c", "from pipeline.launch import main; main()"]  # what the claims script runs


def run_cli(articles: Sequence[tuple[str, str]]) -> CliRun:
    """Time ``claims extract --jsonl`` over ``articles`` in a child process (output discarded)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in articles), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([*CLI, "extract", "--jsonl", str(path)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CliRun(articles=len(articles), seconds=seconds, cpu_seconds=cpu,
                  articles_per_s=len(articles) / seconds if seconds else float("inf"),
                  max_rss_mb=after.ru_maxrss / 1024, exit_code=done.returncode)


def load_corpus(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(id, text) pairs in file order; a line that is not a JSON object with "text" is an error."""
    out: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if limit is not None and len(out) >= limit:
                break
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                out.append((str(obj.get("id", lineno)), obj["text"] or ""))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}:{lineno}: expected a JSON object with 'text' ({exc})") from exc
    return out


def pin_one_core() -> str:
    """Run on a single CPU so the figure is per core; returns which one (or why not)."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    return f"cpu {cpus[0]}"


def run(articles: Sequence[tuple[str, str]], trace_limit: int = 100, cpu: str = "not pinned") -> BenchResult:
    from models.errors import ExtractError
    from pipeline.extract import extract
    from pipeline.nlp import build_nlp

    t0 = time.perf_counter()
    nlp = build_nlp()
    build_seconds = time.perf_counter() - t0

    with_trial = trials = 0
    failed: list[dict[str, str]] = []
    elapsed = 0.0
    for article_id, text in articles:
        start = time.perf_counter()
        try:
            record = extract(nlp, text).to_json(text)
        except ExtractError as exc:
            # the extractor's own, documented failure: counted and listed in the result, not hidden
            elapsed += time.perf_counter() - start
            failed.append({"id": article_id, "error": str(exc)})
            continue
        elapsed += time.perf_counter() - start
        n = len(record.get("trials") or [])
        trials += n
        with_trial += int(n > 0)
    max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux

    traced = list(articles[:trace_limit])
    tracemalloc.start()
    try:
        for _, text in traced:
            try:
                extract(nlp, text).to_json(text)
            except ExtractError:
                continue  # already counted in the timed pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    chars = sum(len(t) for _, t in articles)
    return BenchResult(
        articles=len(articles),
        chars=chars,
        seconds=elapsed,
        build_seconds=build_seconds,
        articles_per_s=len(articles) / elapsed if elapsed else float("inf"),
        chars_per_s=chars / elapsed if elapsed else float("inf"),
        max_rss_mb=max_rss_kb / 1024,
        traced_articles=len(traced),
        tracemalloc_peak_mb=peak / (1024 * 1024),
        with_trial=with_trial,
        trials=trials,
        cpu=cpu,
        failed=failed,
    )


def format_result(r: BenchResult) -> str:
    lines = [
        f"extractor bench: {r.articles} articles, {r.chars:,} chars ({r.cpu})",
        f"  build_nlp        {r.build_seconds:.2f} s (not timed below)",
        f"  extraction       {r.seconds:.2f} s",
        f"  articles/s       {r.articles_per_s:,.1f}",
        f"  chars/s          {r.chars_per_s:,.0f}",
        f"  max RSS          {r.max_rss_mb:.1f} MB (whole process)",
        f"  tracemalloc peak {r.tracemalloc_peak_mb:.1f} MB (Python allocations after build_nlp, "
        f"first {r.traced_articles} articles)",
        f"  with >=1 trial   {r.with_trial} articles ({r.trials} trials)",
    ]
    if r.failed:
        lines.append(f"  failed           {len(r.failed)}: " + ", ".join(f["id"] for f in r.failed[:10]))
    if r.cli is not None:
        c = r.cli
        lines += [
            f"claims extract --jsonl, as users run it (one process, start-up included, {c.articles} articles):",
            f"  wall             {c.seconds:.2f} s   ({c.articles_per_s:,.1f} articles/s; target 100)",
            f"  CPU              {c.cpu_seconds:.2f} s   ({c.articles / c.cpu_seconds if c.cpu_seconds else 0:,.1f} "
            "articles per CPU-second)",
            f"  peak RSS         {c.max_rss_mb:.1f} MB" + ("" if c.exit_code == 0 else f"   (exit code {c.exit_code})"),
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("..") / "shared",
                        help="shared data folder holding corpus/fakehealth/articles.jsonl (default ../shared)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--trace-limit", type=int, default=100,
                        help="articles in the tracemalloc pass (default 100)")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `claims extract --jsonl` in a child process")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    corpus = args.shared / CORPUS
    if not corpus.exists():
        print(f"skipped: corpus {corpus} not found")
        return 0
    try:
        articles = load_corpus(corpus, args.limit)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = run(articles, trace_limit=args.trace_limit, cpu=pin_one_core())
    if not args.no_cli:
        result.cli = run_cli(articles)  # the child inherits the pinned core
    if args.json:
        print(json.dumps(asdict(result), indent=2))
    else:
        print(format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

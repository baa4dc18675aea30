"""Corpus-scale benchmark: the 692 boilerplate-benchmark pages packed into WARC files, then pages/s for
`claims ingest` and for the Spark job in local[2] on the same WARCs, in the same run, plus Spark's fixed cost.

Usage: ``python -m pipeline.evaluation.bench_corpus --shared ../shared [--warcs 8] [--json]``. Skips with a message
when the shared data is absent, or when Spark (pyspark, a Java runtime) is not installed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from scrapers.warc import write_warc

SETS = ("scrapinghub-aeb", "wcxb-test")


@dataclass
class CorpusBench:
    pages: int
    warcs: int
    ingest_seconds: float
    ingest_pages_per_s: float
    spark_session_seconds: float
    spark_warmup_seconds: float
    spark_seconds: float
    spark_pages_per_s: float
    spark_vs_ingest: float
    load_seconds: float
    articles_ingest: int
    articles_spark: int
    cores: int


def bench_pages(shared: Path) -> list[tuple[str, bytes]]:
    """(URL, HTML bytes) for every benchmark page; the page's own URL where the gold gives one."""
    root = shared / "bench" / "boilerplate"
    urls = json.loads((root / SETS[0] / "ground-truth.json").read_text(encoding="utf-8"))
    out: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for name in SETS:
        for path in sorted((root / name / "html").glob("*.html.gz")):
            page_id = path.name.removesuffix(".html.gz")
            url = (urls.get(page_id) or {}).get("url") if name == SETS[0] else None
            if not url or url in seen:
                url = f"https://{name}.bench.invalid/{page_id}"
            seen.add(url)
            out.append((url, gzip.decompress(path.read_bytes())))
    return out


def pack(pages: list[tuple[str, bytes]], folder: Path, count: int) -> list[str]:
    """The pages dealt round-robin into ``count`` gzipped WARC files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"bench-{index:02d}.warc.gz"
        with path.open("wb") as stream:
            write_warc(stream, pages[index::count])
        paths.append(str(path))
    return paths


def run_ingest(warcs: list[str], folder: Path) -> tuple[float, int, int]:
    from pipeline.ingest import ingest
    from pipeline.nlp import build_nlp
    from pipeline.settings import Settings

    nlp = build_nlp()  # built before the clock starts, as each Spark worker builds its own before its pages
    settings = Settings(db_path=folder / "ingest.db", raw_dir=folder / "ingest-raw")
    started = time.monotonic()
    summary = ingest(warcs, settings, nlp=nlp)
    return time.monotonic() - started, len(summary.results), summary.articles


def run_spark(warcs: list[str], folder: Path, sample: list[tuple[str, bytes]]) -> dict[str, float]:
    from pipeline.corpus.load import load_parquet
    from pipeline.corpus.spark_job import make_session, run_job
    from pipeline.store import open_db

    started = time.monotonic()
    spark = make_session("local[2]", "trial-claims-bench")
    session = time.monotonic() - started
    # Warm-up on one small WARC: starts the Python workers and builds their spaCy pipelines (fixed cost).
    warm = pack([(f"https://warmup.bench.invalid/{i}", body) for i, (_, body) in enumerate(sample[:2])],
                folder / "warmup", 2)
    started = time.monotonic()
    run_job(spark, warm, str(folder / "warmup-out"))
    warmup = time.monotonic() - started
    started = time.monotonic()
    summary = run_job(spark, warcs, str(folder / "spark-out"))
    seconds = time.monotonic() - started
    spark.stop()
    started = time.monotonic()
    db = open_db(str(folder / "spark.db"))
    load_parquet(db, folder / "spark-out", raw_dir=folder / "spark-raw")
    db.close()
    return {"session": session, "warmup": warmup, "seconds": seconds, "load": time.monotonic() - started,
            "articles": summary.articles, "pages": summary.pages + summary.failed}


def measure(shared: Path, warc_count: int) -> CorpusBench:
    pages = bench_pages(shared)
    folder = Path(tempfile.mkdtemp(prefix="claims-corpus-bench-"))
    try:
        warcs = pack(pages, folder, warc_count)
        ingest_seconds, ingest_pages, ingest_articles = run_ingest(warcs, folder)
        spark = run_spark(warcs, folder, pages)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ingest_rate = ingest_pages / ingest_seconds
    spark_rate = len(pages) / spark["seconds"]
    return CorpusBench(
        pages=len(pages), warcs=warc_count, ingest_seconds=round(ingest_seconds, 2),
        ingest_pages_per_s=round(ingest_rate, 2), spark_session_seconds=round(spark["session"], 2),
        spark_warmup_seconds=round(spark["warmup"], 2), spark_seconds=round(spark["seconds"], 2),
        spark_pages_per_s=round(spark_rate, 2), spark_vs_ingest=round(spark_rate / ingest_rate, 3),
        load_seconds=round(spark["load"], 2), articles_ingest=ingest_articles, articles_spark=int(spark["articles"]),
        cores=os.cpu_count() or 0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared", help="the shared data folder (default ../shared)")
    parser.add_argument("--warcs", type=int, default=8, help="WARC files to pack the pages into (default 8)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    if not all((shared / "bench" / "boilerplate" / name / "html").is_dir() for name in SETS):
        print(f"pipeline.evaluation.bench_corpus: skipped: no benchmark pages under {shared}/bench/boilerplate", file=sys.stderr)
        return 0
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("pipeline.evaluation.bench_corpus: skipped: pyspark is not installed (pip install '.[spark]')", file=sys.stderr)
        return 0
    if shutil.which("java") is None:
        print("pipeline.evaluation.bench_corpus: skipped: Spark needs a Java runtime (openjdk-17-jre-headless)", file=sys.stderr)
        return 0
    result = measure(shared, args.warcs)
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return 0
    print(f"corpus bench: {result.pages} pages in {result.warcs} WARC files, {result.cores} cores")
    print(f"{'path':<28}{'seconds':>10}{'pages/s':>10}")
    print(f"{'claims ingest (1 process)':<28}{result.ingest_seconds:>10.1f}{result.ingest_pages_per_s:>10.1f}")
    print(f"{'spark local[2]':<28}{result.spark_seconds:>10.1f}{result.spark_pages_per_s:>10.1f}")
    print(f"spark / ingest pages/s: {result.spark_vs_ingest:.2f} (target >= 0.70)")
    print(f"spark fixed cost: session {result.spark_session_seconds:.1f} s + worker warm-up {result.spark_warmup_seconds:.1f} s"
          f"; claims load of the output: {result.load_seconds:.1f} s")
    print(f"articles: ingest {result.articles_ingest}, spark {result.articles_spark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

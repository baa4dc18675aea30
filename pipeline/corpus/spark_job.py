"""The claims pipeline over WARC files on Apache Spark, written as Parquet tables shaped like the SQLite store.

    spark-submit pipeline/corpus/spark_job.py --out out/ crawl/*.warc.gz
    claims spark --out out/ crawl/                      (local mode, same code)

One task per WARC file. Local (``file:``) WARCs are opened by the executor directly and streamed; any
other scheme Hadoop knows (``hdfs://``, ``s3a://``, ``gs://`` with its connector) is read through
``SparkContext.binaryFiles``, which hands each task the whole file in memory (size executors for that).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from models.schema import TABLES
from scrapers.warc import is_warc

OUTPUT_TABLES = ["pages", "articles", "article_urls", "trials", "arms", "doses", "outcomes", "flags"]
# pages rows carry no id (SQLite numbers them on load) but say where in the input they came from,
# so that ``claims load`` inserts them in the order ``claims ingest`` would have.
PAGE_ORDER = {"warc_file": str, "warc_order": int, "warc_seq": int}
EXTRA_TABLES = {
    "raw": {"sha256": str, "body": bytes},  # page bytes, for data/raw/ (``claims reprocess``)
    "skips": {"warc_file": str, "reason": str, "count": int},  # records that are not pages, by reason
}


def table_columns(table: str) -> dict[str, type]:
    """The Parquet columns of a table: those of models.schema (pages without its row id), plus order."""
    if table in EXTRA_TABLES:
        return EXTRA_TABLES[table]
    columns = dict(TABLES[table]["columns"])
    if table == "pages":
        columns.pop("id")
        columns.update(PAGE_ORDER)
    return columns


@dataclass
class JobSummary:
    warcs: int = 0
    pages: int = 0
    failed: int = 0
    articles: int = 0
    trials: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (WARC, reason)
    seconds: float = 0.0


# --- executor side ------------------------------------------------------------------------------


def _local_path(uri: str) -> str:
    return unquote(urlsplit(uri).path) if uri.startswith("file:") else uri


def _local_partition(items: Iterable[tuple[int, str]], keep_raw: bool) -> Iterator[tuple[str, dict]]:
    from pipeline.corpus.rows import process_warc, shared_nlp

    nlp = shared_nlp()
    for order, uri in items:
        yield from process_warc(order, uri, lambda uri=uri: open(_local_path(uri), "rb"), nlp, keep_raw=keep_raw)


def _bytes_partition(items: Iterable[tuple[str, bytes]], orders: dict[str, int],
                     keep_raw: bool) -> Iterator[tuple[str, dict]]:
    from pipeline.corpus.rows import process_warc, shared_nlp

    nlp = shared_nlp()
    for uri, data in items:
        opener: Any = lambda data=data: _BytesOpener(data)  # noqa: E731
        yield from process_warc(orders.get(uri, len(orders)), uri, opener, nlp, keep_raw=keep_raw)


class _BytesOpener(AbstractContextManager):
    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)

    def __enter__(self) -> BinaryIO:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def _as_tuple(row: dict, columns: dict[str, type]) -> tuple:
    out = []
    for name, kind in columns.items():
        value = row.get(name)
        if value is not None and kind in (int, float):
            value = kind(value)
        out.append(value)
    return tuple(out)


# --- driver side --------------------------------------------------------------------------------


def make_session(master: str | None = "local[2]", app_name: str = "trial-claims", **conf: str):
    """A SparkSession whose Python workers run this interpreter (the one with the pipeline installed)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    defaults = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.sql.shuffle.partitions": "8", "spark.python.worker.reuse": "true"}
    for key, value in {**defaults, **conf}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def list_inputs(spark, paths: Iterable[str]) -> list[str]:
    """WARC files as Hadoop resolves the given paths, globs and directories (a directory: its WARC files,
    sorted), as qualified URIs in the order given: the order ``claims ingest`` would take them in."""
    jvm, conf = spark.sparkContext._jvm, spark.sparkContext._jsc.hadoopConfiguration()
    out: list[str] = []
    for given in paths:
        hpath = jvm.org.apache.hadoop.fs.Path(given if "://" in given or given.startswith("file:")
                                              else str(Path(given).resolve()))
        fs = hpath.getFileSystem(conf)
        statuses = fs.globStatus(hpath) or []
        found: list[str] = []
        for status in statuses:
            if status.isDirectory():
                found += sorted(str(s.getPath().toString()) for s in fs.listStatus(status.getPath())
                                if s.isFile() and is_warc(s.getPath().getName()))
            else:
                found.append(str(status.getPath().toString()))
        out += found
    return list(dict.fromkeys(out))


def tagged_rows(spark, uris: list[str], *, reader: str = "auto", keep_raw: bool = True):
    """The RDD of (table, row) pairs for every WARC: one task per file, one spaCy pipeline per worker."""
    sc = spark.sparkContext
    local = reader == "local" or (reader == "auto" and all(u.startswith("file:") for u in uris))
    if local:
        items = sc.parallelize(list(enumerate(uris)), max(1, len(uris)))
        return items.mapPartitions(lambda part: _local_partition(part, keep_raw))
    orders = {uri: i for i, uri in enumerate(uris)}
    files = sc.binaryFiles(",".join(uris), minPartitions=max(1, len(uris)))
    return files.mapPartitions(lambda part: _bytes_partition(part, orders, keep_raw))


def merged_tables(tagged, partitions: int):
    """Every output row as (table, row): syndicated copies in different WARCs merged into one article (by
    fingerprint, then by id for a URL seen with two texts), and pages pointed at the merged id."""
    from pyspark import StorageLevel

    from pipeline.corpus.rows import bundle_rows, capture_key, earliest, group_key, member_ids, merge_bundles, with_span

    pages = (tagged.filter(lambda t: t[0] == "pages").map(lambda t: (capture_key(t[1]), t[1]))
             .reduceByKey(earliest, partitions).values())  # a capture seen in an earlier WARC is skipped
    spans = (pages.filter(lambda r: r["article_id"] is not None)
             .map(lambda r: ((r["warc_order"], r["article_id"]), (r["warc_seq"], r["warc_seq"])))
             .reduceByKey(lambda a, b: (min(a[0], b[0]), max(a[1], b[1])), partitions))
    bundles = (tagged.filter(lambda t: t[0] == "bundle").map(lambda t: ((t[1]["first"][0], t[1]["id"]), t[1]))
               .join(spans, partitions).map(lambda kv: with_span(*kv[1]))
               .map(lambda b: (group_key(b), b)).reduceByKey(merge_bundles, partitions)
               .map(lambda kv: (kv[1]["id"], kv[1])).reduceByKey(merge_bundles, partitions)
               .values()).persist(StorageLevel.MEMORY_AND_DISK)
    ids = bundles.flatMap(member_ids)
    pages = (pages.map(lambda r: ((r["warc_order"], r["article_id"]), r)).leftOuterJoin(ids, partitions)
             .map(lambda kv: ("pages", dict(kv[1][0], article_id=kv[1][1] or kv[1][0]["article_id"]))))
    extras = tagged.filter(lambda t: t[0] in EXTRA_TABLES)
    return pages.union(bundles.flatMap(bundle_rows)).union(extras), bundles


def spark_schema(columns: dict[str, type]):
    from pyspark.sql import types as T

    kinds = {str: T.StringType(), int: T.LongType(), float: T.DoubleType(), bytes: T.BinaryType()}
    return T.StructType([T.StructField(name, kinds[kind], True) for name, kind in columns.items()])


def run_job(spark, paths: Iterable[str], out_dir: str, *, reader: str = "auto", keep_raw: bool = True) -> JobSummary:
    """Read the WARCs, run clean -> extract -> store rows, write one Parquet directory per table."""
    from pyspark import StorageLevel

    started = time.monotonic()
    uris = list_inputs(spark, paths)
    summary = JobSummary(warcs=len(uris))
    if not uris:
        return summary
    tagged = tagged_rows(spark, uris, reader=reader, keep_raw=keep_raw).persist(StorageLevel.MEMORY_AND_DISK)
    partitions = max(1, min(len(uris), spark.sparkContext.defaultParallelism * 2))
    rows, bundles = merged_tables(tagged, partitions)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    for table in OUTPUT_TABLES + list(EXTRA_TABLES):
        columns = table_columns(table)
        picked = rows.filter(lambda t, table=table: t[0] == table)
        frame = spark.createDataFrame(picked.map(lambda t, columns=columns: _as_tuple(t[1], columns)),
                                      spark_schema(columns))
        if table == "raw":
            frame = frame.dropDuplicates(["sha256"])
        frame.coalesce(partitions).write.mode("overwrite").parquet(f"{out_dir.rstrip('/')}/{table}")
    _summarise(rows, summary)
    for rdd in (rows, bundles, tagged):
        rdd.unpersist()
    summary.seconds = time.monotonic() - started
    return summary


def _summarise(rows, summary: JobSummary) -> None:
    """Counts from the rows just written (still cached), in two passes rather than reading Parquet back."""
    counts = rows.map(lambda t: ("failed" if t[0] == "pages" and not t[1]["ok"] else t[0], 1)).countByKey()
    summary.failed = counts.get("failed", 0)
    summary.pages = counts.get("pages", 0) + summary.failed
    summary.articles, summary.trials = counts.get("articles", 0), counts.get("trials", 0)
    for t in rows.filter(lambda t: t[0] == "skips" or (t[0] == "pages" and t[1]["sha256"] is None)).collect():
        if t[0] == "skips":
            summary.skipped[t[1]["reason"]] = summary.skipped.get(t[1]["reason"], 0) + t[1]["count"]
        else:
            summary.pages -= 1  # a damaged archive's row is not a page
            summary.damaged.append((t[1]["url"], t[1]["error"]))


def main(argv: list[str] | None = None) -> int:
    """spark-submit entry point; the master, memory and cores come from spark-submit's own options."""
    parser = argparse.ArgumentParser(prog="spark_job.py", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="WARC files, directories or globs (file:, hdfs://, s3a://)")
    parser.add_argument("--out", required=True, help="output directory: one Parquet directory per table")
    parser.add_argument("--reader", choices=["auto", "local", "binary"], default="auto")
    parser.add_argument("--no-raw", action="store_true", help="do not write page bytes (the WARCs stay the raw store)")
    args = parser.parse_args(argv)
    spark = make_session(master=None)
    summary = run_job(spark, args.paths, args.out, reader=args.reader, keep_raw=not args.no_raw)
    sys.stderr.write(f"{summary}\n")
    spark.stop()
    return 1 if summary.damaged else 0


if __name__ == "__main__":
    sys.exit(main())

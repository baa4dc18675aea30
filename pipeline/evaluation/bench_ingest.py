"""Ingest throughput: `claims ingest` pages/s against trafilatura alone over the same pages, peak RSS per process.

Usage: ``python -m pipeline.evaluation.bench_ingest --shared ../shared [--workers 1,2] [--json]``. From one run:
``claims ingest --workers N`` (a subprocess, cold database, the 692 benchmark pages: ScrapingHub AEB and the WCXB
test split, local ``.html.gz`` files), timed from start to exit, so interpreter start, imports and the workers'
pipeline builds count; ``trafilatura.extract(favor_precision=True)`` over the same pages in this process (pages
decoded beforehand, one warm-up page); their ratio; pages trafilatura extracts text from that ingest stored no
article for; extraction articles/s over corpus texts; the peak RSS (VmHWM, sampled every 0.1 s) of every
process of each ingest: main (fetcher and writer), forkserver, workers; and CPU seconds per page over all of
them, the figure a machine shared with other jobs distorts least (pages/s there depend on the load, printed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.evaluation.bench import CLI
from scrapers.clean import MIN_WORDS

SETS = (("scrapinghub-aeb", "ScrapingHub AEB"), ("wcxb-test", "WCXB test"))
RSS_LIMIT_MB = 500
TARGET_RATIO = 1.5


@dataclass
class IngestRun:
    workers: int
    seconds: float
    pages_per_s: float
    articles: int
    failed: int
    exit_code: int
    peak_rss_mb: dict[str, float] = field(default_factory=dict)  # role[#n] -> MB
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # role -> user + system CPU seconds
    lost: list[str] = field(default_factory=list)  # files trafilatura extracts an article's worth of text from
    # (MIN_WORDS words or more), without an article
    short: list[str] = field(default_factory=list)  # files trafilatura extracts fewer words from, without an article


def bench_dirs(shared: Path) -> list[Path]:
    return [shared / "bench" / "boilerplate" / name / "html" for name, _ in SETS]


def page_files(shared: Path) -> list[Path]:
    return [p for d in bench_dirs(shared) for p in sorted(d.glob("*.html.gz"))]


# --- trafilatura alone --------------------------------------------------------------------------------


def run_trafilatura(files: list[Path]) -> tuple[float, float, dict[str, int]]:
    """Pages/s and CPU seconds of trafilatura.extract(favor_precision=True) in this process, and the files it
    found text in, with the number of words it found."""
    import trafilatura

    from scrapers.encoding import decode_html

    pages = [(f, decode_html(gzip.decompress(f.read_bytes()), "utf-8")[0]) for f in files]
    trafilatura.extract(pages[0][1], favor_precision=True)  # imports and caches outside the timed loop
    texts: dict[str, str] = {}
    start, cpu = time.perf_counter(), time.process_time()
    for path, html in pages:
        text = trafilatura.extract(html, favor_precision=True)
        if text:
            texts[path.resolve().as_uri()] = text
    rate, seconds = len(pages) / (time.perf_counter() - start), time.process_time() - cpu
    return rate, seconds, {uri: len(text.split()) for uri, text in texts.items()}


# --- claims ingest ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (a measure a busy machine does not distort much)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class RssSampler(threading.Thread):
    """Peak RSS of a process tree: the root (main), its children that have children of their own
    (the forkserver), their children (workers), and any other child (resource tracker)."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peaks: dict[int, tuple[str, float]] = {}
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.1)

    def sample(self) -> None:
        tree = [(self.root, "main")]
        for child in _children(self.root):
            grandchildren = _children(child)
            known = self.peaks.get(child, ("", 0.0))[0]
            tree.append((child, "forkserver" if grandchildren or known == "forkserver" else "helper"))
            tree.extend((g, "worker") for g in grandchildren)
        for pid, role in tree:
            mb = _peak_rss_mb(pid)
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
            if mb is not None:
                old_role, old = self.peaks.get(pid, (role, 0.0))
                self.peaks[pid] = (old_role if old_role == "forkserver" else role, max(old, mb))

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            role = self.peaks.get(pid, ("main", 0.0))[0]
            out[role] = round(out.get(role, 0.0) + seconds, 1)
        return out

    def by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        counts: dict[str, int] = {}
        for _, (role, mb) in sorted(self.peaks.items()):
            counts[role] = counts.get(role, 0) + 1
            out[f"{role}#{counts[role]}" if role == "worker" else role] = round(mb, 1)
        return out


def run_ingest(shared: Path, workers: int, with_text: dict[str, int]) -> IngestRun:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        db = Path(tmp) / "claims.db"
        cmd = [*CLI, "ingest", "--db", str(db),
               "--workers", str(workers), *map(str, bench_dirs(shared))]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler = RssSampler(proc.pid)
        sampler.start()
        code = proc.wait()
        seconds = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        conn = sqlite3.connect(db)
        stored = {url for (url,) in conn.execute("select url from pages where ok = 1 and article_id is not null")}
        pages = conn.execute("select count(distinct url) from pages").fetchone()[0]
        failed = conn.execute("select count(distinct url) from pages where ok = 0").fetchone()[0]
        articles = conn.execute("select count(*) from articles").fetchone()[0]
        conn.close()
    return IngestRun(workers=workers, seconds=seconds, pages_per_s=pages / seconds, articles=articles, failed=failed,
                     exit_code=code, peak_rss_mb=sampler.by_role(), cpu_seconds=sampler.cpu_by_role(),
                     lost=sorted(u for u, n in with_text.items() if u not in stored and n >= MIN_WORDS),
                     short=sorted(u for u, n in with_text.items() if u not in stored and n < MIN_WORDS))


# --- extraction alone ---------------------------------------------------------------------------------


def extraction_rate(shared: Path, limit: int) -> tuple[int, float] | None:
    from pipeline.evaluation.bench import CORPUS, load_corpus
    from pipeline.evaluation.bench import run as run_extract

    corpus = shared / CORPUS
    if not corpus.exists():
        return None
    result = run_extract(load_corpus(corpus, limit), trace_limit=0)
    return result.articles, result.articles_per_s


# --- report -------------------------------------------------------------------------------------------


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (5 min {five:.2f})"


def report(result: dict) -> str:
    lines = [
        f"Ingest throughput: {result['pages']} pages ({result['sets']}), local .html.gz files, cold database per run; "
        f"{result['cores']} cores; load average {result['load_start']} at start, {result['load_end']} at end",
        f"{'run':<32} {'pages/s':>8} {'seconds':>8} {'articles':>9} {'failed':>7} {'CPU ms/page':>12}  "
        "peak RSS MB per process; CPU seconds per role",
        f"{'trafilatura alone (one process)':<32} {result['trafilatura_pages_per_s']:8.1f} {'':>8} "
        f"{result['trafilatura_with_text']:>9} {'':>7} "
        f"{1000 * result['trafilatura_cpu_seconds'] / result['pages']:12.0f}  bench process {result['bench_rss_mb']:.0f}",
    ]
    for run in result["ingest"]:
        rss = ", ".join(f"{k} {v:.0f}" for k, v in run["peak_rss_mb"].items())
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in run["cpu_seconds"].items())
        per_page = 1000 * sum(run["cpu_seconds"].values()) / result["pages"]
        lines.append(f"{'claims ingest --workers ' + str(run['workers']):<32} {run['pages_per_s']:8.1f} "
                     f"{run['seconds']:8.1f} {run['articles']:>9} {run['failed']:>7} {per_page:12.0f}  {rss}; {cpu}")
    for run in result["ingest"]:
        ratio = run["pages_per_s"] / result["trafilatura_pages_per_s"]
        worst = max(run["peak_rss_mb"].values(), default=0.0)
        lines.append(f"--workers {run['workers']}: {ratio:.2f} x trafilatura alone (target for 2 workers >= "
                     f"{TARGET_RATIO}); pages trafilatura extracts {MIN_WORDS}+ words from that ingest stored no "
                     f"article for: {len(run['lost'])}"
                     + (f" ({', '.join(Path(u).name for u in run['lost'][:5])})" if run["lost"] else "")
                     + f"; fewer words (not an article to either): {len(run['short'])}"
                     + f"; largest process {worst:.0f} MB (limit {RSS_LIMIT_MB})")
    if result.get("extraction"):
        n, rate = result["extraction"]
        lines.append(f"extraction alone: {rate:.1f} articles/s ({n} corpus texts, one process)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.bench_ingest",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("..") / "shared", help="the shared data folder")
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers values (default 1,2)")
    parser.add_argument("--extract-limit", type=int, default=500, help="corpus texts for extraction articles/s")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    missing = [d for d in bench_dirs(args.shared) if not d.is_dir()]
    if missing:
        print(f"bench_ingest: skipped: no benchmark pages in {missing[0]} (pass --shared PATH)", file=sys.stderr)
        return 0
    files = page_files(args.shared)
    result: dict = {"pages": len(files), "cores": os.cpu_count(), "load_start": load(),
                    "sets": " + ".join(f"{label} {len(list(d.glob('*.html.gz')))}"
                                       for (_, label), d in zip(SETS, bench_dirs(args.shared), strict=True))}
    rate, cpu, with_text = run_trafilatura(files)
    result["trafilatura_pages_per_s"] = rate
    result["trafilatura_cpu_seconds"] = cpu
    result["trafilatura_with_text"] = len(with_text)
    result["bench_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["ingest"] = [asdict(run_ingest(args.shared, int(n), with_text)) for n in args.workers.split(",")]
    result["extraction"] = extraction_rate(args.shared, args.extract_limit)
    result["load_end"] = load()
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

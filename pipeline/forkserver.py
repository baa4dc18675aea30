"""The workers' forkserver: what it preloads, and starting it before the command line is even read.

The forkserver imports spaCy, trafilatura, htmldate and datasketch and builds the pipeline once (about 4-5 s on
two cores), and every worker forks from it. Started by ``claims ingest`` / ``claims reprocess`` only when the
worker pool opens, it would begin after the main process's own imports and set-up (about 1 s); ``start_early``
starts it first thing, so the two overlap. This module imports only the standard library, so that it costs
nothing before it does its work."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from multiprocessing.context import BaseContext

# datasketch (MinHash for the band keys; seconds to import, with scipy) too, and the pipeline itself is built
# there (pipeline.prebuilt): once, not once per worker.
PRELOAD = ["pipeline.workers", "pipeline.extract", "pipeline.nlp", "trafilatura", "htmldate", "datasketch",
           "pipeline.prebuilt"]
POOL_COMMANDS = ("ingest", "reprocess")  # the commands that run clean + extract in worker processes


def context() -> BaseContext:
    """forkserver where there is one (Linux): workers fork from a server that imported and built the
    pipeline once, and never inherit the fetcher's threads or the writer's connection; spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def opens_workers(argv: Sequence[str]) -> bool:
    """Whether ``claims ARGV`` will open a worker pool: ``ingest`` or ``reprocess`` with ``--workers`` other than 1
    (by default one per core). Not with ``--help``, nor with ``--models`` (the forkserver loads the models of the
    environment it starts in, which that option sets later); anything it cannot read counts as no, and the command
    starts its forkserver itself as before."""
    args = list(argv[1:])
    command = next((a for a in args if not a.startswith("-")), None)
    if command not in POOL_COMMANDS:
        return False
    workers = os.cpu_count() or 1
    for i, arg in enumerate(args):
        if arg in ("--help", "-h", "--models") or arg.startswith("--models="):
            return False
        if arg == "--workers" or arg.startswith("--workers="):
            value = arg.partition("=")[2] if "=" in arg else (args[i + 1] if i + 1 < len(args) else "")
            if not value.isdigit():
                return False
            workers = int(value)
    return workers > 1


def start_early(argv: Sequence[str]) -> bool:
    """Start the forkserver now if the command line will need it; returns whether it did."""
    if not opens_workers(argv):
        return False
    ctx = context()
    if ctx.get_start_method() != "forkserver":
        return False
    from multiprocessing import forkserver

    try:
        forkserver.ensure_running()
    except OSError:
        return False  # the pool tries again when it opens, and the command reports why it cannot
    return True

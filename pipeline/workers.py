"""Clean + extract in worker processes, one spaCy pipeline each, for the one writer of ingest and reprocess.

The main process fetches (threads, ``scrapers.fetch``) and writes (one SQLite connection). In between,
``prepare`` turns a page into what the writer stores: it saves the raw bytes (or reads them back, for
reprocess), cleans, extracts and fingerprints, and touches no database. ``WorkerPool`` runs it in N
processes; ``InlineRunner`` runs it in the calling process (``--workers 1``, and callers that pass their
own ``nlp``). Both hand every result to an ``on_done`` callback in the calling thread.

Each worker has its own pipe and holds at most one page, so the pool knows which page a worker holds:
a worker that dies (a crash, the OOM killer, kill -9) costs that page one retry on a fresh worker, and a
second death records it as the page's failure; the batch goes on. Workers ignore SIGINT: on Ctrl-C
(or any error) in the main process the pool kills them at once.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from models.errors import ClaimsError
from models.records import ArticleClaims, CleanPage
from pipeline.forkserver import context as forkserver_context
from pipeline.store import load_raw, save_raw
from pipeline.store.fingerprint import fingerprint_and_bands
from scrapers.clean import clean_html

if TYPE_CHECKING:
    from spacy.language import Language

RETRIES = 1  # a page whose worker died is tried once more, on a fresh worker
STOP_GRACE = 2.0  # seconds a worker gets to exit after being asked to


@dataclass(frozen=True)
class Job:
    """One page to prepare. ``body`` None: read it from the raw store by ``sha256`` (reprocess)."""

    url: str  # the URL the cleaner sees (site rules): the final URL after redirects
    body: bytes | None
    sha256: str | None
    encoding: str | None
    raw_dir: str
    max_chars: int | None = None  # the per-page extraction budget (text length, seconds)
    max_seconds: float | None = None


@dataclass(frozen=True)
class Prepared:
    """What the writer stores for one page: the cleaned page, its claims, fingerprint and LSH band keys
    (computed here, so that the one writer only writes), or the error."""

    page: CleanPage | None = None
    claims: ArticleClaims | None = None
    fingerprint: str | None = None
    error: str | None = None
    bands: list[str] | None = None


def prepare(nlp: Language, job: Job) -> Prepared:
    """Raw store, clean, extract, fingerprint. Any exception becomes the page's error, so that one page
    never stops a batch; only KeyboardInterrupt and SystemExit go through."""
    # Here, not at the top: the main process of ingest (fetcher and writer) imports this module and needs
    # no spaCy; the workers' forkserver preloads pipeline.extract.
    from pipeline.extract import extract

    try:
        if job.body is None:
            try:
                body = load_raw(job.raw_dir, job.sha256 or "")
            except (OSError, ClaimsError) as exc:
                return Prepared(error=f"raw page missing: {exc}")
        else:
            body = job.body
            save_raw(job.raw_dir, body, job.sha256)
        page = clean_html(body, job.url, encoding=job.encoding)
        claims = extract(nlp, page, max_chars=job.max_chars, max_seconds=job.max_seconds)
        fingerprint, bands = fingerprint_and_bands(page.text)
        return Prepared(page=page, claims=claims, fingerprint=fingerprint, bands=bands)
    except ClaimsError as exc:
        return Prepared(error=exc.message)
    except Exception as exc:  # a bug or a resource limit on one page is that page's recorded failure
        return Prepared(error=f"{exc.__class__.__name__}: {exc}")


# --- in the calling process ---------------------------------------------------------------


class InlineRunner:
    """``prepare`` in the calling process, with the pool's interface."""

    def __init__(self, on_done: Callable[[Any, Prepared], None], nlp: Language | None = None) -> None:
        from pipeline.nlp import build_nlp

        self.nlp = nlp or build_nlp()
        self.on_done = on_done

    def submit(self, key: Any, job: Job) -> None:
        self.on_done(key, prepare(self.nlp, job))

    def poll(self) -> None:
        return

    def drain(self) -> None:
        return

    def __enter__(self) -> InlineRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        return


# --- worker processes ---------------------------------------------------------------------


def _worker_main(conn: Connection) -> None:
    """A worker: build the pipeline once, then prepare pages until told to stop or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the pool
    nlp = _prebuilt_nlp()
    if nlp is None:
        from pipeline.nlp import build_nlp

        nlp = build_nlp()
    # What the worker holds from the start (the pipeline, the imported libraries) lives as long as it
    # does: out of the collector's way, whose full passes would otherwise walk it (and copy the pages
    # it shares with the forkserver) again and again.
    gc.freeze()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        try:
            conn.send(prepare(nlp, job))
        except (BrokenPipeError, OSError):
            return


def _prebuilt_nlp() -> Language | None:
    """The pipeline the forkserver built (``pipeline.prebuilt``), if this worker forked from one that did.
    A worker has the forkserver's environment, so that pipeline loaded the trained models
    (``$CLAIMS_MODELS``) the worker would load."""
    prebuilt = sys.modules.get("pipeline.prebuilt")
    return prebuilt.NLP if prebuilt is not None else None


@dataclass
class _Task:
    key: Any
    job: Job
    attempt: int
    started: float


class _Worker:
    def __init__(self, ctx: multiprocessing.context.BaseContext) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="claims-worker")
        self.process.start()
        child.close()
        self.task: _Task | None = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(STOP_GRACE)
        self.conn.close()


class WorkerPool:
    """``processes`` workers preparing pages; results go to ``on_done(key, Prepared)`` in the calling
    thread, from ``submit`` (which waits while every worker is busy), ``poll`` and ``drain``.
    ``timeout``: seconds one page may take before its worker is killed and the page recorded as failed."""

    def __init__(self, processes: int, on_done: Callable[[Any, Prepared], None], *,
                 timeout: float | None = None) -> None:
        self.ctx = forkserver_context()
        self.on_done = on_done
        self.timeout = timeout
        self.workers: list[_Worker] = []
        try:
            for _ in range(max(1, processes)):
                self.workers.append(_Worker(self.ctx))
        except BaseException:
            self.terminate()
            raise

    # -- the interface ingest uses

    def submit(self, key: Any, job: Job) -> None:
        self._dispatch(_Task(key, job, 0, 0.0))

    def poll(self) -> None:
        """Deliver the results that are ready, without waiting."""
        self._collect(block=False)

    def drain(self) -> None:
        """Wait for every page in hand and deliver the results."""
        while any(w.task for w in self.workers):
            self._collect(block=True)

    def close(self) -> None:
        """Ask the workers to stop; kill those that do not within the grace period."""
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            worker.kill()
        self.workers = []

    def terminate(self) -> None:
        """Kill every worker now (Ctrl-C, an error in the writer): pages in hand are not written."""
        for worker in self.workers:
            worker.kill()
        self.workers = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.terminate()

    # -- machinery

    def _dispatch(self, task: _Task) -> None:
        while True:
            idle = next((w for w in self.workers if w.task is None), None)
            if idle is None:
                self._collect(block=True)
                continue
            task.started = time.monotonic()
            idle.task = task
            try:
                idle.conn.send(task.job)
            except OSError:
                self._lost(idle)  # died while idle: the task is retried on its replacement
            return

    def _collect(self, *, block: bool) -> None:
        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            return
        wait_for: float | None = 0.0
        if block:
            wait_for = None
            if self.timeout is not None:
                first = min(w.task.started for w in busy if w.task)
                wait_for = max(0.0, first + self.timeout - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for))
        now = time.monotonic()
        for worker in busy:
            task = worker.task
            if task is None:
                continue
            if worker.conn in ready:
                try:
                    result = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    continue
                worker.task = None
                self.on_done(task.key, result)
            elif worker.process.sentinel in ready:
                self._lost(worker)
            elif self.timeout is not None and now - task.started >= self.timeout:
                self._replace(worker)
                self.on_done(task.key, Prepared(error=f"time budget exceeded: more than {self.timeout:g}s "
                                                      "to clean and extract the page"))

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        index = self.workers.index(worker)
        self.workers[index] = _Worker(self.ctx)

    def _lost(self, worker: _Worker) -> None:
        """A worker died holding ``task``: retry the page on a fresh worker, or record why it failed."""
        task = worker.task
        worker.process.join(STOP_GRACE)
        code = worker.process.exitcode
        self._replace(worker)
        if task is None:
            return
        if task.attempt < RETRIES:
            self._dispatch(_Task(task.key, task.job, task.attempt + 1, 0.0))
            return
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        self.on_done(task.key, Prepared(error=f"worker process died on this page ({how})"))


def runner(workers: int, on_done: Callable[[Any, Prepared], None], *, nlp: Language | None = None,
           timeout: float | None = None) -> InlineRunner | WorkerPool:
    """A pool of ``workers`` processes, or the calling process when ``workers`` is 1 or an ``nlp`` is given."""
    if nlp is not None or workers <= 1:
        return InlineRunner(on_done, nlp)
    return WorkerPool(workers, on_done, timeout=timeout)

"""Archive scans run in the background so the upload request returns at once and the page can
show progress. Results live in memory only, under unguessable ids, and the uploaded file is
deleted as soon as its scan ends, whatever the outcome."""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from postcheck.web.settings import WebSettings

log = logging.getLogger("postcheck.web")


class ScanInputError(ValueError):
    """The upload is not an archive we can read: the message is shown to the person."""


@dataclass
class Progress:
    done: int = 0
    total: int | None = None
    stage: str = "queued"


@dataclass
class Job:
    id: str
    filename: str
    state: str = "queued"  # queued, running, done, failed
    progress: Progress = field(default_factory=Progress)
    html: str | None = None
    summary: dict[str, object] | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)

    def status(self) -> dict[str, object]:
        return {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "stage": self.progress.stage,
            "done": self.progress.done,
            "total": self.progress.total,
            "error": self.error,
            "summary": self.summary,
            "report_url": f"/archive/jobs/{self.id}/report" if self.state == "done" else None,
        }


#: (path, filename, progress) -> (HTML report, small JSON summary). Raises ScanInputError for a
#: bad archive.
Scanner = Callable[[Path, str, Progress], tuple[str, dict[str, object]]]


class JobStore:
    def __init__(self, settings: WebSettings, scanner: Scanner | None = None) -> None:
        self.settings = settings
        self._scanner = scanner
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        # One scan at a time: a scan already uses every core through the engine's pool.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postcheck-scan")
        self._pending: dict[str, tuple[Future[None], Path]] = {}

    def scanner(self) -> Scanner:
        if self._scanner is None:
            from postcheck.web.archive import scan_upload

            self._scanner = scan_upload
        return self._scanner

    def submit(self, path: Path, filename: str) -> Job:
        job = Job(id=secrets.token_urlsafe(16), filename=filename)
        with self._lock:
            self._jobs[job.id] = job
            self._evict()
        future = self._pool.submit(self._run, job, path)
        with self._lock:
            self._pending[job.id] = (future, path)
        return job

    def busy(self) -> bool:
        """Every slot holds a scan not yet finished: take no more uploads for now."""
        with self._lock:
            pending = sum(j.state in ("queued", "running") for j in self._jobs.values())
        return pending >= self.settings.max_jobs

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _evict(self) -> None:
        while len(self._jobs) > self.settings.max_jobs:
            finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
            victim = finished[0] if finished else next(iter(self._jobs.values()))
            del self._jobs[victim.id]

    def _run(self, job: Job, path: Path) -> None:
        job.state = "running"
        job.progress.stage = "reading"
        try:
            job.html, job.summary = self.scanner()(path, job.filename, job.progress)
            job.progress.stage = "done"
            job.state = "done"
        except ScanInputError as exc:
            job.error = str(exc)
            job.state = "failed"
        except Exception as exc:
            # A traceback may quote a post, so only the exception's type reaches the log.
            log.error("archive scan failed (job %s): %s", job.id, type(exc).__name__)
            job.error = "The scan failed unexpectedly; nothing was kept."
            job.state = "failed"
        finally:
            _remove(path)
            with self._lock:
                self._pending.pop(job.id, None)

    def shutdown(self) -> None:
        """Stop taking work; uploads still waiting in the queue are deleted, not left."""
        with self._lock:
            pending = list(self._pending.values())
        for future, path in pending:
            if future.cancel():
                _remove(path)
        self._pool.shutdown(wait=False, cancel_futures=True)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
    if path.parent.name.startswith("postcheck-upload-"):
        shutil.rmtree(path.parent, ignore_errors=True)

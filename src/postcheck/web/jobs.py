"""Archive scans run in the background so the upload request returns at once and the page can
show progress.

A job's status and report are files in a private (0700) folder under the upload directory,
shared by every uvicorn worker on the machine: `--workers 2` sends the status polls to
whichever worker is free, not necessarily the one scanning. Ids are unguessable. The upload is
deleted as soon as its scan ends, whatever the outcome; reports are deleted when newer scans
push them out (`max_jobs`) and when the server stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from postcheck.web.settings import WebSettings

log = logging.getLogger("postcheck.web")

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Write progress to disk at most this often (seconds): polls come every ~0.7 s.
_SAVE_EVERY = 0.3


class ScanInputError(ValueError):
    """The upload is not an archive we can read: the message is shown to the person."""


@dataclass
class Progress:
    done: int = 0
    total: int | None = None
    stage: str = "queued"
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def update(self, **changes: Any) -> None:
        for k, v in changes.items():
            setattr(self, k, v)
        if self.on_change is not None:
            self.on_change()


@dataclass
class Job:
    id: str
    filename: str
    state: str = "queued"  # queued, running, done, failed
    progress: Progress = field(default_factory=Progress)
    summary: dict[str, object] | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["progress"] = {k: getattr(self.progress, k) for k in ("done", "total", "stage")}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        data = dict(data)
        data["progress"] = Progress(**data.get("progress", {}))
        return cls(**data)


#: (path, filename, progress) -> (HTML report, small JSON summary). Raises ScanInputError for a
#: bad archive.
Scanner = Callable[[Path, str, Progress], tuple[str, dict[str, object]]]


class JobStore:
    def __init__(self, settings: WebSettings, scanner: Scanner | None = None) -> None:
        self.settings = settings
        self._scanner = scanner
        # Workers of one server share the secret (serve sets it), so they share this folder.
        tag = hashlib.sha256(settings.secret_key.encode()).hexdigest()[:16]
        self.root = settings.upload_root() / f"postcheck-jobs-{tag}"
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One scan at a time per worker: a scan keeps a core busy.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postcheck-scan")
        self._pending: dict[str, tuple[Future[None], Path]] = {}
        self._mine: set[str] = set()

    def scanner(self) -> Scanner:
        if self._scanner is None:
            from postcheck.web.archive import scan_upload

            self._scanner = scan_upload
        return self._scanner

    # -- storage ------------------------------------------------------------------------
    def _dir(self, job_id: str) -> Path:
        return self.root / job_id

    def _save(self, job: Job) -> None:
        folder = self._dir(job.id)
        tmp = folder / "status.json.tmp"
        tmp.write_text(json.dumps(job.to_json()), encoding="utf-8")
        os.replace(tmp, folder / "status.json")

    def get(self, job_id: str) -> Job | None:
        if not _JOB_ID.match(job_id):
            return None
        try:
            data = json.loads((self._dir(job_id) / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Job.from_json(data)

    def report_html(self, job_id: str) -> str | None:
        if not _JOB_ID.match(job_id):
            return None
        try:
            return (self._dir(job_id) / "report.html").read_text(encoding="utf-8")
        except OSError:
            return None

    def _all(self) -> list[Job]:
        jobs = []
        for folder in self.root.iterdir():
            job = self.get(folder.name)
            if job is not None:
                jobs.append(job)
        return sorted(jobs, key=lambda j: j.created)

    def busy(self) -> bool:
        """Every slot holds a scan not yet finished: take no more uploads for now."""
        return sum(not j.finished for j in self._all()) >= self.settings.max_jobs

    def _evict(self) -> None:
        jobs = self._all()
        excess = len(jobs) - self.settings.max_jobs
        for job in [j for j in jobs if j.finished][: max(0, excess)]:
            shutil.rmtree(self._dir(job.id), ignore_errors=True)

    # -- work ---------------------------------------------------------------------------
    def submit(self, path: Path, filename: str) -> Job:
        job = Job(id=secrets.token_urlsafe(16), filename=filename)
        self._dir(job.id).mkdir(mode=0o700)
        self._save(job)
        with self._lock:
            self._mine.add(job.id)
            self._evict()
            future = self._pool.submit(self._run, job, path)
            self._pending[job.id] = (future, path)
        return job

    def _run(self, job: Job, path: Path) -> None:
        last = 0.0

        def save_now_and_then() -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _SAVE_EVERY:
                last = now
                self._save(job)

        job.progress.on_change = save_now_and_then
        job.state = "running"
        job.progress.update(stage="reading")
        try:
            html, job.summary = self.scanner()(path, job.filename, job.progress)
            (self._dir(job.id) / "report.html").write_text(html, encoding="utf-8")
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
            with contextlib.suppress(OSError):
                self._save(job)
            with self._lock:
                self._pending.pop(job.id, None)

    def shutdown(self) -> None:
        """Stop taking work. Uploads still waiting are deleted, and so are this worker's
        reports: they hold the person's posts and have no use once the server is gone."""
        with self._lock:
            pending = list(self._pending.values())
            mine = list(self._mine)
        for future, path in pending:
            if future.cancel():
                _remove(path)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for job_id in mine:
            shutil.rmtree(self._dir(job_id), ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only if no other worker still has jobs there


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
    if path.parent.name.startswith("postcheck-upload-"):
        shutil.rmtree(path.parent, ignore_errors=True)

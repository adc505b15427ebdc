"""Many posts through the engine: streaming, in input order, on every core.

Memory stays bounded whatever the input size: posts are read in chunks and only a fixed
number of chunks are in flight at once. Small inputs never pay for starting a process pool.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from postcheck.engine import InputError, default_engine
from postcheck.shapes import Post, Report

#: Below this many posts the work is done in this process.
POOL_THRESHOLD = 400


@dataclass(frozen=True, slots=True)
class Outcome:
    """One post's result: a report, or why it could not be checked."""

    post: Post
    report: Report | None
    error: str | None

    @property
    def post_id(self) -> str | None:
        return self.post.id


def _check_chunk(posts: list[Post], edition: str | None, mode: str | None) -> list[Outcome]:
    # One vectorised model pass for the whole chunk (Engine.check_many).
    results = default_engine().check_many(posts, edition, mode=mode, chunk=len(posts) or 1)
    return [
        Outcome(p, None, str(r)) if isinstance(r, InputError) else Outcome(p, r, None)
        for p, r in zip(posts, results, strict=True)
    ]


#: A checked chunk as a worker sends it back: (report as JSON, error) per post, in order.
_Wire = list[tuple[str | None, str | None]]


def _check_chunk_wire(posts: list[Post], edition: str | None, mode: str | None) -> _Wire:
    """`_check_chunk` for a worker process: reports travel back as JSON text.

    Unpickling a Report (dozens of nested pydantic objects) costs the parent about five
    times what validating its JSON does, and the parent is the one serial step of a pooled
    run; JSON round-trips a Report exactly (tested). The posts stay behind: the parent still
    holds them, so sending them back would only cost pickling.
    """
    return [
        (o.report.model_dump_json() if o.report is not None else None, o.error)
        for o in _check_chunk(posts, edition, mode)
    ]


def _from_wire(wire: _Wire, posts: list[Post]) -> Iterator[Outcome]:
    """A worker's answer for `posts` (the chunk it was sent) as outcomes for those posts."""
    for post, (report, error) in zip(posts, wire, strict=True):
        yield Outcome(post, Report.model_validate_json(report) if report else None, error)


def _warm() -> None:
    default_engine()
    from postcheck.detect import default_detectors

    default_detectors()


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_outcomes(
    posts: Iterable[Post],
    processes: int | None = None,
    chunksize: int = 64,
    edition: str | None = None,
    mode: str | None = None,
) -> Iterator[Outcome]:
    """Outcomes in input order. `mode` is how much the reader reads (None: the bulk mode,
    `encoder.mode_for()`); it travels to the workers with each chunk."""
    if mode is None:
        from postcheck.detect.encoder import mode_for

        mode = mode_for()
    it = iter(posts)
    procs = cpu_count() if processes is None else max(1, processes)
    head = list(itertools.islice(it, POOL_THRESHOLD))
    if procs == 1 or len(head) < POOL_THRESHOLD:
        yield from _check_chunk(head, edition, mode)
        for chunk in _chunks(it, chunksize):
            yield from _check_chunk(chunk, edition, mode)
        return
    _warm()  # load once in the parent so forked workers share it
    ctx = mp.get_context("fork") if sys.platform.startswith("linux") else mp.get_context()
    in_flight: deque[tuple[list[Post], Future[_Wire]]] = deque()
    limit = procs * 4
    with ProcessPoolExecutor(max_workers=procs, mp_context=ctx, initializer=_warm) as pool:
        for chunk in _chunks(itertools.chain(head, it), chunksize):
            in_flight.append((chunk, pool.submit(_check_chunk_wire, chunk, edition, mode)))
            while len(in_flight) >= limit:
                sent, done = in_flight.popleft()
                yield from _from_wire(done.result(), sent)
        while in_flight:
            sent, done = in_flight.popleft()
            yield from _from_wire(done.result(), sent)


def check_stream(  # noqa: PLR0913  public streaming API: check_outcomes' documented options plus on_error
    posts: Iterable[Post],
    processes: int | None = None,
    chunksize: int = 64,
    edition: str | None = None,
    on_error: Callable[[str | None, str], None] | None = None,
    mode: str | None = None,
) -> Iterator[Report]:
    """Reports in input order. Posts that can't be checked go to `on_error(id, reason)`."""
    for o in check_outcomes(posts, processes, chunksize, edition, mode):
        if o.report is not None:
            yield o.report
        elif on_error is not None:
            on_error(o.post_id, o.error or "unknown error")
        else:
            raise InputError(f"post {o.post_id or '?'}: {o.error}")


def _chunks(it: Iterable[Post], size: int) -> Iterator[list[Post]]:
    it = iter(it)
    while chunk := list(itertools.islice(it, size)):
        yield chunk

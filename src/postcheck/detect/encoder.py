"""How much of the reading the transformer does: the reading mode of the cascade.

The n-gram students score every post; the multi-label reader (`reader.py`) reads the posts
they are unsure of ("fast", bulk work), every post ("thorough", one draft), or none ("off").
onnxruntime is imported and the session built on first use only, so a run that never meets
an unsure post never pays for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from postcheck.detect.trained import ModelError

#: How much of the work the transformer does. "fast" reads only the posts the n-gram model is
#: unsure of (the band), "thorough" reads every post (about ten times slower per post), "off"
#: never loads it.
MODES = ("fast", "thorough", "off")

#: The mode when $POSTCHECK_ENCODER does not say: bulk work (a history scan, a batch file, the
#: batch API) is throughput-bound and runs "fast"; one draft checked while its author waits
#: costs a few milliseconds more to read properly, so single-post checks run "thorough".
BULK_DEFAULT = "fast"
SINGLE_POST_DEFAULT = "thorough"


_mode: str | None = None
_scoped: ContextVar[str | None] = ContextVar("postcheck_encoder_mode", default=None)


def _env_mode() -> str | None:
    raw = os.environ.get("POSTCHECK_ENCODER", "").strip().lower()
    if not raw:
        return None
    if raw not in MODES:
        raise ModelError(f"POSTCHECK_ENCODER must be one of {', '.join(MODES)}, not {raw!r}")
    return raw


def current_mode() -> str:
    """The mode for this call: one set by `reading()` around it, else $POSTCHECK_ENCODER, else
    the bulk default. The environment is read once per process (every post's detectors ask,
    and it is slow to read); `reset_mode()` re-reads it."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    global _mode
    if _mode is None:
        _mode = _env_mode() or BULK_DEFAULT
    return _mode


def reset_mode() -> None:
    """Forget the mode read from the environment (after changing $POSTCHECK_ENCODER)."""
    global _mode
    _mode = None


def single_post_mode() -> str:
    """The mode for checking one draft: $POSTCHECK_ENCODER when set, else "thorough"."""
    return _env_mode() or SINGLE_POST_DEFAULT


def mode_for(*, thorough: bool = False, single: bool = False) -> str:
    """The reading mode a command passes down: "thorough" when asked for, else
    $POSTCHECK_ENCODER, else the default for one draft or for bulk work."""
    if thorough:
        return "thorough"
    return _env_mode() or (SINGLE_POST_DEFAULT if single else BULK_DEFAULT)


def one_draft() -> AbstractContextManager[None]:
    """Around the check of one draft its author waits for (`postcheck check TEXT`,
    `postcheck.check()`, `POST /api/check`): read it in `single_post_mode()`."""
    return reading(single_post_mode())


@contextmanager
def reading(mode: str) -> Iterator[None]:
    """Run the enclosed checks in `mode` (this thread or task only: a web server's other
    requests keep theirs)."""
    if mode not in MODES:
        raise ModelError(f"encoder mode must be one of {', '.join(MODES)}, not {mode!r}")
    token = _scoped.set(mode)
    try:
        yield
    finally:
        _scoped.reset(token)


def _threads() -> int:
    # One thread per process: the batch path already runs one process per core.
    try:
        return max(1, int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1")))
    except ValueError:
        return 1

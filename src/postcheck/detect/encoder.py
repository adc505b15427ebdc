"""How much of the reading the transformer does: the reading mode of the cascade.

The n-gram students score every post; the multi-label reader (`reader.py`) reads the posts
they are unsure of ("fast", bulk work), every post ("thorough", one draft), or none ("off").
onnxruntime is imported and the session built on first use only, so a run that never meets
an unsure post never pays for them.
"""

from __future__ import annotations

import os

from postcheck.detect.trained import ModelError

#: How much of the work the transformer does. "fast" reads only the posts the n-gram model is
#: unsure of (the band), "thorough" reads every post (about half the speed of "fast" on the
#: benchmark's tweets, `benchmarks/results/bench.txt`), "off" never loads it.
MODES = ("fast", "thorough", "off")

#: The mode when $POSTCHECK_ENCODER does not say: bulk work (a history scan, a batch file, the
#: batch API) is throughput-bound and runs "fast"; one draft checked while its author waits
#: costs a few milliseconds more to read properly, so single-post checks run "thorough".
BULK_DEFAULT = "fast"
SINGLE_POST_DEFAULT = "thorough"


def check_mode(mode: str) -> str:
    """`mode`, or a ModelError naming the choices."""
    if mode not in MODES:
        raise ModelError(f"encoder mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def _env_mode() -> str | None:
    raw = os.environ.get("POSTCHECK_ENCODER", "").strip().lower()
    if not raw:
        return None
    if raw not in MODES:
        raise ModelError(f"POSTCHECK_ENCODER must be one of {', '.join(MODES)}, not {raw!r}")
    return raw


def mode_for(*, thorough: bool = False, single: bool = False) -> str:
    """The reading mode a door passes down to the engine: "thorough" when asked for, else
    $POSTCHECK_ENCODER, else the default for one draft (`single`) or for bulk work. Doors
    call this once per command or request; below them the mode travels as a parameter."""
    if thorough:
        return "thorough"
    return _env_mode() or (SINGLE_POST_DEFAULT if single else BULK_DEFAULT)


def _threads() -> int:
    # One thread per process: the batch path already runs one process per core.
    try:
        return max(1, int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1")))
    except ValueError:
        return 1

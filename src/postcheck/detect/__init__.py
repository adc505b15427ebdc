"""Detectors: one module per signal family, run over a shared `Doc`."""

from __future__ import annotations

from collections.abc import Sequence

from postcheck.detect.base import SIGNAL_NAMES, Detector, Doc
from postcheck.shapes import Post, Signal

__all__ = ["SIGNAL_NAMES", "Detector", "Doc", "default_detectors", "detect", "detect_doc"]


def default_detectors() -> tuple[Detector, ...]:
    """The detectors named in the signal registry (registry.py), one instance each."""
    from postcheck.detect.registry import detectors

    return detectors()


def detect(post: Post, detectors: Sequence[Detector] | None = None) -> list[Signal]:
    """All signals for one post, in the public order of SIGNAL_NAMES."""
    return detect_doc(Doc.of(post), detectors)


def detect_doc(doc: Doc, detectors: Sequence[Detector] | None = None) -> list[Signal]:
    found: dict[str, Signal] = {}
    for d in detectors or default_detectors():
        for sig in d.detect(doc):
            found[sig.name] = sig
    return [found[n] for n in SIGNAL_NAMES if n in found] + [
        s for n, s in found.items() if n not in SIGNAL_NAMES
    ]

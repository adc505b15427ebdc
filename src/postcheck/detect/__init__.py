"""Detectors: one module per signal family, run over a shared `Doc`."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from postcheck.detect.base import SIGNAL_NAMES, Detector, Doc
from postcheck.model import Post, Signal

__all__ = ["SIGNAL_NAMES", "Detector", "Doc", "default_detectors", "detect", "detect_doc"]


@functools.cache
def default_detectors() -> tuple[Detector, ...]:
    from postcheck.detect.abuse import AbuseDetector
    from postcheck.detect.confidential import ConfidentialDetector
    from postcheck.detect.grievance import GrievanceDetector
    from postcheck.detect.political import PoliticalDetector
    from postcheck.detect.privacy import PrivacyDetector
    from postcheck.detect.work_link import WorkLinkDetector

    return (
        PoliticalDetector(),
        WorkLinkDetector(),
        GrievanceDetector(),
        AbuseDetector(),
        PrivacyDetector(),
        ConfidentialDetector(),
    )


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

"""The signal registry is the one place a signal is declared."""

from __future__ import annotations

from postcheck.detect import detect
from postcheck.detect.registry import SIGNAL_NAMES, SIGNALS, detectors
from postcheck.shapes import Post


def test_each_detector_makes_exactly_the_signals_the_registry_gives_it() -> None:
    for det in detectors():
        path = f"{type(det).__module__}:{type(det).__name__}"
        declared = tuple(s.name for s in SIGNALS if s.detector == path)
        assert tuple(det.signals) == declared, path


def test_every_report_lists_every_registered_signal_in_order() -> None:
    names = [s.name for s in detect(Post(text="Kia ora, lovely day for it"))]
    assert tuple(names) == SIGNAL_NAMES


def test_every_signal_says_what_it_means() -> None:
    for s in SIGNALS:
        assert s.description.endswith(".") and len(s.description) > 10, s.name


def test_the_moderation_queue_screens_the_registry_s_signals() -> None:
    from postcheck.moderation.policy import CATEGORY_LABELS, ENGINE_CATEGORIES

    marked = tuple(s.name for s in SIGNALS if s.moderation)
    assert marked == ENGINE_CATEGORIES
    assert all(CATEGORY_LABELS[n] == s.moderation for s in SIGNALS if (n := s.name) in marked)

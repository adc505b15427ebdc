"""Every signal, declared once: its name, what it means, which detector makes it, and whether
the moderation queue screens comments for it.

Adding a signal is one detector module plus one line here; the public order of signals in a
report (SIGNAL_NAMES), the detectors the engine runs, the names rule conditions may use and
the categories the moderation queue screens all come from this table. Detectors are named
by import path so this module imports nothing heavy.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from postcheck.detect.base import Detector


@dataclass(frozen=True, slots=True)
class SignalSpec:
    name: str
    description: str
    #: "module:Class" of the detector that returns it (one detector may make several).
    detector: str
    #: The label the moderation queue shows when it holds a comment for this signal; None:
    #: not screened in comments (a commenter's politics or job is theirs).
    moderation: str | None = None


_POLITICAL = "postcheck.detect.political:PoliticalDetector"
_ABUSE = "postcheck.detect.abuse:AbuseDetector"

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("political", "A personal political opinion (with its jurisdiction).", _POLITICAL),
    SignalSpec("political_mention", "Politics named without an opinion.", _POLITICAL),
    SignalSpec("persuasion", "Could sway a vote: a side taken, or how to vote.", _POLITICAL),
    SignalSpec(
        "work_link",
        "The post ties its author to their job.",
        "postcheck.detect.work_link:WorkLinkDetector",
    ),
    SignalSpec(
        "grievance",
        "A complaint about one's own employer, pay or conditions.",
        "postcheck.detect.grievance:GrievanceDetector",
    ),
    SignalSpec("disrespect", "Insult or contempt aimed at someone.", _ABUSE, "Abuse or disrespect"),
    SignalSpec("profanity", "Swearing, aimed or not.", _ABUSE),
    SignalSpec("hate", "Denigrating a group.", _ABUSE, "Hate (denigrating a group)"),
    SignalSpec("threat", "A threat of harm.", _ABUSE, "Threats"),
    SignalSpec("harassment", "Harassment or an incitement against someone.", _ABUSE, "Harassment"),
    SignalSpec("sexual", "Sexual content.", _ABUSE, "Sexual content"),
    SignalSpec(
        "privacy",
        "Someone else's personal details.",
        "postcheck.detect.privacy:PrivacyDetector",
        "Someone's personal information",
    ),
    SignalSpec(
        "confidential",
        "Work information not public: secrets, cases met through work, figures before release.",
        "postcheck.detect.confidential:ConfidentialDetector",
        "Confidential information",
    ),
)

#: The public contract: every report lists these signals, in this order.
SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in SIGNALS)
#: Signals the moderation queue screens comments for, with the labels it shows.
MODERATION_LABELS: dict[str, str] = {s.name: s.moderation for s in SIGNALS if s.moderation}


def spec(name: str) -> SignalSpec:
    for s in SIGNALS:
        if s.name == name:
            return s
    raise KeyError(name)


@functools.cache
def detectors() -> tuple[Detector, ...]:
    """One instance of each detector the table names, in the table's order."""
    out: list[Detector] = []
    for path in dict.fromkeys(s.detector for s in SIGNALS):
        module, _, cls = path.partition(":")
        out.append(getattr(importlib.import_module(module), cls)())
    return tuple(out)

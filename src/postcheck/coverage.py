"""Who the guidance covers, and whose role touches foreign politics.

The Commission's guidance is written for the Public Service (departments and departmental
agencies, Public Service Act 2020 Schedule 2); the wider State sector (Crown entities, Police,
the Defence Force, Offices of Parliament) is expected to follow the same neutrality and conduct
standards through the Code of Conduct for the Public Sector. Councils, school boards and
private employers are outside it: their own codes apply, so postcheck says so and keeps the
guidance's advice as good practice rather than obligation.
"""

from __future__ import annotations

import re

from postcheck.detect.lexicon import shared_matcher
from postcheck.detect.work_link import employer_ids
from postcheck.shapes import Author

PUBLIC_SERVICE_KINDS = frozenset({"department", "departmental-agency"})
STATE_SECTOR_KINDS = frozenset(
    {"crown-entity", "police", "defence", "office-of-parliament", "other"}
)

#: Employers outside the State sector that people commonly give.
_OUTSIDE = re.compile(
    r"\b(council|district council|city council|regional council|school board|board of "
    r"trustees|school|kura|university|polytechnic|ltd|limited|inc\b|iwi|rūnanga|runanga|"
    r"trust)\b",
    re.IGNORECASE,
)

#: Agencies whose work is foreign affairs, trade, defence, security or immigration: for their
#: staff, comment on another country's politics can touch the job.
FOREIGN_FACING_AGENCIES = frozenset(
    {"mfat", "mod", "nzdf", "nzsis", "gcsb", "customs", "nzte", "dpmc", "mbie"}
)
_FOREIGN_FACING_WORDS = re.compile(
    r"\b(foreign|diplomat\w*|embassy|consul\w*|high commission|trade|defen[cs]e|military|"
    r"security|intelligence|immigration|visa\w*|border|refugee\w*|international|middle east|"
    r"ukraine|russia|china|pacific|united nations|un\b|aid|development)\b",
    re.IGNORECASE,
)


def coverage(author: Author) -> str:
    """ "public_service", "state_sector", "outside" or "unknown" (no employer given)."""
    if not author.employer or not author.employer.strip():
        return "unknown"
    ids = employer_ids(author.employer)
    entries = shared_matcher().entries
    kinds = {str(entries.get(("agency", i), {}).get("kind", "")) for i in ids}
    if kinds & PUBLIC_SERVICE_KINDS:
        return "public_service"
    if kinds & STATE_SECTOR_KINDS:
        return "state_sector"
    if _OUTSIDE.search(author.employer):
        return "outside"
    return "unknown"


def foreign_facing(author: Author) -> bool:
    """The author's agency, role or topics touch foreign affairs, trade, defence, security or
    immigration."""
    if author.employer and employer_ids(author.employer) & FOREIGN_FACING_AGENCIES:
        # MBIE and DPMC are broad: only their foreign-facing roles count.
        broad = employer_ids(author.employer) <= {"mbie", "dpmc"}
        if not broad:
            return True
    words = " ".join([author.role or "", *author.topics])
    return bool(_FOREIGN_FACING_WORDS.search(words))


COVERAGE_NOTES = {
    "state_sector": (
        "You work in the wider State sector, not the Public Service itself: the Code of "
        "Conduct for the Public Sector and your organisation's policies set the same "
        "expectations, and this guidance is how they are usually read."
    ),
    "outside": (
        "Your employer looks to be outside the State sector (a council, school board or "
        "private organisation): this guidance does not bind you, but your employer's own "
        "code of conduct usually asks the same. Read the findings as good practice."
    ),
}

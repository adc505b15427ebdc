"""Information met through work: a case told with what identifies it, and figures previewed.

The codebook's `confidential` covers two things a lexicon of secrecy words never sees:

- **Casework.** "Uplifted a 6 year old from a house in Flaxmere last night" names no one and
  uses no secret word, yet a social worker who posts it discloses a child's case. A person
  met through the work (client, patient, prisoner, a child uplifted) told with details that
  identify them or make the case sensitive (an age, a place, an offence, a diagnosis) is the
  pattern; the author's frame (first person, "tonight", "on shift") or a role that holds such
  cases says it is their work and not a news story.
- **Previews.** "Sneak peek: unemployment comes in at 5.4% when we publish on Wednesday" is an
  unreleased statistic: a figure told first-hand ahead of its release. Somebody else's
  forecast ("economists expect 5.4%") is not.

Pure functions of the document: each returns (score, spans, evidence).
"""

from __future__ import annotations

import re

from postcheck.detect.base import Doc, noisy_or
from postcheck.detect.work_link import employer_ids

Part = tuple[float, list[tuple[int, int]], list[str]]

#: Agencies whose staff hold people's cases: children in care, prisoners, patients,
#: beneficiaries, taxpayers, claimants, tenants, pupils.
CASE_AGENCIES = frozenset(
    {
        "ot", "corrections", "police", "te-whatu-ora", "msd", "ird", "acc", "moj",
        "kainga-ora", "moe", "disabled-people", "fenz", "ipca", "hdc",
    }
)  # fmt: skip
#: Agencies that publish official statistics or decisions on a release calendar.
RELEASE_AGENCIES = frozenset({"stats", "treasury", "rbnz"})

_CASE_ROLE = re.compile(
    r"\b(nurse|doctor|midwife|paramedic|social worker|case ?worker|case manager|corrections "
    r"officer|prison officer|probation officer|police officer|constable|detective|teacher|"
    r"principal|counsellor|psychologist|psychiatrist|registrar|GP|youth worker|care worker|"
    r"support worker|work and income|clinician|physio\w*|dentist|pharmacist|firefighter)\b",
    re.IGNORECASE,
)
_STATS_ROLE = re.compile(r"\b(statistician|economist|analyst)\b", re.IGNORECASE)

#: An age that narrows who someone is: "a 6 year old", "6yo", "aged 19", "19-year-old".
#: A bare "30 years" is a duration, so "old" (or "yo", "aged") is required.
_AGE = re.compile(
    r"\b\d{1,3}\s*-?\s*(?:years?|yrs?|months?|weeks?)\s*-?\s*old\b|\b\d{1,3}\s*yo\b"
    r"|\baged\s+\d{1,3}\b",
    re.IGNORECASE,
)
#: The author speaking of their own day or shift.
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|me|my|we|we're|we've|our|us)\b", re.IGNORECASE)
_OWN_DAY = re.compile(
    r"\b(today|tonight|this morning|this afternoon|last night|yesterday|on shift|night shift|"
    r"day shift|rough day|long day|hard day|tough day|at work)\b",
    re.IGNORECASE,
)
#: Reporting someone else's account: a news story or a court report shared, not a case held.
_REPORTED = re.compile(
    r"\b(police said|police say|court heard|the court|according to|reported|reports|"
    r"reporter|news|herald|stuff\.co|rnz|newsroom|1news|appeared in|was sentenced|"
    r"has been charged|was charged|pleaded|judge)\b",
    re.IGNORECASE,
)
#: A figure as statistics are given: a percentage, money, or a count with a unit.
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s?(?:%|per ?cent\b|percent\b)|\$\s?\d[\d,.]*\s?(?:[mb]n?|million|billion)?"
    r"|\b\d[\d,.]*\s?(?:million|billion|thousand|people|jobs|households)\b",
    re.IGNORECASE,
)


def _employer(doc: Doc) -> frozenset[str]:
    employer = doc.post.context.author.employer
    return employer_ids(employer) if employer else frozenset()


def holds_cases(doc: Doc) -> bool:
    """The author's employer or role holds people's cases."""
    author = doc.post.context.author
    return bool(_employer(doc) & CASE_AGENCIES) or bool(
        author.role and _CASE_ROLE.search(author.role)
    )


def casework(doc: Doc) -> Part:
    """A person met through the work, told with identifying or sensitive detail."""
    people = doc.hits_of("care_person")
    if not people:
        return 0.0, [], []
    details = doc.hits_of("care_detail")
    places = doc.hits_of("care_place")
    ages = list(_AGE.finditer(doc.text))
    kinds = sum(1 for found in (details, places, ages) if found)
    if not kinds:
        return 0.0, [], []
    person = max(h.weight for h in people)
    # A place alone is business as usual ("my client meeting in Auckland"); an age or an
    # event is what makes a case someone's.
    strength = person * (0.45 if not (details or ages) else (0.6, 0.8, 0.95)[kinds - 1])
    own = bool(_FIRST_PERSON.search(doc.text) or _OWN_DAY.search(doc.text))
    if holds_cases(doc):
        frame = 1.0 if own or not _REPORTED.search(doc.text) else 0.75
    elif own:
        frame = 0.9 if not _REPORTED.search(doc.text) else 0.6
    else:
        frame = 0.55
    score = strength * frame
    spans = [(h.start, h.end) for h in (*people, *details, *places)]
    spans += [m.span() for m in ages]
    evidence = [f"casework:{h.entry}" for h in people[:1]]
    found = (("event", details), ("place", places), ("age", ages))
    evidence += [f"detail:{k}" for k, v in found if v]
    return score, spans, evidence


def preview(doc: Doc) -> Part:
    """A figure told first-hand ahead of its release."""
    markers = doc.hits_of("prerelease")
    if not markers:
        return 0.0, [], []
    figures = list(_FIGURE.finditer(doc.text))
    if not figures:
        return 0.0, [], []
    author = doc.post.context.author
    releases = bool(_employer(doc) & RELEASE_AGENCIES) or bool(
        author.role and _STATS_ROLE.search(author.role) and _employer(doc)
    )
    score = noisy_or(h.weight for h in markers) * (0.95 if releases else 0.8)
    if doc.hits_of("forecast") and not releases:
        # "Economists expect 5.4% before the release": a forecast, not a preview.
        score *= 0.4
    spans = [(h.start, h.end) for h in markers] + [m.span() for m in figures[:3]]
    return score, spans, ["prerelease:figure"]

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

from postcheck.detect.base import Doc, merge_spans, noisy_or
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
    r"|\baged\s+\d{1,3}\b"
    # or bracketed after a word, as posts give it: "this little man (8)", "my son (17M)"
    r"|(?<=[a-z])\s\(\d{1,2}\s?[mfMF]?\)(?!\s*\d)",
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
    r"|\b\d[\d,.]*\s?(?:million|billion|thousand|people|jobs|households|basis points|bps|"
    r"points|pts)\b"
    # a market's shorthand for the leading digit: "think 5-handle"
    r"|\b\d-handle\b",
    re.IGNORECASE,
)


#: A scheduled release named ahead of time: "tomorrow's CPI release", "Wednesday's figures".
_UPCOMING = re.compile(
    r"\b(?:tomorrow'?s|today'?s|this week'?s|next week'?s|(?:mon|tues|wednes|thurs|fri)day'?s|"
    r"upcoming|the next)\s+(?:[\w-]+\s+){0,2}?(?:release|figures?|numbers?|data|stats|"
    r"statistics|results?|print|announcement|decision)\b"
    # or the release first and its day after: "census results drop next Tuesday"
    r"|\b(?:release|figures?|numbers?|data|stats|statistics|results?|decision)\b(?:\W+\w+){0,3}?"
    r"\W+(?:tomorrow|next week|next (?:mon|tues|wednes|thurs|fri)day)\b"
    # or the publishing itself, dated: "the number we publish Wednesday" (a bare weekday only
    # after a publishing verb: "the data from Monday" is last week's)
    r"|\b(?:we|they)(?:'re|'ll| are| will)?\s+(?:publish|release|put out|announce)(?:es|s|ing)?"
    r"(?:\s+(?:it|them|this|that))?(?:\s+on)?\s+(?:tomorrow|next week|(?:this |next )?"
    r"(?:mon|tues|wednes|thurs|fri)day)\b"
    # or a tease of the day it comes out: "wait till Thursday", "just wait until Budget day"
    r"|\bwait (?:till|until|for) (?:tomorrow|next week|budget day|(?:this |next )?"
    r"(?:mon|tues|wednes|thurs|fri)day)\b",
    re.IGNORECASE,
)
#: Which way a figure went, told without the figure ("way higher than the forecasts").
_DIRECTION = re.compile(
    r"\b(?:higher|lower|worse|better|bigger|smaller|stronger|weaker|surprise|surprised|shock|"
    r"shocker|jump|jumped|drop|dropped|spike|spiked|record|cut|cuts|hike|hikes|rise|rises|fall|"
    r"falls|increase|decrease|double|doubled|triple|tripled|twice|halved|ugly|grim|brutal|"
    r"horrible|awful|nasty|rough|hit|hits|hammer|hammered|slash|slashed|gutted|boost|boosted)\b",
    re.IGNORECASE,
)
#: The direction of an unreleased figure, told by someone whose agency publishes it: market
#: news all the same, below a figure told outright.
DIRECTION_ONLY = 0.75
#: A release named ahead of time counts as a marker only for those who publish it.
UPCOMING_WEIGHT = 0.85


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
    in_role = holds_cases(doc)
    if not in_role:
        people = [h for h in people if h.entry != "care-in-role"]
        if not people:
            return 0.0, [], []
    every = doc.hits_of("care_detail")
    # A name is a kind of detail of its own: with an event or a place it pins the case down.
    names = [h for h in every if h.entry == "named"]
    details = [h for h in every if h.entry != "named"]
    places = doc.hits_of("care_place")
    ages = list(_AGE.finditer(doc.text))
    # Two things that happened ("dad's gone inside", "mum's not coping") tell a case as
    # surely as an event and a place.
    several = len(merge_spans((h.start, h.end) for h in details)) > 1
    kinds = min(3, sum(1 for found in (details, places, ages, names) if found) + several)
    if not kinds:
        return 0.0, [], []
    person = max(h.weight for h in people)
    # A place alone is business as usual ("my client meeting in Auckland"); an age or an
    # event is what makes a case someone's.
    strength = person * (0.45 if not (details or ages or names) else (0.6, 0.8, 0.95)[kinds - 1])
    own = bool(_FIRST_PERSON.search(doc.text) or _OWN_DAY.search(doc.text))
    if in_role:
        frame = 1.0 if own or not _REPORTED.search(doc.text) else 0.75
        if frame < 1.0 and all(h.entry == "care-in-role" for h in people):
            # "A 17 year old boy died ..., police said": the everyday words a case-holding job
            # meets people in are also how the news reports them; shared news is not a case.
            frame = 0.5
    elif own:
        frame = 0.9 if not _REPORTED.search(doc.text) else 0.6
    else:
        frame = 0.55
    score = strength * frame
    spans = [(h.start, h.end) for h in (*people, *details, *places, *names)]
    spans += [m.span() for m in ages]
    evidence = [f"casework:{h.entry}" for h in people[:1]]
    found = (("event", details), ("place", places), ("age", ages), ("name", names))
    evidence += [f"detail:{k}" for k, v in found if v]
    return score, spans, evidence


def preview(doc: Doc) -> Part:
    """A figure told first-hand ahead of its release."""
    markers = doc.hits_of("prerelease")
    author = doc.post.context.author
    if not (markers or author.employer):
        return 0.0, [], []
    releases = bool(_employer(doc) & RELEASE_AGENCIES) or bool(
        author.role and _STATS_ROLE.search(author.role) and _employer(doc)
    )
    upcoming = list(_UPCOMING.finditer(doc.text)) if releases else []
    if not (markers or upcoming):
        return 0.0, [], []
    marked = [(h.start, h.end) for h in markers] + [m.span() for m in upcoming]
    figures = list(_FIGURE.finditer(doc.text))
    # "Economists expect 5.4% before the release": a forecast, not a preview ("higher than the
    # forecasts" compares with one, and is not a forecast word: the lexicon leaves it out).
    forecast = bool(doc.hits_of("forecast"))
    if not figures:
        direction = _DIRECTION.search(doc.text) if releases and not forecast else None
        if direction is None:
            return 0.0, [], []
        return DIRECTION_ONLY, [*marked, direction.span()], ["prerelease:direction"]
    weights = [h.weight for h in markers] + [UPCOMING_WEIGHT] * len(upcoming)
    score = noisy_or(weights) * (0.95 if releases else 0.8)
    if forecast and not (releases and markers):
        # A publisher's first-hand marker ("when we publish on Wednesday") outweighs the word.
        score *= 0.4
    spans = marked + [m.span() for m in figures[:3]]
    return score, spans, ["prerelease:figure"]

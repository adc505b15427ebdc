"""The pieces of judgement that need no model: coverage, Budget dates, spans, leetspeak."""

from __future__ import annotations

import datetime as dt

import pytest

from postcheck.calendar import NZ, budget_is_out
from postcheck.coverage import coverage, foreign_facing
from postcheck.detect.base import carries_meaning
from postcheck.detect.encoder_text import for_reader
from postcheck.shapes import Author


@pytest.mark.parametrize(
    "employer,expected",
    [
        ("Ministry of Social Development", "public_service"),
        ("MBIE", "public_service"),
        ("Te Whatu Ora", "state_sector"),
        ("New Zealand Police", "state_sector"),
        ("Wellington City Council", "outside"),
        ("Board of Trustees, Kāpiti College", "outside"),
        ("Acme Widgets Ltd", "outside"),
        ("", "unknown"),
    ],
)
def test_coverage_says_whom_the_guidance_binds(employer: str, expected: str) -> None:
    assert coverage(Author(employer=employer or None)) == expected


def test_foreign_facing_roles() -> None:
    assert foreign_facing(Author(employer="Ministry of Foreign Affairs and Trade"))
    assert foreign_facing(Author(employer="NZDF"))
    assert foreign_facing(Author(employer="MBIE", role="immigration officer"))
    assert not foreign_facing(Author(employer="MBIE", role="building policy adviser"))
    assert not foreign_facing(Author(employer="Department of Conservation", role="ranger"))
    assert foreign_facing(Author(employer="DIA", topics=("international trade",)))


def test_budget_is_out_from_2pm_on_budget_day() -> None:
    day = dt.date(2026, 5, 28)
    assert not budget_is_out(dt.date(2026, 5, 27))
    assert not budget_is_out(dt.datetime(2026, 5, 28, 13, 59, tzinfo=NZ))
    assert budget_is_out(dt.datetime(2026, 5, 28, 14, 0, tzinfo=NZ))
    assert not budget_is_out(day)  # a bare date on the day: the cautious reading
    assert budget_is_out(dt.date(2026, 11, 1))
    assert not budget_is_out(dt.date(2031, 12, 1))  # no dated Budget: not out


@pytest.mark.parametrize("span", ["the", ".", "it's", "The ", "—", "and so", "of the"])
def test_stop_words_and_punctuation_never_carry_a_finding(span: str) -> None:
    assert not carries_meaning(span)


@pytest.mark.parametrize("span", ["gutting", "#nzpol", "this government", "idiot", "Luxon", "💙"])
def test_content_words_do(span: str) -> None:
    assert carries_meaning(span)


@pytest.mark.parametrize(
    "text,want",
    [
        ("W0rst F1nance M1nister", "Worst Finance Minister"),
        ("sh1t", "shit"),
        ("meeting at 10am", "meeting at 10am"),
        ("H1N1 and covid19", "H1N1 and covid19"),
        ("Top 5 picks for 2026", "Top 5 picks for 2026"),
    ],
)
def test_reader_spells_leetspeak_back(text: str, want: str) -> None:
    assert for_reader(text) == want

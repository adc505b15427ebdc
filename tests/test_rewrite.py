"""Suggested rewrites: what is taken out, what is blanked, and when nothing is offered."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from postcheck.rewrite import Action, Rewrite, rewrite
from postcheck.shapes import Span

REMOVE = Rewrite(signal="profanity", action=Action.remove, only="fucking|bloody(?: hell)?")
REDACT = Rewrite(signal="privacy", action=Action.redact, placeholder="[x]", only=".*[0-9@].*")


def spans(text: str, *words: str) -> list[Span]:
    out = []
    for w in words:
        i = text.index(w)
        out.append(Span(start=i, end=i + len(w), text=w))
    return out


@pytest.mark.parametrize(
    ("text", "words", "want"),
    [
        ("What a fucking great game", ("fucking",), "What a great game"),
        ("Bloody hell, the bus again.", ("Bloody hell",), "The bus again."),
        ("Late again , bloody bus", ("bloody",), "Late again, bus"),
        ("line one\nfucking line two", ("fucking",), "line one\nline two"),
    ],
)
def test_remove_tidies_space_punctuation_and_capitals(
    text: str, words: tuple[str, ...], want: str
) -> None:
    assert rewrite(text, spans(text, *words), REMOVE) == want


def test_redact_merges_details_side_by_side() -> None:
    text = "Call 021 555 0199, 12 Kauri St or jo@example.com"
    got = rewrite(text, spans(text, "021 555 0199", "12 Kauri St", "jo@example.com"), REDACT)
    assert got == "Call [x] or [x]"


def test_nothing_offered_when_a_span_is_not_editable() -> None:
    text = "The traffic was shit"
    assert rewrite(text, spans(text, "shit"), REMOVE) is None
    story = "a client came in, call 021 555 0199"
    assert rewrite(story, spans(story, "a client", "021 555 0199"), REDACT) is None


def test_nothing_offered_without_spans_or_when_nothing_is_left() -> None:
    assert rewrite("fine words", [], REMOVE) is None
    assert rewrite("fucking", spans("fucking", "fucking"), REMOVE) is None


def test_a_bad_pattern_fails_at_load() -> None:
    with pytest.raises(ValidationError, match="regular expression"):
        Rewrite(signal="profanity", action=Action.remove, only="(")

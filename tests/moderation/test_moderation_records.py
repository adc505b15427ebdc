"""The store takes and gives back typed screening results; JSON only at its edge."""

from __future__ import annotations

import pytest

from postcheck.moderation.results import Advice, Reason, Screening
from postcheck.moderation.store import Conflict, Store, screening_of
from postcheck.shapes import Span

SCREENING = Screening(
    decision="hold",
    risk=0.8512,
    reasons=(
        Reason(
            category="bait",
            phase="bait",
            score=0.8512,
            action="hold",
            message="Invites you to take a political side in public.",
            spans=(Span(start=0, end=6, text="Whose "),),
            evidence=("strong",),
        ),
        Reason("spam", "spam", 0.2, "publish", "Looks like spam: 1 link(s)."),
    ),
    advice=(
        Advice(
            kind="do-not-respond",
            message="Don't answer this comment.",
            why="It asks where you stand.",
            clauses=({"id": "own-websites", "edition": "public-servants"},),
        ),
    ),
    stopped_at=None,
    phases_run=("validate", "word-lists", "spam", "engine", "allegations", "bait"),
    engine={"risk": "low", "findings": []},
)
TEXT = "Whose side are you on?"


def test_json_round_trip_is_exact() -> None:
    again = Screening.from_json(SCREENING.to_json())
    assert again.to_json() == SCREENING.to_json()
    assert again.reasons[0].spans == SCREENING.reasons[0].spans


def test_store_answers_typed_and_reads_back_what_it_took(db_url: str) -> None:
    store = Store(db_url, migrate_now=True)
    try:
        store.add_site("blog")
        site_id = store.site("blog").id
        sub = store.submit(
            site_id,
            client_id="c1",
            author_name="A",
            text_=TEXT,
            author_email=None,
            url=None,
            screening=SCREENING,
        )
        assert sub.created and sub.decision == "hold"
        assert sub.reasons == SCREENING.reasons and sub.advice == SCREENING.advice

        stored, seen = store.lookup(site_id, "c1", TEXT)
        assert stored is not None and seen == 0
        again = stored.answer(TEXT, "A")
        assert not again.created and again.comment_id == sub.comment_id
        assert [r.to_json() for r in again.reasons] == [r.to_json() for r in sub.reasons]
        assert again.advice == sub.advice
        with pytest.raises(Conflict):
            stored.answer("something else", "A")

        row = store.comment(sub.comment_id)
        assert screening_of(row).to_json() == SCREENING.to_json()
        assert row.reasons == [r.to_json() for r in SCREENING.reasons]  # the stored shape
        assert "reasons" not in row.screening and row.screening["phases"][0] == "validate"
    finally:
        store.dispose()

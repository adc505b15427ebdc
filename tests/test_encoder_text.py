"""What the transformer reads: `encoder_text.for_encoder`."""

from __future__ import annotations

import pytest

from postcheck.detect.encoder_text import for_encoder


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("Great game 😊", "Great game smiling face with smiling eyes"),
        # Skin tones and variation selectors only change the look.
        ("👍🏽 nice one", "thumbs up sign nice one"),
        ("❤️ this", "heavy black heart this"),
        # A run of the same emoji says no more than two do.
        ("🖕🖕🖕", " ".join(["reversed hand with middle finger extended"] * 2)),
        ("@USER @USER @user, you are right", "@user you are right"),
        ("sooooo good!!!!", "soo good!!"),
    ],
)
def test_emoji_are_spelled_and_runs_collapsed(raw: str, read: str) -> None:
    assert for_encoder(raw) == read


@pytest.mark.parametrize(
    "text",
    [
        "Kia ora koutou, great hui with the whānau today.",
        "Polls close at 7pm. Vote!",
        "A post with @user in the middle and 3 numbers: 1, 22, 303",
    ],
)
def test_plain_text_passes_unchanged(text: str) -> None:
    assert for_encoder(text) == text


def test_empty_and_emoji_only() -> None:
    assert for_encoder("") == ""
    assert for_encoder("   ") == ""
    assert for_encoder("🙂") == "slightly smiling face"

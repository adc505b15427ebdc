"""Phone numbers in other countries' formats count when the words around them say so."""

from __future__ import annotations

import pytest

from postcheck.detect import detect
from postcheck.detect.privacy import entities
from postcheck.model import Post


@pytest.mark.parametrize(
    "text,number",
    [
        ("Call her on +41 (0)85 806 98 67 after six", "+41 (0)85 806 98 67"),
        ("his mobile: 0489 25 37 29", "0489 25 37 29"),
        ("Text me at 079 2718 1155 when you land", "079 2718 1155"),
        ("03.93.92.16.85 office", "03.93.92.16.85"),
    ],
)
def test_cued_phone_numbers_are_found(text: str, number: str) -> None:
    spans = [text[s:e] for kind, s, e in entities(text) if kind == "phone"]
    assert number in spans
    sig = {s.name: s for s in detect(Post(text=text))}["privacy"]
    assert sig.fired and any(number in sp.text for sp in sig.spans)


@pytest.mark.parametrize(
    "text",
    [
        "My card number is 630427373398, is that right?",
        "Order 2024 0513 7781 shipped today",
        "Freephone 0800 22 22 00 for help",
        "The score was 3 - 1 - 2 - 7 at half time, 1995 to 2003 was the era",
    ],
)
def test_numbers_without_phone_cues_are_not_phones(text: str) -> None:
    assert not [e for e in entities(text) if e[0] == "phone"]

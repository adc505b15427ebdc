"""Phone numbers in other countries' formats count when the words around them say so."""

from __future__ import annotations

import pytest

from postcheck.detect import detect
from postcheck.detect.privacy import entities
from postcheck.shapes import Post


@pytest.mark.parametrize(
    "text,number",
    [
        ("Call her on +41 (0)85 806 98 67 after six", "+41 (0)85 806 98 67"),
        ("his mobile: 0489 25 37 29", "0489 25 37 29"),
        ("Text him at 079 2718 1155 when you land", "079 2718 1155"),
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
        "Text me at 079 2718 1155 when you land",
        "Spare tickets, text me on 027 123 4567 or email jo.bloggs@example.com",
        "My number is 021 555 0199 if anyone found a black cat",
    ],
)
def test_own_contact_details_are_found_but_are_not_someone_elses(text: str) -> None:
    # Found, so the moderation queue can offer to blank them on a public page; not the
    # privacy signal, which the codebook keeps for someone else's details.
    assert any(kind in ("phone", "email") for kind, _, _ in entities(text))
    assert not {s.name: s for s in detect(Post(text=text))}["privacy"].fired


def test_someone_elses_number_after_a_call_me_is_still_theirs() -> None:
    sig = {
        s.name: s for s in detect(Post(text="Call me if you see her, her number is 021 555 0199"))
    }
    assert sig["privacy"].fired


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


@pytest.mark.parametrize(
    "text,numbers",
    [
        ("Hungary 34796 (37) 788-063-Office, 07700 063 966-Fax", ["(37) 788-063", "07700 063 966"]),
        ("Reach me on 3660170548-Mobile", ["3660170548"]),
        ("Geneva +41 (0)69 979 80 58-Fax", ["+41 (0)69 979 80 58"]),
    ],
)
def test_a_hyphen_and_a_line_label_end_a_number(text: str, numbers: list[str]) -> None:
    assert [text[s:e] for kind, s, e in entities(text) if kind == "phone"] == numbers


@pytest.mark.parametrize(
    "text",
    [
        # digits joined by hyphens stay one run: no shorter "number" is cut out of it
        "Text me re invoice 555 1234-5678-9012-3456 please",
        "Call about the 20-digit code 555 1234-5678-9012-3456-7890",
    ],
)
def test_a_hyphen_before_more_digits_does_not_end_a_number(text: str) -> None:
    assert not [e for e in entities(text) if e[0] == "phone"]


@pytest.mark.parametrize(
    "text",
    [
        "Billing address: Ana Ruiz 03262 2437 Main St Suite 442 Mill Village",
        "Call in at 04 555 0123 Kowhai Road, the blue door",
        "Ship to 0212 3456 Old Coach Road",
    ],
)
def test_digits_running_into_a_street_are_a_house_number(text: str) -> None:
    assert not [e for e in entities(text) if e[0] == "phone"]
    assert [e for e in entities(text) if e[0] == "street-address"]


@pytest.mark.parametrize(
    "text,number",
    [
        ("Call 021 123 4567 Mark will answer", "021 123 4567"),
        ("Ring 04 555 0123 Main office hours only", "04 555 0123"),
        ("Call 04 555 0123, Kowhai Road office", "04 555 0123"),
    ],
)
def test_a_number_before_other_capitalised_words_is_still_a_phone(text: str, number: str) -> None:
    assert number in [text[s:e] for kind, s, e in entities(text) if kind == "phone"]


def test_street_follows() -> None:
    from postcheck.detect.addresses import street_follows

    for tail in (" Main St", " Kowhai Road", " Old Coach Rd north"):
        assert street_follows("12 34" + tail, 5), tail
    for tail in (" main st", " Mobile", ", Main St", " Main office", ""):
        assert not street_follows("12 34" + tail, 5), tail


@pytest.mark.parametrize(
    "text",
    [
        "Address: 12 Pärna 33\nCite Sfaxi\n, 13\n 44939",  # "fax" inside "Sfaxi"
        "During 2019 0513 7781 tickets were sold",  # "ring" inside "during"
        "In context 4471 2290 31 is the batch",  # "text" inside "context"
    ],
)
def test_a_cue_inside_another_word_is_no_cue(text: str) -> None:
    assert not [e for e in entities(text) if e[0] == "phone"]


@pytest.mark.parametrize(
    "text,number",
    [
        ("They're not answering at 079 2718 1155", "079 2718 1155"),
        ("left a voicemail on 0489 25 37 29 yesterday", "0489 25 37 29"),
        ("Fax: 03.93.92.16.85", "03.93.92.16.85"),
    ],
)
def test_cue_words_of_their_own_still_count(text: str, number: str) -> None:
    assert number in [text[s:e] for kind, s, e in entities(text) if kind == "phone"]

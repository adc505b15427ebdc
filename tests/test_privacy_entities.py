"""Typed privacy spans: each item once, in every format a reader sees as personal data."""

from __future__ import annotations

import pytest

from postcheck.detect.base import Doc
from postcheck.detect.privacy import PrivacyDetector, dedupe, entities
from postcheck.shapes import Post


def found(text: str, kind: str) -> list[str]:
    return [text[s:e] for k, s, e in entities(text) if k == kind]


def fires(text: str) -> bool:
    return PrivacyDetector().detect(Doc.of(Post(text=text)))[0].fired


# -- each item once -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,kind,items",
    [
        # two phone patterns read the same number
        (
            "office +46 (0)8 555 112 34 fax +1-212-555-0147 mobile",
            "phone",
            ["+46 (0)8 555 112 34", "+1-212-555-0147"],
        ),
        # one pattern reads the number without its extension, another with it
        (
            "Desk: +1-212-555-0147x12 Fax: 04 555 0199",
            "phone",
            ["+1-212-555-0147x12", "04 555 0199"],
        ),
    ],
)
def test_one_number_found_by_two_patterns_counts_once(
    text: str, kind: str, items: list[str]
) -> None:
    assert sorted(found(text, kind)) == sorted(items)
    assert len(set(entities(text))) == len(entities(text))


def test_an_ibans_digit_tail_is_not_a_second_item() -> None:
    # The account digits of this (valid) IBAN happen to pass Luhn.
    text = "My IBAN is GB39WEST36075983867565 thanks"
    assert entities(text) == [("iban", 11, 33)]


def test_separate_items_side_by_side_are_all_kept() -> None:
    text = "Card 4111 1111 1111 1111, phone 021 123 4567, GB39WEST36075983867565"
    kinds = sorted(k for k, _, _ in entities(text))
    assert kinds == ["card-number", "iban", "phone"]


def test_dedupe_keeps_the_best_score_and_the_outer_span() -> None:
    out = dedupe([(0.6, 0, 10, "phone"), (0.8, 0, 10, "phone"), (0.9, 3, 8, "card-number")])
    assert out == [(0.8, 0, 10, "phone")]
    apart = [(0.8, 0, 10, "phone"), (0.9, 10, 20, "card-number")]
    assert dedupe(apart) == apart


# -- IBANs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,iban",
    [
        ("my iban is gb39west36075983867565", "gb39west36075983867565"),
        ("Pay into ES91 2100 0418 4502 0005 1332 please", "ES91 2100 0418 4502 0005 1332"),
        ("ES9121000418450200051332 is mine", "ES9121000418450200051332"),
        ("IBAN: de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"),
    ],
)
def test_ibans_in_any_case_are_found(text: str, iban: str) -> None:
    assert found(text, "iban") == [iban]
    assert fires(text)


@pytest.mark.parametrize(
    "text",
    [
        "my iban is gb39west36075983867566",  # one digit off: the checksum fails
        "use voucher ab12cd34ef56gh78ij at checkout",
        "the mk42 gbx1 2345 6789 kit is out",
    ],
)
def test_letter_digit_runs_failing_mod_97_are_not_ibans(text: str) -> None:
    assert not found(text, "iban")


def test_iban_check() -> None:
    from postcheck.detect.privacy import iban_valid

    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert iban_valid("gb82west12345698765432")
    assert not iban_valid("GB82WEST12345698765433")
    assert not iban_valid("GB82WEST")  # too short


# -- IP addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,ip",
    [
        (
            "keeps blocking 2406:e000:4a1c:9f02:c11:40d2:c669:2eb4 now",
            "2406:e000:4a1c:9f02:c11:40d2:c669:2eb4",
        ),
        ("my ip is 2001:db8::8a2e:370:7334.", "2001:db8::8a2e:370:7334"),
        ("logged in from [2a02:8084:4:1::5]:443 again", "2a02:8084:4:1::5"),
        ("fe80::1ff:fe23:4567:890a%eth0 is the router", "fe80::1ff:fe23:4567:890a"),
    ],
)
def test_ipv6_addresses_are_found(text: str, ip: str) -> None:
    assert found(text, "ip-address") == [ip]
    assert fires(text)


@pytest.mark.parametrize(
    "text",
    [
        "meet at 12:30:45 by the gate",
        "kick-off 2024-01-01T12:30:45Z",
        "the ratio was 1:1:1:1:1:1:1:1 in the end",
        "device 00:1A:2B:3C:4D:5E joined",  # a MAC address: six groups
        "localhost is ::1 and :: is nothing",
        "ha ::: a::b :: c",
        "Psalm 23:1:4 and John 3:16",
    ],
)
def test_times_ratios_and_mac_addresses_are_not_ipv6(text: str) -> None:
    assert not found(text, "ip-address")


def test_ipv6_check() -> None:
    from postcheck.detect.privacy import ipv6_valid

    assert ipv6_valid("2001:db8::1")
    assert not ipv6_valid("12:30:45")
    assert not ipv6_valid("::1")
    assert not ipv6_valid("1:2::3")  # no group long enough to be an address
    assert not ipv6_valid("2001:db8::1::2")  # two "::" are not valid


# -- card numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,card",
    [
        # named as a card: 12-19 digits count without a valid Luhn check digit
        ("What is the limit on my card 501864667902?", "501864667902"),
        ("my credit card number is 675984103437, is that right?", "675984103437"),
        ("Please charge my credit card. Number is 4152488713445951", "4152488713445951"),
        ("send the bill for cc 503802053771 to me", "503802053771"),
        ("card # 503890547221 for a month", "503890547221"),
        ("My Visa 5018 6466 7903 expired", "5018 6466 7903"),
        ("Amex 3782 822463 10006 declined", "3782 822463 10006"),
        # Luhn-valid: a card with or without a cue, and without the expiry year after it
        ("paid with 4111 1111 1111 1111 2027", "4111 1111 1111 1111"),
    ],
)
def test_card_numbers_are_found(text: str, card: str) -> None:
    assert found(text, "card-number") == [card]
    assert fires(text)


@pytest.mark.parametrize(
    "text",
    [
        "Order 501864667902 shipped today",  # no card named, and Luhn fails
        "My driver's license number is U62928788557186",  # glued to a letter
        "Card game night: 2 3 4 5 6 7 8 9 10 11 12 13 and aces",  # a list, not a number
        "my card 50186466790 is blue",  # 11 digits: too short for a card
        "cards 12345678901234567890123 in the batch",  # too long for a card
    ],
)
def test_digit_runs_that_are_not_cards(text: str) -> None:
    assert not found(text, "card-number")


def test_a_cued_card_without_luhn_scores_below_a_valid_one() -> None:
    from postcheck.detect.privacy import cards

    ((_, cued),) = cards("my card 501864667902")
    ((_, valid),) = cards("my card 4111111111111111")
    assert 0.5 <= cued < valid

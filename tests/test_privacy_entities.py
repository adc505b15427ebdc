"""Typed privacy spans: each item once, in every format a reader sees as personal data."""

from __future__ import annotations

import pytest

from postcheck.detect.base import Doc
from postcheck.detect.privacy import PrivacyDetector, dedupe, entities
from postcheck.model import Post


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

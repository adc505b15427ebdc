"""Detector behaviour that the rules rely on: precise lexicons, validated identifiers,
NZ English that must stay quiet."""

from __future__ import annotations

import pytest

from postcheck.detect import SIGNAL_NAMES, detect
from postcheck.detect.base import Doc, fold
from postcheck.detect.privacy import PrivacyDetector, ird_valid, luhn_valid, nhi_valid
from postcheck.shapes import Author, Context, Kind, Post


def fired(text: str, **ctx) -> set[str]:
    return {s.name for s in detect(Post(text=text, context=Context(**ctx))) if s.fired}


def test_all_signals_always_reported_in_order() -> None:
    sigs = detect(Post(text="hello"))
    assert tuple(s.name for s in sigs) == SIGNAL_NAMES
    assert all(0.0 <= s.score <= 1.0 for s in sigs)


def test_fold_keeps_offsets() -> None:
    for t in ("Māori whānau Ōtaki", "İstanbul “quotes” — dash", "ÀÉÎÕÜ ß"):
        assert len(fold(t)) == len(t)
    assert fold("Te Pāti Māori") == "te pati maori"


@pytest.mark.parametrize(
    "text",
    [
        "Kia ora koutou! Mōrena e te whānau.",
        "Big hui at the marae today, lots of mahi for the kaupapa. Ka pai!",
        "Ngā mihi nui to everyone who came to Matariki celebrations.",
        "Tongariro National Park was stunning today.",
        "Labour market figures are out, unemployment at 5.1%.",
        "Act now to book your flu jab, it's free for over 65s.",
        "The Greens were immaculate at the golf club today.",
        "Eat your greens and get some sleep, whānau.",
        "The rugby was a joke, what a terrible ref.",
        "Wellington weather is a disgrace this week, sideways rain again.",
        "National Anthem sung beautifully in te reo at the game tonight.",
        "Kill this bug before the release, it's been driving me mad.",
        "Back at work after the holidays, lovely to see everyone.",
        "Proud of my team for shipping the new service today.",
    ],
)
def test_nz_hard_negatives_stay_quiet(text: str) -> None:
    bad = fired(text) - {"work_link"}
    assert not bad, f"{text!r} raised {bad}"


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("The Nats are wrecking the health system, vote them out.", "political"),
        ("Luxon is an embarrassment, worst PM in decades.", "political"),
        ("Labour's capital gains tax is a disgrace.", "political"),
        ("Te Pāti Māori are the only ones standing up for us #nzpol", "political"),
        ("Polls close at 7pm tonight.", "political_mention"),
        ("The Treaty Principles Bill had its first reading today.", "political_mention"),
        ("As a policy adviser at MBIE I see this every day.", "work_link"),
        ("My manager is useless and the restructure is a joke.", "grievance"),
        ("You're a complete idiot.", "disrespect"),
        ("I will find you and hurt you.", "threat"),
        ("Everyone report her account, flood her inbox.", "harassment"),
        ("Cabinet paper says it all, embargoed till Thursday.", "confidential"),
        ("Her IRD number is 49-091-850.", "privacy"),
    ],
)
def test_positives(text: str, signal: str) -> None:
    assert signal in fired(text)


def test_political_and_mention_are_exclusive() -> None:
    sigs = {s.name: s for s in detect(Post(text="The Nats are a disgrace."))}
    assert sigs["political"].fired and not sigs["political_mention"].fired


def test_spans_point_into_original_text() -> None:
    text = "Honestly, Te Pāti Māori are a disgrace."
    sig = next(s for s in detect(Post(text=text)) if s.name == "political")
    for sp in sig.spans:
        assert text[sp.start : sp.end] == sp.text
    assert any(sp.text == "Te Pāti Māori" for sp in sig.spans)


def test_own_employer_named_is_strong_work_link() -> None:
    ctx = Context(author=Author(employer="Department of Conservation"))
    sig = next(
        s for s in detect(Post(text="Long week at DOC.", context=ctx)) if s.name == "work_link"
    )
    assert sig.fired and any(e.startswith("own-employer") for e in sig.evidence)
    # Another agency named in passing (a customer, not an employee) is not a tie to work.
    other = next(s for s in detect(Post(text="Got my IRD refund today!")) if s.name == "work_link")
    assert not other.fired


def test_agency_in_bio_is_a_work_link() -> None:
    ctx = Context(kind=Kind.bio)
    sig = next(
        s
        for s in detect(Post(text="Analyst @ Treasury | tramper", context=ctx))
        if s.name == "work_link"
    )
    assert sig.fired


def test_lexicon_word_boundaries_and_case() -> None:
    assert "political_mention" not in fired("The DOCument is attached, nationally speaking.")
    assert "political_mention" in fired("The National Party conference is this weekend.")
    assert "political_mention" not in fired("Off to Abel Tasman National Park for the weekend")
    assert "political_mention" not in fired("Twelve hours of Labour and our baby girl is here!")


def _terms(text: str) -> list[tuple[str, str]]:
    from postcheck.detect.lexicon import shared_matcher

    return [
        (h.entry, text[h.start : h.end]) for h in shared_matcher().find(Doc.of(Post(text=text)))
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("#JoeBiden is delusional", ("us", "Biden")),
        ("thanks @realDonaldTrump", ("us", "Trump")),
        ("#Trump2020 all the way", ("us", "Trump")),
        ("#BernieSanders never should have run", ("us", "Sanders")),
        ("Vote #JacindaArdern", ("jacinda-ardern", "Ardern")),
        ("#NicolaWillis is a liar", ("willis", "NicolaWillis")),  # a full name, spaces dropped
        ("thanks @chrishipkins", ("hipkins", "chrishipkins")),
        ("#CostOfLiving bites again", ("cost-of-living", "CostOfLiving")),
    ],
)
def test_names_run_together_in_hashtags_and_handles_count(
    text: str, found: tuple[str, str]
) -> None:
    assert found in _terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "the trumpet player was great",  # no hashtag: words still need their boundaries
        "McDonaldTrumpet is my band",  # capitals mid-word outside a tag are not a break
        "#trumpet practice tonight",  # a tag in lower case has no break to read
        "Happy #LabourDay everyone",  # the exclusions still apply inside a tag
        "nicolawillis wrote back",  # a name without its spaces counts only in a tag
    ],
)
def test_tag_breaks_stay_inside_tags(text: str) -> None:
    assert not [e for e, _ in _terms(text) if e in ("us", "labour", "willis")]


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("49091850", True),
        ("35901981", True),
        ("49098576", True),
        ("136410132", True),
        ("136410133", False),
        ("12345678", False),
        ("9125568", False),
    ],
)
def test_ird_check_digit(number: str, ok: bool) -> None:
    assert ird_valid(number) is ok


@pytest.mark.parametrize(
    ("nhi", "ok"),
    [
        ("ZZZ0016", True),
        ("ZZZ0024", True),
        ("ZAA0067", True),
        ("ZZZ0044", False),
        ("ZZZ00AC", True),
        ("ZZZ00AA", False),
        ("IOI0016", False),
    ],
)
def test_nhi_check_digit(nhi: str, ok: bool) -> None:
    assert nhi_valid(nhi) is ok


def test_luhn() -> None:
    assert luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("4111 1111 1111 1112")


@pytest.mark.parametrize(
    ("text", "should"),
    [
        ("Ring her on 021 123 4567 tonight", True),
        ("Ring me on 021 123 4567 tonight", False),  # the author's own number (codebook)
        ("Email jane.doe@gmail.com about it", True),
        ("She lives at 14 Kowhai Street, Karori", True),
        ("Card 4111 1111 1111 1111 declined again", True),
        ("Freephone 0800 22 22 00 for help", False),
        ("Email info@ird.govt.nz for general questions", False),
        ("Order number 12345678 still not here", False),
        ("Final score was 21 to 14 at Eden Park", False),
    ],
)
def test_privacy(text: str, should: bool) -> None:
    sig = PrivacyDetector().detect(Doc.of(Post(text=text)))[0]
    assert sig.fired is should, (text, sig)

"""New Zealand English: te reo words and everyday senses of party names stay quiet."""

from __future__ import annotations

import pytest

from postcheck.detect import detect
from postcheck.shapes import Post

TE_REO = [
    "Kia ora",
    "Kia ora koutou",
    "Kia ora whānau!",
    "Ngā mihi nui",
    "Mōrena e hoa",
    "hui at 10",
    "Great mahi everyone",
    "Ka pai",
    "Ka kite anō",
    "Our kaupapa this year is manaakitanga",
    "Whānau day at the marae",
    "Tēnā koe",
    "Nau mai, haere mai",
    "Kia kaha",
    "Aroha nui to the whole whānau",
    "Let's korero about it at the hui",
    "Mahi tahi, everyone",
    "Kai's ready!",
    "Matariki celebrations at the kura",
    "Karakia to open the hui",
]


#: `work_link` says only that a post ties its author to a job, and carries no risk alone; the
#: codebook counts "great work everyone" and "meeting at 10" as such ties, so their te reo
#: is allowed the same reading, and no more (see the pairs below).
CONTEXT_ONLY = {"work_link"}


@pytest.mark.parametrize("text", TE_REO)
def test_te_reo_raises_no_signal(text: str) -> None:
    fired = [s.name for s in detect(Post(text=text)) if s.fired and s.name not in CONTEXT_ONLY]
    assert fired == [], f"{text!r} raised {fired}"


TE_REO_AND_ENGLISH = [
    ("hui at 10", "meeting at 10"),
    ("Great mahi everyone", "Great work everyone"),
    ("Kia ora koutou", "Hello everyone"),
    ("Let's korero about it at the hui", "Let's talk about it at the meeting"),
    ("Whānau day at the marae", "Family day at the community hall"),
]


@pytest.mark.parametrize(("reo", "english"), TE_REO_AND_ENGLISH)
def test_te_reo_reads_no_more_work_linked_than_its_english(reo: str, english: str) -> None:
    def score(text: str) -> float:
        return next(s.score for s in detect(Post(text=text)) if s.name == "work_link")

    assert score(reo) <= score(english) + 0.05


HARD_NEGATIVES = [
    "Heading to Tongariro National Park for the weekend",
    pytest.param(
        "The labour market is tight for builders right now",
        marks=pytest.mark.xfail(strict=True, reason="known error: the student reads it as opinion"),
    ),
    "Act now! Sale ends Sunday",
    "ACT now and save 20% on winter jackets",
    "Labour Day weekend at the bach",
    "The All Blacks were unreal last night",
    "Snow to 300 metres in Canterbury tomorrow, stay safe",
    "Our national netball team were brilliant",
    "The greens at the golf course are immaculate",
    "Kill this bug before the release please",
    "This weather is killing me",
    "My labour was 14 hours but she's here and perfect",
    # Bulk called this a grievance until the reader confirmed the grievance student's alarms.
    "Loving my new job, such a supportive team",
    "Proud of my team for shipping the new website",
    "National Library has a great exhibition on",
    "Nats are biting at the lake tonight, bring repellent",
    "Quoting RNZ: Parliament resumes on Tuesday.",
    "Polls close at 7pm tonight.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_raise_no_opinion_or_abuse(text: str) -> None:
    fired = {s.name for s in detect(Post(text=text)) if s.fired}
    bad = fired & {"political", "grievance", "disrespect", "hate", "threat", "confidential"}
    assert not bad, f"{text!r} raised {sorted(bad)}"


NZ_OPINIONS = [
    "The Nats are gutting the public service, vote them out",
    # In bulk the political student reads 0.59, under its threshold (0.66); the deeper
    # political band (from 0.528, `students.widen_capped`) sends it to the reader (0.97).
    "Labour wasted six years, Chippy should go",
    "The Treaty Principles Bill is a divisive stunt, kill it",
    "Good riddance to Three Waters",
    "This coalition government is a disaster for the environment",
    "Party vote Green this year!",
]


@pytest.mark.parametrize("text", NZ_OPINIONS)
def test_nz_political_opinion_is_recognised(text: str) -> None:
    sig = {s.name: s for s in detect(Post(text=text))}
    assert sig["political"].fired, text
    assert sig["political"].spans


def test_neutral_mention_is_a_mention_not_an_opinion() -> None:
    sig = {s.name: s for s in detect(Post(text="Luxon will hold a press conference at 4pm."))}
    assert sig["political_mention"].fired
    assert not sig["political"].fired


#: Political calls in te reo and their English: the models read only English, so these rest on
#: the te reo terms in the lexicons (parties, kāwanatanga, Pirimia, stance words).
REO_POLITICAL = [
    ("Me turaki te kāwanatanga!", "Bring down the government!"),
    ("Kaua e pōti mō Nāhinara", "Don't vote for National"),
    ("Tautoko Te Pāti Māori! Pōti mō rātou", "Support Te Pāti Māori! Vote for them"),
    ("He teka tā te Pirimia", "The Prime Minister is lying"),
]


@pytest.mark.parametrize(("reo", "english"), REO_POLITICAL)
def test_political_comment_in_te_reo_counts_like_its_english(reo: str, english: str) -> None:
    def fired(text: str) -> bool:
        return next(s for s in detect(Post(text=text)) if s.name == "political").fired

    assert fired(english), english
    assert fired(reo), reo


def test_mostly_reo_is_rare_in_english_and_clear_in_te_reo() -> None:
    from postcheck.detect.language import mostly_reo

    assert mostly_reo("Ka pai te mahi, ngā mihi nui ki a koutou katoa")
    for english in ("Vote them out, the Nats are a joke", "hui at 10", "Kia ora, the Nats suck"):
        assert not mostly_reo(english)

"""Screening phases: early stops, moderation-only categories, policies, engine failure."""

from __future__ import annotations

import pytest

from postcheck import guidance
from postcheck.moderation.policy import Level, Policy, Threshold, WordRule
from postcheck.moderation.screening import CommentInput, Screener, default_screener
from postcheck.shapes import Post, Report, Risk, Signal, Span


def _report(*signals: Signal) -> Report:
    return Report(
        risk=Risk.none,
        verdict="fine",
        summary="",
        edition="public-servants",
        rules_version="test",
        postcheck_version="test",
        signals=signals,
    )


class FakeJudge:
    """Stands in for the engine where a test needs a particular signal; counts calls."""

    def __init__(self, *signals: Signal):
        self.signals = signals
        self.posts: list[Post] = []

    def __call__(self, post: Post) -> Report:
        self.posts.append(post)
        return _report(*self.signals)


def screen(text: str, policy: Policy | None = None, judge: FakeJudge | None = None, **kw: object):
    screener = Screener(judge=judge) if judge else default_screener()
    return screener.screen(CommentInput(text=text, **kw), policy)  # type: ignore[arg-type]


def test_engine_sees_a_public_comment_on_a_website() -> None:
    judge = FakeJudge()
    result = screen("Lovely day for it", judge=judge)
    assert result.decision == "publish" and result.reasons == ()
    (post,) = judge.posts
    assert (
        post.context.kind.value,
        post.context.platform.value,
        post.context.visibility.value,
    ) == (
        "comment",
        "website",
        "public",
    )


def test_block_list_reject_stops_before_the_engine() -> None:
    judge = FakeJudge()
    policy = Policy(block=(WordRule(term="Crypto Giveaway", reason="scam", action="reject"),))
    result = screen("Huge CRYPTO   giveaway here", policy, judge)
    assert result.decision == "reject" and result.stopped_at == "word-lists"
    assert judge.posts == []
    (reason,) = result.reasons
    assert reason.category == "blocklist" and "scam" in reason.message
    assert reason.spans[0].text == "CRYPTO   giveaway"


def test_block_list_hold_does_not_stop() -> None:
    judge = FakeJudge()
    policy = Policy(block=(WordRule(term="banana", reason="running joke"),))
    result = screen("banana again", policy, judge)
    assert result.decision == "hold" and result.stopped_at is None and len(judge.posts) == 1
    assert screen("bananas are fine", policy, judge).decision == "publish"  # whole words only


def test_link_spam_rejected_without_engine() -> None:
    judge = FakeJudge()
    text = "Cheap pills, buy now http://a.xyz http://b.xyz www.c.top/deal"
    result = screen(text, judge=judge)
    assert result.decision == "reject" and result.stopped_at == "spam"
    assert judge.posts == []
    assert any(s.text == "http://a.xyz" for s in result.reasons[0].spans)


def test_repetition_is_spam() -> None:
    assert screen("great post " * 10).reasons[0].category == "spam"
    seen = screen("Same text as before", same_text_seen=3)
    assert seen.decision == "reject" and "already posted 3" in seen.reasons[0].message
    once = screen("Same text as before", same_text_seen=1)
    assert once.decision == "hold"


def test_one_link_is_fine() -> None:
    assert screen("Source: https://www.stats.govt.nz/ thanks").decision == "publish"


@pytest.mark.parametrize(
    "text",
    [
        "John Smith stole money from the charity.",
        "Councillor Brown is corrupt and takes kickbacks.",
        "Everyone knows Mere Tane lied to the inquiry.",
        "Allegedly Dr Patel falsified the results.",
        "@kiwi_dave is a fraudster",
    ],
)
def test_allegations_against_named_people_are_held(text: str) -> None:
    result = screen(text)
    assert result.decision == "hold", result
    reason = next(r for r in result.reasons if r.category == "allegation")
    assert reason.score >= 0.5 and reason.spans


@pytest.mark.parametrize(
    "text",
    [
        "Politicians are all corrupt.",  # no one identifiable
        "The referee cheated us, honestly.",
        "I stole a glance at the view from Mount Victoria.",
        "Thanks Sarah, great photos from Wellington.",
    ],
)
def test_no_allegation_without_a_named_target(text: str) -> None:
    assert not [r for r in screen(text).reasons if r.category == "allegation"]


@pytest.mark.parametrize(
    "text",
    [
        "As a public servant, who do you vote for?",
        "Do you support the government's job cuts or not? Be honest.",
        "Come on, tell us what you really think of Luxon.",
        "Whose side are you on, Labour or National?",
    ],
)
def test_political_bait_gets_advice(text: str) -> None:
    result = screen(text)
    assert any(r.category == "bait" for r in result.reasons), result
    (advice,) = result.advice
    assert advice.kind == "do-not-respond"
    ids = [c["id"] for c in advice.clauses]
    assert ids[0] == "own-websites" and "neutrality" in ids
    clause = advice.clauses[0]
    edition = guidance.editions()[clause["edition"]]
    assert clause["url"] == edition.url
    assert clause["paraphrase"] == edition.clause("own-websites").paraphrase


@pytest.mark.parametrize(
    "text",
    [
        "What do you think of the new walking track?",  # a question, not political
        "The government announced the budget today.",  # political, not aimed at you
        "Did you take that photo yourself?",
    ],
)
def test_not_bait(text: str) -> None:
    result = screen(text)
    assert not [r for r in result.reasons if r.category == "bait"] and not result.advice


def test_relaxed_publishes_bait_but_still_advises() -> None:
    result = screen("As a public servant, who do you vote for?", Policy(level=Level.relaxed))
    assert result.decision == "publish"
    assert result.advice and result.advice[0].kind == "do-not-respond"


def test_engine_signal_thresholds_follow_the_policy() -> None:
    sig = Signal(
        name="disrespect", score=0.6, fired=True, spans=(Span(start=8, end=13, text="idiot"),)
    )
    judge = FakeJudge(sig)
    assert screen("You are idiot", Policy(level=Level.strict), judge).decision == "hold"
    assert screen("You are idiot", Policy(level=Level.relaxed), judge).decision == "publish"
    override = Policy(
        level=Level.relaxed, thresholds={"disrespect": Threshold(hold_at=0.2, reject_at=0.5)}
    )
    assert screen("You are idiot", override, judge).decision == "reject"


def test_allow_list_exempts_engine_spans() -> None:
    sig = Signal(name="sexual", score=0.8, fired=True, spans=(Span(start=7, end=11, text="Dick"),))
    judge = FakeJudge(sig)
    assert screen("Thanks Dick Whittington", judge=judge).decision == "hold"
    policy = Policy(allow=(WordRule(term="dick", reason="club member's name"),))
    assert screen("Thanks Dick Whittington", policy, judge).decision == "publish"


def test_engine_failure_holds_never_publishes() -> None:
    def broken(post: Post) -> Report:
        raise RuntimeError("model file missing")

    result = Screener(judge=broken).screen(CommentInput(text="Perfectly nice comment"))
    assert result.decision == "hold"
    assert result.reasons[0].category == "screening-error"
    assert result.engine == {"error": "RuntimeError"}


def test_validation_phase() -> None:
    assert screen("x" * 6000).decision == "reject"
    assert screen("x" * 60, Policy(max_chars=50)).stopped_at == "validate"
    junk = screen("\x01\x02\x03 ###### $$$$$ %%%%% ^^^^^^^")
    assert junk.decision in ("hold", "reject")
    binary = screen("\ufffd\ufffd\ufffdPNG\ufffd\ufffd IHDR \ufffd\ufffd")
    assert binary.reasons[0].category == "validation"
    assert screen("❤️❤️❤️🎉🎉🎉👏👏👏👏👏👏👏👏👏👏🙌🙌🙌🙌🙌🙌").decision == "publish"


def test_real_engine_holds_abuse_and_publishes_ordinary_comments() -> None:
    abuse = screen("You are a pathetic idiot and a disgrace.")
    assert abuse.decision in ("hold", "reject")
    assert any(r.phase == "engine" for r in abuse.reasons)
    assert abuse.engine.get("rules_version")
    for text in ["Thanks for sharing, great photos.", "I went to the same beach last summer!"]:
        ok = screen(text)
        assert ok.decision == "publish", (text, ok.reasons)


def test_reasons_sorted_by_action_then_score() -> None:
    result = screen(
        "John Smith stole money. As a public servant, who do you vote for? http://x.xyz"
    )
    actions = [r.action for r in result.reasons]
    order = {"reject": 0, "hold": 1, "publish": 2}
    assert actions == sorted(actions, key=order.__getitem__)
    assert result.risk == max(r.score for r in result.reasons if r.action != "publish")


@pytest.mark.parametrize(
    "text",
    [
        "Email me at jo@gmail.com about the working bee",
        "Write to mere.tane@example.co.nz or aroha@xtra.co.nz and bob@mail.example.org",
    ],
)
def test_an_email_address_is_not_a_link(text: str) -> None:
    # The domain of an e-mail address used to be counted as a spam link.
    result = screen(text, policy=Policy(max_links=0), judge=FakeJudge())
    assert not [r for r in result.reasons if r.category == "spam"], result.reasons


def test_links_beside_email_addresses_still_count() -> None:
    result = screen("jo@gmail.com says see cheap-deals.xyz and www.spam.top", judge=FakeJudge())
    spam = next(r for r in result.reasons if r.category == "spam")
    assert [s.text for s in spam.spans] == ["cheap-deals.xyz", "www.spam.top"]
    assert "2 link(s)" in spam.message


def test_engine_reasons_say_why_in_plain_words() -> None:
    judge = FakeJudge(
        Signal(
            name="harassment",
            score=0.99,
            fired=True,
            spans=(Span(start=8, end=13, text="loser"),),
            evidence=("model:harassment@2=0.99",),
        ),
        Signal(
            name="privacy",
            score=0.9,
            fired=True,
            spans=(Span(start=24, end=36, text="021 555 1234"),),
            evidence=("phone",),
        ),
    )
    result = screen("You are loser, ring me 021 555 1234", judge=judge)
    messages = {r.category: r.message for r in result.reasons}
    assert messages["harassment"] == "Singles someone out for abuse or pressure: “loser”."
    assert messages["privacy"] == "Gives someone's personal details (a phone number)."

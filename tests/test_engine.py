"""Engine invariants, the Python API, policy packs and the user's election calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import postcheck
from postcheck import Author, Context, check
from postcheck.calendar import phase
from postcheck.engine import Engine, InputError
from postcheck.shapes import Kind, Post, Report, Risk, Visibility

PHRASES = [
    "Can't believe this government is gutting the public service again #nzpol",
    "My manager is useless and this restructure is a joke.",
    "You're a pathetic idiot.",
    "Lovely day at the beach with the whānau.",
    "Vote them out!",
    "Her number is 021 555 0199.",
    "The cabinet paper lands Monday.",
    "Polls close at 7pm.",
    "The Nats won the rugby quiz.",
]


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(PHRASES),
    visibility=st.sampled_from(list(Visibility)),
    shows=st.booleans(),
)
def test_limited_audience_never_lowers_risk(text: str, visibility: Visibility, shows: bool) -> None:
    author = Author(shows_employer=shows)
    public = check(text, context=Context(author=author))
    limited = check(text, context=Context(author=author, visibility=visibility))
    assert limited.risk.rank >= public.risk.rank


@settings(max_examples=40, deadline=None)
@given(text=st.sampled_from(PHRASES), kind=st.sampled_from([Kind.share, Kind.like]))
def test_shares_and_likes_count_as_own(text: str, kind: Kind) -> None:
    own = check(text, context=Context())
    shared = check(text, context=Context(kind=kind))
    assert shared.risk.rank >= own.risk.rank


@settings(max_examples=40, deadline=None)
@given(text=st.sampled_from(PHRASES))
def test_risk_is_the_worst_finding(text: str) -> None:
    r = check(text, context=Context(platform="linkedin"))
    assert r.risk == Risk.from_rank(max((f.level.rank for f in r.findings), default=0))
    assert r.verdict == r.risk.verdict
    assert [f.level.rank for f in r.findings] == sorted(
        (f.level.rank for f in r.findings), reverse=True
    )


def test_python_api_keyword_context() -> None:
    r = check(PHRASES[0], platform="linkedin")
    assert r.risk == Risk.high
    r2 = check(PHRASES[0], context=Context(platform="x"), visibility="friends")
    assert {f.rule for f in r2.findings} >= {"political-personal", "private-becomes-public"}
    assert postcheck.__version__ == r.postcheck_version


def test_api_rejects_bad_text() -> None:
    for bad in ("", "   ", "x" * 100_001, "nul\x00byte"):
        with pytest.raises(InputError):
            check(bad)


def test_unknown_context_values_rejected() -> None:
    with pytest.raises(ValueError):
        Context(platform="myspace")
    with pytest.raises(ValueError):
        Author(seniority="boss")


def test_election_phases() -> None:
    nz = dt.timezone(dt.timedelta(hours=13))
    assert phase(dt.datetime(2026, 11, 7, 18, 59, tzinfo=nz)).phase == "polling_day"
    assert phase(dt.datetime(2026, 11, 7, 19, 0, tzinfo=nz)).phase == "after_close"
    assert phase(dt.date(2026, 11, 7)).phase == "polling_day"
    assert phase(dt.date(2026, 8, 7)).phase == "pre_election"
    assert phase(dt.date(2026, 8, 6)).phase == "none"
    # 06:30 UTC on polling day is 19:30 in Auckland: polls have closed.
    assert phase(dt.datetime(2026, 11, 7, 6, 30, tzinfo=dt.UTC)).phase == "after_close"


def test_user_can_add_future_elections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postcheck import guidance

    monkeypatch.setenv("POSTCHECK_CONFIG_DIR", str(tmp_path))
    (tmp_path / "elections.yaml").write_text(
        "elections:\n  - id: nz-2029\n    name: 2029 general election\n"
        "    polling_day: 2029-11-03\n    pre_election_from: 2029-08-03\n",
        "utf-8",
    )
    guidance.elections.cache_clear()
    try:
        assert phase(dt.date(2029, 9, 1)).phase == "pre_election"
        r = check(PHRASES[0], context=Context(date=dt.date(2029, 11, 3)))
        assert r.risk == Risk.high and "polling-day" in {f.rule for f in r.findings}
    finally:
        guidance.elections.cache_clear()


def test_agency_policy_pack_adds_rules_and_lexicons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postcheck import guidance
    from postcheck.detect import lexicon

    pack = tmp_path / "packs" / "corrections"
    (pack / "rules").mkdir(parents=True)
    (pack / "lexicons").mkdir()
    (pack / "lexicons" / "sensitive.yaml").write_text(
        "name: corrections-sensitive\ncategory: sensitive_topic\nsource: agency policy\n"
        "checked: 2026-11-21\nwords: [prison muster, muster numbers]\n",
        "utf-8",
    )
    (pack / "rules" / "corrections-sensitive-topic.yaml").write_text(
        """id: corrections-sensitive-topic
title: Sensitive operational topic
level: medium
clauses: [employment-relationship]
when: {lexicon: sensitive_topic}
message: Operational prison information is sensitive.
why: Agency policy keeps operational detail off personal accounts.
fix: [Don't share operational detail.]
examples:
  flag: ["The prison muster is way over capacity this week"]
  pass: ["Lovely walk today"]
""",
        "utf-8",
    )
    monkeypatch.setenv("POSTCHECK_CONFIG_DIR", str(tmp_path))
    lexicon.shared_matcher.cache_clear()
    try:
        engine = Engine(guidance.rules(guidance.policy_pack_dirs()))
        r = engine.check(Post(text="The prison muster is way over capacity this week"))
        f = next(f for f in r.findings if f.rule == "corrections-sensitive-topic")
        assert f.level == Risk.medium and f.spans[0].text == "prison muster"
        assert (
            next(
                x
                for x in guidance.rules(guidance.policy_pack_dirs())
                if x.id == "corrections-sensitive-topic"
            ).source
            == "corrections"
        )
    finally:
        lexicon.shared_matcher.cache_clear()


def test_bad_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    from postcheck.guidance import GuidanceError, rules

    d = tmp_path / "pack"
    d.mkdir()
    (d / "broken.yaml").write_text("id: broken\ntitle: x\nlevel: extreme\n", "utf-8")
    with pytest.raises(GuidanceError, match=r"broken\.yaml"):
        rules((d,))


def test_edition_by_date_and_override() -> None:
    old = check(PHRASES[0], context=Context(date=dt.date(2018, 1, 1), platform="linkedin"))
    assert old.edition == "state-servants"
    assert "State servants" in old.findings[0].why
    new = check(
        PHRASES[0],
        context=Context(date=dt.date(2018, 1, 1), platform="linkedin"),
        edition="public-servants",
    )
    assert new.edition == "public-servants" and "public servants" in new.findings[0].why


def test_law_in_force_on_the_day() -> None:
    before = check(PHRASES[0], context=Context(date=dt.date(2025, 1, 1), platform="linkedin"))
    after = check(PHRASES[0], context=Context(date=dt.date(2026, 6, 1), platform="linkedin"))
    assert before.findings[0].law[0].id == "standards-of-integrity-2007"
    assert after.findings[0].law[0].id == "code-of-conduct-2026"


def test_privacy_act_of_the_day() -> None:
    text = "Her number is 021 555 0199, give her a ring."
    old = check(text, context=Context(date=dt.date(2019, 5, 1)))
    new = check(text, context=Context(date=dt.date(2024, 5, 1)))
    assert "privacy-act-1993" in [x.id for x in old.findings[0].law]
    assert "privacy-act-2020" in [x.id for x in new.findings[0].law]


def _read(report: Report | InputError, signal: str = "political") -> bool:
    """Whether the reader read the post for `signal` (its evidence says "+encoder")."""
    assert not isinstance(report, InputError)
    sig = {s.name: s for s in report.signals}[signal]
    return any("+encoder" in e for e in sig.evidence)


SARCASM = "Love how the Minister discovered structured literacy last week, a world first 🙃"


def test_bulk_reads_politics_where_the_context_ties_it_to_the_job() -> None:
    from postcheck.detect import Doc
    from postcheck.engine import must_read
    from postcheck.shapes import Platform

    shown = Context(platform=Platform.linkedin, author=Author(employer="Ministry of Education"))
    close = Context(platform=Platform.x, author=Author(advises_ministers=True))
    loose = Context(platform=Platform.x, author=Author(employer="Ministry of Education"))
    polling = Context(platform=Platform.x, date=dt.datetime(2026, 11, 7, 10, tzinfo=dt.UTC))
    group = "Another planeload of Indian students today"
    # Close to Ministers: politics or a group named is read.
    assert must_read(Doc.of(Post(text=SARCASM, context=close)))
    assert must_read(Doc.of(Post(text=group, context=close)))
    # The employer on show: a group named is read, politics left to the students (speed).
    assert must_read(Doc.of(Post(text=group, context=shown)))
    assert not must_read(Doc.of(Post(text=SARCASM, context=shown)))
    assert not must_read(Doc.of(Post(text=group, context=loose)))
    # Nothing named: the tie alone does not make the reader read.
    assert not must_read(Doc.of(Post(text="Lovely day at the beach.", context=close)))
    # Polling day: every post, named politics or not.
    assert must_read(Doc.of(Post(text="Lovely day at the beach.", context=polling)))
    reports = list(Engine().check_many([Post(text=SARCASM, context=close)], mode="fast"))
    assert _read(reports[0])


def test_bulk_reads_an_abuse_word_the_students_pass_over() -> None:
    from postcheck.detect.trained import abuse_words, batch_scores

    text = "Not taking the comments down. He's a kiddie fiddler and readers can say so."
    assert abuse_words(text)
    assert not abuse_words("Kids fiddling with the remote again, send help.")
    scores = batch_scores([text], "fast")[0]
    assert scores["disrespect"][2]  # read by the reader


def test_bulk_reads_a_share_the_students_took_for_opinion() -> None:
    headline = "Stuff: Government confirms 1,500 more public service jobs will be cut"
    posts = [Post(text=headline, context=Context(kind=kind)) for kind in (Kind.share, Kind.post)]
    shared, posted = list(Engine().check_many(posts, mode="fast"))
    # The student fires on the headline's words either way; only the share is read again, by
    # the reader, which knows a headline passed on for a mention or takes it as opinion.
    assert _read(shared)
    assert not _read(posted)

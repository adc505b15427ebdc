"""The one judgement engine every door uses: Post -> signals -> findings -> Report."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

from postcheck import __version__
from postcheck.assess import Facts, assess, overall
from postcheck.calendar import phase, to_nz
from postcheck.coverage import COVERAGE_NOTES, coverage, foreign_facing
from postcheck.detect import Detector, Doc, default_detectors, detect_doc
from postcheck.detect.trained import Scores, batch_scores
from postcheck.detect.work_link import bio_names_employer, names_employer, names_own_topic
from postcheck.guidance import (
    Edition,
    Rule,
    edition_for,
    policy_pack_dirs,
    rules,
    rules_version,
)
from postcheck.shapes import (
    MAX_TEXT_CHARS,
    AccountType,
    ElectionInfo,
    Finding,
    Kind,
    Platform,
    Post,
    Report,
    Risk,
    Signal,
)


class InputError(ValueError):
    """The post cannot be checked as given (empty, too long, not text)."""


_DISCLAIMER = re.compile(
    r"(views?|opinions?|tweets?|posts?|thoughts?)\s+(are\s+)?(my\s+own|mine)|personal\s+(account|views)"
    r"|not\s+(the\s+views\s+of|representing|speaking\s+for)\s+my\s+employer",
    re.IGNORECASE,
)


def validate_text(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("post text must be a string")
    if not text.strip():
        raise InputError("post text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"post text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    if "\x00" in text:
        raise InputError("post text contains NUL bytes: is this a binary file?")
    return text


#: Lexicon categories that name politics: a party, a politician, the government or a Minister.
POLITICS = frozenset({"party", "politician", "polity"})
HIGH_SENIORITY = frozenset({"senior", "executive", "board"})


def must_read(doc: Doc) -> bool:
    """Whether bulk work must have the reader read this post whatever the students say: where
    the context makes a wrong "fine" costly, the post gets the reading one draft gets.

    - Polling day: anything that could influence a vote is an offence for anyone until 7pm,
      and one day's posts are few.
    - Politics or a group named by someone close to Ministers (advising them, speaking for the
      agency) or senior: the students miss sarcasm at "the Minister" that the reader catches,
      and call a neutral announcement opinion that the reader calls a mention.
    - A group named (the targets of hate speech) by someone whose employer is on show
      (LinkedIn, a profile or bio naming it): an immigration officer's scorn of a nationality.

    Politics named by everyone whose employer is on show is not read: that is most of a
    public servant's political posts, and reading them all took a 100,000-post scan from 52 s
    to 98 s on 2 cores, past its 60 s target."""
    ctx, author = doc.post.context, doc.post.context.author
    if phase(ctx.date).phase in ("polling_day", "after_close"):
        return True
    named = {h.category for h in doc.hits}
    close = (
        author.advises_ministers
        or author.represents_agency
        or author.seniority.value in HIGH_SENIORITY
    )
    if close and named & (POLITICS | {"group"}):
        return True
    shown = author.employer is not None and (
        author.shows_employer or ctx.platform == Platform.linkedin or bio_names_employer(author)
    )
    return shown and "group" in named


def passed_on_politics(doc: Doc) -> bool:
    """A share or a like that a student, unread, took for political opinion with no opinion
    word to back it: the students read a bare headline's words as the sharer's own, while the
    reader knows a headline passed on for a mention ("Government confirms 2,000 more public
    service roles to go"). Where an opinion word stands in the share ("Vote them out, their
    policy is a disaster"), the student's reading is left alone: reading those too cost a
    sixth more CPU on the scan bench, whose retweets are mostly opinion."""
    if doc.post.context.kind not in (Kind.share, Kind.like) or doc.scores is None:
        return False
    reading = doc.scores.get("political")
    if reading is None or reading[2] or reading[0] < reading[1]:
        return False
    return not doc.hits_of("opinion")


class Engine:
    def __init__(
        self,
        rules_: Sequence[Rule] | None = None,
        detectors: Sequence[Detector] | None = None,
    ):
        self.rules = tuple(rules_ if rules_ is not None else rules(policy_pack_dirs()))
        self.detectors = tuple(detectors or default_detectors())
        self.rules_version = rules_version()

    def check(
        self,
        post: Post,
        edition: str | None = None,
        *,
        mode: str | None = None,
        scores: Scores | None = None,
    ) -> Report:
        """One post's report. `mode` is how much the reader reads ("fast", "thorough",
        "off"; None: the bulk mode, `encoder.mode_for()`); `scores` are the models' readings
        when a batch already computed them (`check_many`)."""
        validate_text(post.text)
        return self._check(post, edition, Doc.of(post, scores, mode))

    def _check(self, post: Post, edition: str | None, doc: Doc) -> Report:
        ctx = post.context
        day, _ = to_nz(ctx.date)
        ed = edition_for(day, edition)
        election = phase(ctx.date)
        if ctx.account == AccountType.official:
            return self._out_of_scope(post, ed, election)
        signals = detect_doc(doc, self.detectors)
        by_name = {s.name: s for s in signals}
        facts = Facts(
            context=ctx,
            signals=by_name,
            election_phase=election.phase,
            facts=frozenset(self._facts(post, by_name, doc)),
            day=day,
            text=post.text,
            lexicon_hits={(h.category, h.entry): (h.start, h.end) for h in doc.hits},
        )
        findings = assess(self.rules, facts, ed)
        risk = overall(findings)
        uncertain = any(f.rule == "unsure-ask-first" for f in findings)
        return Report(
            id=post.id,
            risk=risk,
            verdict=risk.verdict,
            summary=_summary(risk, findings),
            uncertain=uncertain,
            findings=tuple(findings),
            signals=tuple(signals),
            notes=tuple(_notes(post, election.phase, findings)),
            edition=ed.id,
            rules_version=self.rules_version,
            postcheck_version=__version__,
            election=election,
            text_length=len(post.text),
        )

    def check_many(
        self,
        posts: Iterable[Post],
        edition: str | None = None,
        *,
        mode: str | None = None,
        chunk: int = 256,
    ) -> Iterator[Report | InputError]:
        """Reports in input order, the models scoring each chunk of posts in one vectorised
        pass; a post that cannot be checked yields its InputError instead of stopping the
        rest."""
        it = iter(posts)
        while batch := list(itertools.islice(it, chunk)):
            ok: list[Post] = []
            failed: dict[int, InputError] = {}
            for p in batch:
                try:
                    validate_text(p.text)
                    ok.append(p)
                except InputError as exc:
                    failed[id(p)] = exc
            docs = [Doc.of(p, None, mode) for p in ok]
            must = [must_read(d) for d in docs]
            for d, scores in zip(docs, batch_scores([p.text for p in ok], mode, must), strict=True):
                d.scores = scores
            again = [d for d in docs if passed_on_politics(d)]
            if again:
                texts = [d.text for d in again]
                for d, scores in zip(
                    again, batch_scores(texts, mode, [True] * len(again)), strict=True
                ):
                    d.scores = scores
            ready = {id(d.post): d for d in docs}
            for p in batch:
                if id(p) in ready:
                    yield self._check(p, edition, ready[id(p)])
                else:
                    yield failed[id(p)]

    @staticmethod
    def _facts(post: Post, sig: dict[str, Signal], doc: Doc | None = None) -> set[str]:
        ctx, author = post.context, post.context.author
        out: set[str] = set()
        work = sig.get("work_link")
        if work is not None and names_employer(work):
            out.add("employer_named")
        if (
            "employer_named" in out
            or author.shows_employer
            or bio_names_employer(author)
            or ctx.platform == Platform.linkedin
            or (ctx.kind == Kind.bio and author.employer)
        ):
            out.add("employer_visible")
        out |= _topic_facts(post, sig, doc)
        if _DISCLAIMER.search(post.text) or (author.bio and _DISCLAIMER.search(author.bio)):
            out.add("disclaimer")
        if author.seniority.value in ("senior", "executive", "board"):
            out.add("senior")
        if author.advises_ministers or author.represents_agency:
            out.add("close_to_ministers")
        out.add(f"coverage_{coverage(author)}")
        facing = foreign_facing(author)
        if facing:
            out.add("foreign_facing_role")
        pol = sig.get("political")
        if pol is not None and "jurisdiction:foreign" in pol.evidence:
            out.add("political_foreign")
            # Another country's politics is low risk unless the role touches it.
            if not facing:
                out.add("foreign_politics_low")
        return out

    def _out_of_scope(self, post: Post, ed: Edition, election: ElectionInfo) -> Report:
        clause = ed.clause("scope")
        return Report(
            id=post.id,
            risk=Risk.none,
            verdict="out of scope",
            summary=(
                "Out of scope: this is an official account. postcheck covers personal use; "
                "see the guidance on official use of social media."
            ),
            out_of_scope=True,
            notes=(
                f"{ed.title}, {clause.heading} ({clause.section}): {clause.paraphrase}",
                "Official accounts follow the Commission's separate guidance on official use "
                "of social media and your agency's communications policy.",
            ),
            edition=ed.id,
            rules_version=self.rules_version,
            postcheck_version=__version__,
            election=election,
            text_length=len(post.text),
        )


def _topic_facts(post: Post, sig: dict[str, Signal], doc: Doc | None) -> set[str]:
    """`topic_overlap` where the politics touch the author's own topics, else `agency_area`
    where they touch an area of the author's agency."""
    if _topic_overlap(post, sig):
        return {"topic_overlap"}
    return {"agency_area"} if agency_area(doc or Doc.of(post), sig) else set()


#: Agencies whose area is other countries' affairs as such: a political opinion placed abroad
#: touches their work whatever words it uses (`agency_area`). Trade and border agencies
#: (NZTE, Customs, MPI) share the foreign-trade portfolio words but not foreign conflicts.
FOREIGN_AFFAIRS_AGENCIES = frozenset({"mfat"})


def agency_area(doc: Doc, sig: dict[str, Signal]) -> list[str]:
    """The policy areas of the author's own agency that the post's politics touch
    (`lexicons/portfolios.yaml`): the areas, or [] when it is not political comment or touches
    none of them."""
    employer = doc.post.context.author.employer
    pol = sig.get("political")
    # Fired, not merely unsure: an agency's areas are broad, and an unsure reading of a post
    # about the price of butter is no comment on the Treasury's politics.
    if not employer or pol is None or not pol.fired:
        return []
    # Another country's politics is foreign affairs, named by the country or conflict rather
    # than by a portfolio word ("Free Palestine" from a trade negotiator).
    abroad = any(e in pol.evidence for e in ("jurisdiction:foreign", "jurisdiction:both"))
    hits = doc.hits_of("portfolio")
    if not (hits or abroad):
        return []
    from postcheck.detect.lexicon import shared_matcher
    from postcheck.detect.work_link import employer_ids

    ids = employer_ids(employer)
    areas = {"foreign-trade"} if abroad and ids & FOREIGN_AFFAIRS_AGENCIES else set()
    entries = shared_matcher().entries
    areas |= {
        h.entry
        for h in hits
        if ids & set(entries.get(("portfolio", h.entry), {}).get("agencies", ()))
    }
    return sorted(areas)


def _topic_overlap(post: Post, sig: dict[str, Signal]) -> bool:
    """The post's politics touch a subject the author works on."""
    topics = [t.lower().strip() for t in post.context.author.topics if t.strip()]
    if not topics:
        return False
    pol = sig.get("political")
    if pol is None or not (pol.fired or pol.uncertain):
        return False
    if names_own_topic(post.text, post.context.author):
        return True
    from postcheck.detect.lexicon import shared_matcher

    entries = shared_matcher().entries
    for ev in pol.evidence:
        if ev.startswith("topic:"):
            entry = entries.get(("topic", ev.split(":", 1)[1]), {})
            names = [str(entry.get("name", "")).lower()] + [
                str(a).lower() for a in entry.get("ci", [])
            ]
            if any(t in n or n in t for t in topics for n in names if n):
                return True
    return False


def _summary(risk: Risk, findings: Sequence[Finding]) -> str:
    if risk == Risk.none:
        return "Fine: nothing here conflicts with the guidance." + (
            " (postcheck was unsure about part of it: see the note.)" if findings else ""
        )
    top = [f for f in findings if f.level == risk]
    head = {Risk.low: "Take care", Risk.medium: "Reconsider", Risk.high: "Don't post"}[risk]
    return f"{head}: " + "; ".join(f.title.lower() for f in top) + "."


def _notes(post: Post, election_phase: str, findings: Sequence[Finding]) -> list[str]:
    notes = []
    covered = coverage(post.context.author)
    if covered in COVERAGE_NOTES:
        notes.append(COVERAGE_NOTES[covered])
    if (
        election_phase == "polling_day"
        and post.context.date is not None
        and not hasattr(post.context.date, "hour")
    ):
        notes.append(
            "Only a date was given, so postcheck assumed the post goes out before polls close "
            "at 7pm."
        )
    if not post.is_own_words and findings:
        notes.append("Sharing or liking someone else's post counts as saying it yourself.")
    return notes


@functools.cache
def default_engine() -> Engine:
    return Engine()

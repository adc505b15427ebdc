"""Audit a whole history: read exports, check every post with the one engine, keep the worst.

Memory stays bounded whatever the archive size: readers stream, the batch layer keeps a fixed
number of posts in flight, and the posts worth reporting are spooled to a temporary SQLite
file and read back worst first. Counters (by risk, clause, rule, month) are all that grows
with the input, and they grow with months and rules, not posts.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postcheck.report.scan_json import item_json
from postcheck.shapes import Post, Report, Risk
from postcheck.sources import ReadStats, SourceError, open_source
from postcheck.sources.base import Profile, Reader

if TYPE_CHECKING:
    from postcheck.baseline import Baseline
    from postcheck.batch import Outcome


@dataclass
class SourceResult:
    """One path given to `scan`: what was read from it and how its profile fared."""

    path: str
    format: str | None = None
    label: str | None = None
    stats: ReadStats = field(default_factory=ReadStats)
    profile: Profile | None = None
    profile_report: Report | None = None
    error: str | None = None


@dataclass
class Summary:
    posts: int = 0
    checked: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    by_risk: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_clause: Counter[str] = field(default_factory=Counter)
    clauses: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_titles: dict[str, str] = field(default_factory=dict)
    #: Each rule's explanation, for the report's one "why" per rule (not in the JSON: every
    #: finding there carries its own).
    rule_whys: dict[str, str] = field(default_factory=dict)
    by_month: dict[str, Counter[str]] = field(default_factory=dict)
    by_platform: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    #: Posts at or above min_risk that the baseline file marks as reviewed (not listed).
    reviewed: int = 0
    #: The worst risk among posts not marked reviewed: what the exit code answers to.
    open_worst: Risk = Risk.none
    worst: Risk = Risk.none
    first: dt.date | None = None
    last: dt.date | None = None
    #: Ctrl-C stopped the scan before the end.
    interrupted: bool = False
    #: Parts of the exports that could not be read (damaged archives and files), by source.
    incomplete: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.interrupted and not self.incomplete

    def add(self, post: Post, report: Report) -> None:
        self.checked += 1
        risk = report.risk
        self.by_risk[risk.value] += 1
        if risk.rank > self.worst.rank:
            self.worst = risk
        self.by_platform[post.context.platform.value] += 1
        self.by_kind[post.context.kind.value] += 1
        for f in report.findings:
            self.by_rule[f.rule] += 1
            self.rule_titles.setdefault(f.rule, f.title)
            self.rule_whys.setdefault(f.rule, f.why)
            key = f"{f.clause.edition}:{f.clause.id}"
            self.by_clause[key] += 1
            if key not in self.clauses:
                self.clauses[key] = {
                    "edition": f.clause.edition,
                    "id": f.clause.id,
                    "section": f.clause.section,
                    "heading": f.clause.heading,
                    "heading_mi": f.clause.heading_mi,
                    "url": f.clause.url,
                }
        day = _day(post)
        if day is not None:
            self.first = day if self.first is None or day < self.first else self.first
            self.last = day if self.last is None or day > self.last else self.last
            month = self.by_month.setdefault(f"{day.year:04d}-{day.month:02d}", Counter())
            month["posts"] += 1
            month[risk.value] += 1


def _day(post: Post) -> dt.date | None:
    d = post.context.date
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        from postcheck.calendar import to_nz

        return to_nz(d)[0]
    return d


def _reviewed(
    baseline: Baseline | None, post: Post, report: Report, rules_version: str
) -> set[str] | None:
    """The finding rules already reviewed, or None when the whole post was."""
    if baseline is None or not report.findings:
        return set()
    seen = baseline.check(
        post.context.platform.value,
        post.id,
        post.text,
        [f.rule for f in report.findings],
        rules_version,
    )
    return None if seen.post else seen.rules


def severity(report: Report) -> tuple[int, int, int]:
    """Sort key, worst first: risk, then the highest finding level, then how many."""
    top = max((f.level.rank for f in report.findings), default=0)
    return report.risk.rank, top, len(report.findings)


class Spool:
    """Reported items on disk (SQLite in a temp dir), read back worst first."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="postcheck-scan-")
        self._db = sqlite3.connect(Path(self._dir.name) / "items.sqlite")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE items (seq INTEGER PRIMARY KEY, risk INT, top INT, nfind INT,"
            " day TEXT, body TEXT)"
        )
        self._pending: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, item: dict[str, Any], key: tuple[int, int, int], day: str | None) -> None:
        self._pending.append((item["n"], *key, day or "", json.dumps(item, ensure_ascii=False)))
        self.count += 1
        if len(self._pending) >= 500:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO items VALUES (?,?,?,?,?,?)", self._pending)
            self._pending.clear()

    def worst_first(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        self.flush()
        sql = "SELECT body FROM items ORDER BY risk DESC, top DESC, nfind DESC, day DESC, seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        for (body,) in self._db.execute(sql):
            yield json.loads(body)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


@dataclass
class ScanResult:
    sources: list[SourceResult]
    summary: Summary
    spool: Spool
    min_risk: Risk
    edition: str | None
    started: dt.datetime
    finished: dt.datetime | None = None
    rules_version: str = ""

    @property
    def worst(self) -> Risk:
        risks = [self.summary.open_worst] + [
            s.profile_report.risk for s in self.sources if s.profile_report is not None
        ]
        return max(risks, key=lambda r: r.rank)

    def close(self) -> None:
        self.spool.close()


Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ScanOptions:
    """What `scan` was asked for, handed as one to each step of the scan."""

    source_format: str | None = None
    processes: int | None = None
    edition: str | None = None
    min_risk: Risk = Risk.low
    declared: dict[str, Any] | None = None
    on_item: Callable[[dict[str, Any]], None] | None = None
    progress: Progress | None = None
    baseline: Baseline | None = None
    mode: str | None = None


def scan(  # noqa: PLR0913  the public keyword API (CLI, web, tests), packed into ScanOptions
    paths: Sequence[str | Path],
    *,
    source_format: str | None = None,
    processes: int | None = None,
    edition: str | None = None,
    min_risk: Risk = Risk.low,
    declared: dict[str, Any] | None = None,
    on_item: Callable[[dict[str, Any]], None] | None = None,
    progress: Progress | None = None,
    baseline: Baseline | None = None,
    mode: str | None = None,
) -> ScanResult:
    """Read and check everything under `paths`; the result holds the worst items on disk.

    `declared` holds Author fields the person states (role, seniority, ...) to complete
    what the exports show. `on_item` sees every reported item as soon as it is checked
    (for streaming output); `progress(n, label)` is called every few hundred posts.
    Posts the `baseline` marks as reviewed are counted (`summary.reviewed`), not listed.
    `mode` is how much the reader reads ("fast", "thorough", "off"; None: this process's
    mode), for the posts and the profiles alike.
    KeyboardInterrupt stops the scan but returns what was done, marked incomplete.
    """
    options = ScanOptions(
        source_format=source_format,
        processes=processes,
        edition=edition,
        min_risk=min_risk,
        declared=declared,
        on_item=on_item,
        progress=progress,
        baseline=baseline,
        mode=mode,
    )
    return _Scanner(options).run(paths)


class _Scanner:
    """One scan's state: the engine, the result being filled and the running item number."""

    def __init__(self, options: ScanOptions) -> None:
        from postcheck.engine import default_engine

        self.options = options
        self.engine = default_engine()
        self.result = ScanResult(
            sources=[],
            summary=Summary(),
            spool=Spool(),
            min_risk=options.min_risk,
            edition=options.edition,
            started=dt.datetime.now(dt.UTC),
            rules_version=self.engine.rules_version,
        )
        self.seq = 0

    def run(self, paths: Sequence[str | Path]) -> ScanResult:
        result, progress = self.result, self.options.progress
        try:
            for index, path in enumerate(paths):
                self._source(index, path)
        except KeyboardInterrupt:
            result.summary.interrupted = True
        result.spool.flush()
        result.finished = dt.datetime.now(dt.UTC)
        if progress is not None:
            progress(result.summary.posts, "")
        return result

    def _source(self, index: int, path: str | Path) -> None:
        options = self.options
        src = SourceResult(path=str(path))
        self.result.sources.append(src)
        try:
            reader = open_source(path, options.source_format, src.stats)
        except SourceError as exc:
            src.error = str(exc)
            return
        with reader:
            src.format, src.label = reader.format, reader.label
            if options.declared:
                reader.declare(options.declared)
            self._profile(src, reader)
            self._posts(index, src, reader)
        self.result.summary.incomplete += [
            f"{Path(src.path).name}: {why}" for why in src.stats.lost
        ]
        if src.error is None:
            src.error = _nothing_read(src)

    def _profile(self, src: SourceResult, reader: Reader) -> None:
        from postcheck.profile_audit import profile_post

        options = self.options
        try:
            src.profile = reader.profile()
            if src.profile is not None:
                if options.declared:
                    src.profile = replace(src.profile, author=reader.author)
                bio = profile_post(src.profile)
                if bio is not None:
                    src.profile_report = self.engine.check(bio, options.edition, mode=options.mode)
        except SourceError as exc:
            src.stats.skip(f"profile: {exc}")

    def _posts(self, index: int, src: SourceResult, reader: Reader) -> None:
        from postcheck.batch import check_outcomes

        options = self.options
        try:
            for outcome in check_outcomes(
                reader.posts(),
                processes=options.processes,
                edition=options.edition,
                mode=options.mode,
            ):
                self._outcome(index, src, outcome)
        except SourceError as exc:
            src.error = str(exc)
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a reader bug must not lose the rest of the scan
            src.error = (
                f"{Path(src.path).name}: reading stopped after {src.stats.read} posts "
                f"(internal error {exc.__class__.__name__}; please report it)"
            )

    def _outcome(self, index: int, src: SourceResult, outcome: Outcome) -> None:
        summary, post = self.result.summary, outcome.post
        summary.posts += 1
        if outcome.report is None:
            summary.failed[outcome.error or "could not be checked"] += 1
            return
        summary.add(post, outcome.report)
        self.seq += 1
        self._report(index, post, outcome.report)
        progress = self.options.progress
        if progress is not None and summary.posts % 250 == 0:
            progress(summary.posts, src.path)

    def _report(self, index: int, post: Post, report: Report) -> None:
        """List the post, or only count it: below min_risk, or reviewed in the baseline."""
        options, summary = self.options, self.result.summary
        if report.risk.rank < options.min_risk.rank:
            summary.open_worst = max(summary.open_worst, report.risk, key=lambda r: r.rank)
            return
        reviewed = _reviewed(options.baseline, post, report, self.result.rules_version)
        if reviewed is None:
            summary.reviewed += 1
            return
        summary.open_worst = max(summary.open_worst, report.risk, key=lambda r: r.rank)
        item = item_json(self.seq, index, post, report, sorted(reviewed))
        day = _day(post)
        self.result.spool.add(item, severity(report), day.isoformat() if day else None)
        summary.kept += 1
        if options.on_item is not None:
            options.on_item(item)


def _nothing_read(src: SourceResult) -> str | None:
    """Why a source that opened gave nothing, or None when it gave posts or a profile."""
    if src.stats.read == 0 and src.stats.total_skipped:
        return "nothing could be read: " + "; ".join(list(src.stats.skipped)[:3])
    if src.stats.read == 0 and src.profile is None:
        return f"{Path(src.path).name}: no posts or profile found in this export"
    return None

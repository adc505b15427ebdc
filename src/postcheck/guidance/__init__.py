"""The guidance as data: editions and their clauses, rules, law, the election calendar.

Everything here is read from the YAML files beside this module (and, for elections and
agency policy packs, from the user's config directory), validated into typed objects once,
and cached. Nothing about judgement is hard-coded in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from postcheck.conditions import Condition, ConditionError, Vocabulary, parse
from postcheck.rewrite import Rewrite
from postcheck.shapes import ClauseRef, LawRef, Risk

GUIDANCE_DIR = Path(__file__).resolve().parent
RULES_DIR = GUIDANCE_DIR / "rules"
EDITIONS_DIR = GUIDANCE_DIR / "editions"

#: The edition whose dates cover today; chosen by date unless the user names one.
CURRENT_EDITION = "public-servants"

#: Human-readable rule-set release; the content hash is appended by rules_version().
RULESET = "2026.11"


class GuidanceError(ValueError):
    """Guidance or rule data is malformed: a packaging bug or a bad policy pack."""


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Clause(_Data):
    id: str
    section: str
    heading: str
    heading_mi: str | None = None
    paraphrase: str


class Edition(_Data):
    id: str
    title: str
    title_mi: str | None = None
    publisher: str
    url: str
    applies_from: dt.date | None = None
    applies_to: dt.date | None = None
    checked: dt.date
    terms: dict[str, str] = {}
    clauses: tuple[Clause, ...]

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(f"edition {self.id} has no clause {clause_id!r}")

    def applies_on(self, day: dt.date) -> bool:
        return (self.applies_from is None or day >= self.applies_from) and (
            self.applies_to is None or day <= self.applies_to
        )

    def ref(self, clause_id: str) -> ClauseRef:
        c = self.clause(clause_id)
        return ClauseRef(
            edition=self.id,
            id=c.id,
            section=c.section,
            heading=c.heading,
            heading_mi=c.heading_mi,
            url=self.url,
        )


class Instrument(_Data):
    id: str
    title: str
    url: str | None = None
    family: str | None = None
    principle: int | None = None
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    paraphrase: str = ""

    def in_force(self, day: dt.date) -> bool:
        return (self.from_ is None or day >= self.from_) and (self.to is None or day <= self.to)

    def ref(self) -> LawRef:
        return LawRef(id=self.id, title=self.title, url=self.url, provision=self.paraphrase)


class Example(_Data):
    """A post a rule must flag (or must let pass), run by the test suite for every rule."""

    text: str
    context: dict[str, Any] = {}
    note: str | None = None
    #: For a rule with a `rewrite:`, the suggestion this example must get (tests enforce it).
    rewrite: str | None = None
    #: Why the engine gets this example wrong today. The suite then expects it to fail, and
    #: fails when it stops failing, so the fix is noticed and the mark removed.
    known_error: str | None = None

    @field_validator("context", mode="before")
    @classmethod
    def _ctx(cls, v: Any) -> Any:
        return v or {}


class Examples(_Data):
    flag: tuple[Example, ...] = ()
    pass_: tuple[Example, ...] = Field((), alias="pass")

    @field_validator("flag", "pass_", mode="before")
    @classmethod
    def _strings(cls, v: Any) -> Any:
        return [{"text": x} if isinstance(x, str) else x for x in (v or [])]


def _condition(v: Any, info: ValidationInfo) -> Condition:
    """A `when` mapping parsed into the typed tree (conditions.py); the loader passes the
    vocabulary (policy packs add lexicon categories) in the validation context."""
    if isinstance(v, Condition):
        return v
    vocab = (info.context or {}).get("vocabulary") or Vocabulary()
    return parse(v, vocab, "when")


class Escalation(_Data):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    when: Condition
    by: int = 1
    because: str
    fix: str | None = None  # an extra step that applies only when this escalation does

    _when = field_validator("when", mode="before")(_condition)


class Rule(_Data):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str
    title: str
    level: Risk
    clauses: tuple[str, ...] = Field(min_length=1)
    law: tuple[str, ...] = ()
    when: Condition
    #: The condition as written, for showing to people (`postcheck guidance --rule`).
    when_data: dict[str, Any] = Field(default_factory=dict, exclude=True)
    escalate: tuple[Escalation, ...] = ()
    #: Why the rule is shaped as it is (the legal or guidance reasoning), kept as data so
    #: the rule pages can show it; not a YAML comment.
    rationale: str | None = None
    message: str
    why: str
    fix: tuple[str, ...] = Field(min_length=1)
    #: A mechanical edit of the draft to offer with the fixes (rewrite.py), where one exists.
    rewrite: Rewrite | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    examples: Examples
    source: str = "postcheck"  # or the name of an agency policy pack

    @model_validator(mode="before")
    @classmethod
    def _keep_written(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("when"), dict):
            data = {**data, "when_data": data["when"]}
        return data

    _when = field_validator("when", mode="before")(_condition)

    @field_validator("rewrite")
    @classmethod
    def _rewrite_signal(cls, v: Rewrite | None, info: ValidationInfo) -> Rewrite | None:
        if v is None:
            return v
        from postcheck.detect.base import SIGNAL_NAMES

        vocab = (info.context or {}).get("vocabulary")
        known = getattr(vocab, "signals", None) or SIGNAL_NAMES
        if v.signal not in known:
            raise ValueError(f"rewrite: unknown signal {v.signal!r}")
        return v

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_to is None or day <= self.effective_to
        )


class Election(_Data):
    id: str
    name: str
    polling_day: dt.date
    pre_election_from: dt.date
    polls_close: dt.time = dt.time(19, 0)
    sources: tuple[str, ...] = ()
    note: str | None = None


@functools.cache
def editions() -> dict[str, Edition]:
    out = {}
    for path in sorted(EDITIONS_DIR.glob("*.yaml")):
        ed = Edition.model_validate(_yaml(path))
        out[ed.id] = ed
    return out


def edition_for(day: dt.date, requested: str | None = None) -> Edition:
    eds = editions()
    if requested:
        if requested not in eds:
            raise GuidanceError(
                f"unknown edition {requested!r} (choose from {', '.join(sorted(eds))})"
            )
        return eds[requested]
    for ed in eds.values():
        if ed.applies_on(day):
            return ed
    return eds[CURRENT_EDITION]


@functools.cache
def instruments() -> dict[str, Instrument]:
    data = _yaml(GUIDANCE_DIR / "law.yaml")
    return {i["id"]: Instrument.model_validate(i) for i in data["instruments"]}


def law_for(ref: str, day: dt.date) -> Instrument | None:
    """A rule cites an instrument by id, or by family to get the one in force on `day`."""
    table = instruments()
    if ref in table:
        return table[ref]
    family = [i for i in table.values() if i.family == ref]
    for inst in family:
        if inst.in_force(day):
            return inst
    return None if not family else max(family, key=lambda i: i.from_ or dt.date.min)


def user_config_dir() -> Path:
    import os

    override = os.environ.get("POSTCHECK_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("postcheck")


@functools.cache
def elections() -> tuple[Election, ...]:
    """Built-in elections plus any the user added in <config>/elections.yaml."""
    items = list(_yaml(GUIDANCE_DIR / "elections.yaml")["elections"])
    extra = user_config_dir() / "elections.yaml"
    if extra.is_file():
        try:
            items.extend((_yaml(extra) or {}).get("elections") or [])
        except yaml.YAMLError as exc:
            raise GuidanceError(f"{extra}: not valid YAML ({exc.__class__.__name__})") from None
    parsed = {}
    for item in items:
        try:
            e = Election.model_validate(item)
        except ValueError as exc:
            raise GuidanceError(f"bad election entry {item!r}: {exc}") from None
        parsed[e.id] = e
    return tuple(sorted(parsed.values(), key=lambda e: e.polling_day))


def _rule_files(extra_dirs: tuple[Path, ...]) -> list[tuple[Path, str]]:
    files = [(p, "postcheck") for p in sorted(RULES_DIR.glob("*.yaml"))]
    for d in extra_dirs:
        rules_dir = d / "rules" if (d / "rules").is_dir() else d
        files.extend((p, d.name) for p in sorted(rules_dir.glob("*.yaml")))
    return files


def policy_pack_dirs() -> tuple[Path, ...]:
    """Agency policy packs under <config>/packs/<name>/: rules/*.yaml and lexicons/*.yaml."""
    root = user_config_dir() / "packs"
    if not root.is_dir():
        return ()
    return tuple(sorted(p for p in root.iterdir() if p.is_dir()))


@functools.cache
def rules(extra_dirs: tuple[Path, ...] = ()) -> tuple[Rule, ...]:
    out = []
    seen: set[str] = set()
    known_clauses = {c.id for ed in editions().values() for c in ed.clauses}
    vocab = Vocabulary(lexicons=_lexicon_categories(extra_dirs))
    for path, source in _rule_files(extra_dirs):
        try:
            data = _yaml(path)
            data.setdefault("source", source)
            _parse_conditions(data, vocab)
            rule = Rule.model_validate(data)
        except ConditionError as exc:
            raise GuidanceError(f"{path.name}:{_line_of(path, exc)}: {exc}") from None
        except (yaml.YAMLError, ValueError) as exc:
            raise GuidanceError(f"{path.name}: {exc}") from None
        if rule.id != path.stem:
            raise GuidanceError(f"{path.name}: rule id {rule.id!r} must match the file name")
        if rule.id in seen:
            raise GuidanceError(f"duplicate rule id {rule.id!r}")
        unknown = set(rule.clauses) - known_clauses
        if unknown:
            raise GuidanceError(f"{path.name}: unknown clause(s) {sorted(unknown)}")
        for ref in rule.law:
            if ref not in instruments() and not any(
                i.family == ref for i in instruments().values()
            ):
                raise GuidanceError(f"{path.name}: unknown law reference {ref!r}")
        seen.add(rule.id)
        out.append(rule)
    return tuple(out)


def _parse_conditions(data: Any, vocab: Vocabulary) -> None:
    """Parse `when` and every escalation's `when` in place, keeping what was written."""
    if not isinstance(data, dict):
        return
    if isinstance(data.get("when"), dict):
        data["when_data"] = data["when"]
        data["when"] = parse(data["when"], vocab, "when")
    for i, esc in enumerate(data.get("escalate") or ()):
        if isinstance(esc, dict) and isinstance(esc.get("when"), dict):
            esc["when"] = parse(esc["when"], vocab, f"escalate[{i}].when")


def _line_of(path: Path, exc: ConditionError) -> int:
    """The line a condition error points at: the first line of the rule's conditions that
    holds the offending name (YAML keeps no positions once loaded)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    key = "escalate:" if exc.path.startswith("escalate") else "when:"
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith(key)), 0)
    if exc.token:
        for i in range(start, len(lines)):
            if exc.token in lines[i]:
                return i + 1
    return start + 1


def _lexicon_categories(extra_dirs: tuple[Path, ...]) -> frozenset[str]:
    """Every lexicon category a rule may test: the package's and the policy packs'."""
    from postcheck.detect.lexicon import lexicon_files, load_lexicon

    dirs = tuple(d / "lexicons" for d in extra_dirs if (d / "lexicons").is_dir())
    out: set[str] = set()
    for f in lexicon_files(dirs):
        lex = load_lexicon(f)
        out.add(lex.category)
        out.update(
            str(e["category"]) for e in lex.entries if isinstance(e, dict) and e.get("category")
        )
    return frozenset(out)


def rule(rule_id: str) -> Rule:
    for r in rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


@functools.cache
def rules_version() -> str:
    """Content hash of the rule set and data: two reports agree only if this agrees."""
    h = hashlib.sha256()
    for path in sorted(GUIDANCE_DIR.rglob("*.yaml")):
        h.update(path.relative_to(GUIDANCE_DIR).as_posix().encode())
        h.update(path.read_bytes())
    return f"{RULESET}+{h.hexdigest()[:12]}"

"""Moderation's judgement as data: what the phases look for, what it weighs, what the owner reads.

The data is YAML in `postcheck/guidance/moderation/` (beside the rules, shipped with them and
counted in `rules_version`): one file per phase. This module loads each file once, at import,
into typed models; bad data fails at import with the file and the key (`spam.yaml:
weights.link: ...`), never later on a comment. `screening.py` keeps only the mechanics.

Every judgement entry (spam, allegation, bait, validation) carries `examples: {hold: [...],
publish: [...]}`, comments the phase must hold (or reject) and comments it must let through
under the default policy; `tests/moderation/test_judgement_examples.py` screens each one.
"""

from __future__ import annotations

import functools
import re
import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

JUDGEMENT_DIR = Path(__file__).resolve().parent.parent / "guidance" / "moderation"


class JudgementError(ValueError):
    """A judgement file is malformed; the message names the file and the key."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Score = Field(ge=0.0, le=1.0)


def _check_regex(items: tuple[str, ...]) -> tuple[str, ...]:
    for item in items:
        try:
            re.compile(item)
        except re.error as exc:
            raise ValueError(f"{item!r} is not a regular expression ({exc})") from None
    return items


def _check_template(template: str, *fields: str) -> str:
    """A message with `{placeholders}`: only the named fields, and it must format."""
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = sorted(used - set(fields))
    if unknown:
        known = ", ".join(fields) or "none"
        raise ValueError(f"unknown placeholder(s) {unknown} in {template!r}; known: {known}")
    try:
        template.format(**{f: 0.5 for f in fields})
    except (ValueError, IndexError) as exc:
        raise ValueError(f"cannot format {template!r} ({exc})") from None
    return template


def words(items: tuple[str, ...], flags: int = re.I) -> re.Pattern[str]:
    """One pattern matching any of `items` (regular expressions) as whole words."""
    return re.compile(r"\b(?:" + "|".join(items) + r")\b", flags)


class Examples(_Data):
    """Comments the phase must hold (or reject) and must let through, under the default policy."""

    hold: tuple[str, ...] = Field(min_length=1)
    publish: tuple[str, ...] = Field(min_length=1)


class _Entry(_Data):
    category: str
    examples: Examples


# -- validation --------------------------------------------------------------------------


class ValidationMessages(_Data):
    empty: str
    too_long: str
    junk: str

    @field_validator("too_long")
    @classmethod
    def _too_long(cls, v: str) -> str:
        return _check_template(v, "chars", "limit")


class Junk(_Data):
    allowed: int = Field(ge=0)
    allowed_per_chars: int = Field(ge=1)
    score: float = Score


class ValidationJudgement(_Entry):
    messages: ValidationMessages
    junk: Junk


# -- word lists ----------------------------------------------------------------------------


class WordListJudgement(_Data):
    category: str
    message: str
    why: str

    @field_validator("message")
    @classmethod
    def _message(cls, v: str) -> str:
        return _check_template(v, "term", "why")

    @field_validator("why")
    @classmethod
    def _why(cls, v: str) -> str:
        return _check_template(v, "reason")


# -- spam -------------------------------------------------------------------------------------


class SpamEvidence(_Data):
    links_over: str
    links: str
    phrases: str
    runs: str
    repetitive: str
    repeated: str

    @field_validator("links_over")
    @classmethod
    def _links_over(cls, v: str) -> str:
        return _check_template(v, "links", "allowed")

    @field_validator("links")
    @classmethod
    def _links(cls, v: str) -> str:
        return _check_template(v, "links")

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, v: str) -> str:
        return _check_template(v, "phrases")

    @field_validator("runs")
    @classmethod
    def _runs(cls, v: str) -> str:
        return _check_template(v)

    @field_validator("repetitive")
    @classmethod
    def _repetitive(cls, v: str) -> str:
        return _check_template(v, "distinct")

    @field_validator("repeated")
    @classmethod
    def _repeated(cls, v: str) -> str:
        return _check_template(v, "times")


class SpamWeights(_Data):
    link: float = Score
    links_over: float = Score
    links_over_each: float = Score
    phrases: float = Score
    phrase_each: float = Score
    phrases_with_links: float = Score
    run: float = Score
    flood: float = Score
    repetitive: float = Score
    very_repetitive: float = Score
    repeated: float = Score
    repeated_often: float = Score


class SpamLimits(_Data):
    run_length: int = Field(ge=2)
    flood_length: int = Field(ge=2)
    run_spans: int = Field(ge=0)
    repetitive_min_words: int = Field(ge=1)
    repetitive_below: float = Score
    very_repetitive_below: float = Score
    repeated_often: int = Field(ge=1)


class SpamJudgement(_Entry):
    label: str
    message: str
    evidence: SpamEvidence
    link_domains: tuple[str, ...] = Field(min_length=1)
    phrases: tuple[str, ...] = Field(min_length=1)
    weights: SpamWeights
    limits: SpamLimits

    @field_validator("message")
    @classmethod
    def _message(cls, v: str) -> str:
        return _check_template(v, "evidence")

    @field_validator("phrases")
    @classmethod
    def _regex(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_regex(v)

    @field_validator("link_domains")
    @classmethod
    def _domains(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in v if not re.fullmatch(r"[a-z0-9-]+", d)]
        if bad:
            raise ValueError(f"not a top-level domain: {bad}")
        return v

    @functools.cached_property
    def phrase_pattern(self) -> re.Pattern[str]:
        return words(self.phrases)

    @functools.cached_property
    def link_pattern(self) -> re.Pattern[str]:
        return re.compile(
            r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
            r"|\b[a-z0-9][a-z0-9-]{1,62}\.(?:" + "|".join(self.link_domains) + r")"
            r"(?:/[^\s<>\"']*)?\b"
        )

    @functools.cached_property
    def run_pattern(self) -> re.Pattern[str]:
        repeats = self.limits.run_length - 1
        return re.compile(r"(.)\1{" + str(repeats) + ",}", re.S)


# -- allegations ------------------------------------------------------------------------------


class AllegationWeights(_Data):
    unnamed: float = Score
    named: float = Score
    hedged: float = Score


class AllegationJudgement(_Entry):
    label: str
    message: str
    evidence: str
    accusations: tuple[str, ...] = Field(min_length=1)
    person_nouns: tuple[str, ...] = Field(min_length=1)
    name_after_noun_within: int = Field(ge=0)
    honorifics: tuple[str, ...] = Field(min_length=1)
    name_particles: tuple[str, ...] = ()
    not_names: frozenset[str]
    hedges: tuple[str, ...] = ()
    first_person: tuple[str, ...] = ()
    weights: AllegationWeights
    report_at: float = Score

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, v: str) -> str:
        return _check_template(v, "who", "accusation")

    @field_validator("accusations", "person_nouns", "hedges")
    @classmethod
    def _regex(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_regex(v)

    @field_validator("not_names", mode="before")
    @classmethod
    def _not_names(cls, v: Any) -> Any:
        if isinstance(v, str):
            return frozenset(w.lower() for w in v.split())
        return v

    @functools.cached_property
    def accusation_pattern(self) -> re.Pattern[str]:
        return words(self.accusations)

    @functools.cached_property
    def person_noun_pattern(self) -> re.Pattern[str]:
        return re.compile(r"^(?:" + "|".join(self.person_nouns) + r")$", re.I)

    @functools.cached_property
    def hedge_pattern(self) -> re.Pattern[str]:
        return words(self.hedges) if self.hedges else re.compile(r"(?!)")

    @functools.cached_property
    def first_person_pattern(self) -> re.Pattern[str]:
        if not self.first_person:
            return re.compile(r"(?!)")
        alts = "|".join(re.escape(w) for w in self.first_person)
        return re.compile(rf"\b(?:{alts})\s+(?:\w+ly\s+)?$", re.I)

    @functools.cached_property
    def name_pattern(self) -> re.Pattern[str]:
        honorific = "(?:" + "|".join(self.honorifics) + ")"
        cap = r"[A-ZĀĒĪŌŪ][a-zA-Zāēīōū'’-]+"
        particles = "|".join(re.escape(p) for p in self.name_particles)
        particle = rf"(?:\s+(?:{particles}))?" if particles else ""
        return re.compile(
            rf"\b{honorific}\.?\s+{cap}(?:\s+{cap})?"  # Mr Smith, Minister Jane Doe
            rf"|\b{cap}{particle}\s+{cap}(?:\s+{cap})?"  # Jane Doe
            rf"|@\w{{2,30}}"  # @handle
            rf"|\b{cap}\b"  # single capitalised word: filtered by not_names
        )


# -- political bait ---------------------------------------------------------------------------


class BaitWeights(_Data):
    strong: float = Score
    challenge: float = Score


class AdviceText(_Data):
    kind: str
    message: str
    why: str
    clauses: tuple[str, ...] = ()


class BaitJudgement(_Entry):
    label: str
    message: str
    you: tuple[str, ...] = Field(min_length=1)
    question_is_challenge: bool = True
    challenges: tuple[str, ...] = ()
    strong: tuple[str, ...] = Field(min_length=1)
    political_words: tuple[str, ...] = Field(min_length=1)
    engine_signals: tuple[str, ...] = ()
    weights: BaitWeights
    report_at: float = Score
    advice: AdviceText

    @field_validator("challenges", "strong", "political_words")
    @classmethod
    def _regex(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_regex(v)

    @functools.cached_property
    def you_pattern(self) -> re.Pattern[str]:
        return words(tuple(re.escape(w) for w in self.you))

    @functools.cached_property
    def challenge_pattern(self) -> re.Pattern[str]:
        parts = [r"\?"] if self.question_is_challenge else []
        if self.challenges:
            parts.append(words(self.challenges).pattern)
        return re.compile("|".join(parts) or r"(?!)", re.I)

    @functools.cached_property
    def strong_pattern(self) -> re.Pattern[str]:
        return words(self.strong)

    @functools.cached_property
    def political_pattern(self) -> re.Pattern[str]:
        return words(self.political_words)


# -- the engine's categories --------------------------------------------------------------------


class EngineError(_Data):
    category: str
    message: str


class EngineJudgement(_Data):
    counts_from: float = Score
    why: dict[str, str]
    details: dict[str, str]
    max_words: int = Field(ge=0)
    error: EngineError


# -- policy levels ------------------------------------------------------------------------------


class Bounds(_Data):
    """A category's default thresholds at one level (None: never)."""

    hold_at: float | None = Field(None, ge=0.0, le=1.0)
    reject_at: float | None = Field(None, ge=0.0, le=1.0)

    @field_validator("reject_at")
    @classmethod
    def _ordered(cls, v: float | None, info: ValidationInfo) -> float | None:
        hold = info.data.get("hold_at")
        if v is not None and hold is not None and v < hold:
            raise ValueError("reject_at must not be below hold_at")
        return v


class Levels(_Data):
    """Default thresholds per policy level (the `Level` names), category -> bounds."""

    strict: dict[str, Bounds]
    normal: dict[str, Bounds]
    relaxed: dict[str, Bounds]


# -- loading ---------------------------------------------------------------------------------------


class Judgement(_Data):
    validation: ValidationJudgement
    word_lists: WordListJudgement
    spam: SpamJudgement
    engine: EngineJudgement
    allegation: AllegationJudgement
    bait: BaitJudgement
    levels: Levels

    def entries(self) -> tuple[_Entry, ...]:
        """The judgement entries that carry examples."""
        return (self.validation, self.spam, self.allegation, self.bait)


#: Field of `Judgement` -> file in JUDGEMENT_DIR.
FILES: dict[str, str] = {
    "validation": "validation.yaml",
    "word_lists": "word-lists.yaml",
    "spam": "spam.yaml",
    "engine": "engine.yaml",
    "allegation": "allegation.yaml",
    "bait": "bait.yaml",
    "levels": "levels.yaml",
}


def _where(err: Any) -> str:
    return ".".join(str(p) for p in err.get("loc", ())) or "(top level)"


def load_file(path: Path, model: type[_Data]) -> Any:
    """One judgement file into its model; errors name the file and the key."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise JudgementError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise JudgementError(f"{path}:{line} not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise JudgementError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(e)}: {str(e.get('msg', 'invalid')).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise JudgementError(f"{path.name}: {problems} (in {path})") from None


def load(directory: Path = JUDGEMENT_DIR) -> Judgement:
    """Every judgement file in `directory` (the packaged one by default)."""
    fields = Judgement.model_fields
    parts: dict[str, Any] = {}
    for name, filename in FILES.items():
        annotation = fields[name].annotation
        assert isinstance(annotation, type) and issubclass(annotation, _Data)
        parts[name] = load_file(directory / filename, annotation)
    return Judgement(**parts)


#: Loaded at import: a bad file stops the moderation service from starting, with its name.
JUDGEMENT: Judgement = load()

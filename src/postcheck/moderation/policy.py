"""A site's moderation policy: how strict, per-category thresholds, allow and block lists.

A policy is data: stored as JSON beside the site, edited in the owner's pages, and exported
or imported as a YAML file so an owner can keep it under version control or copy it between
sites. Thresholds compare against category scores in 0..1 (engine signal scores and the
moderation phases' own scores): at or above `hold_at` a comment waits for the owner, at or
above `reject_at` it is refused outright.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from postcheck.detect.registry import MODERATION_LABELS
from postcheck.moderation.judgement import JUDGEMENT, JudgementError

POLICY_FILE_KIND = "postcheck-moderation-policy"
POLICY_FILE_VERSION = 1


class PolicyError(ValueError):
    """A policy file or form is invalid; the message says what and where."""


class Level(StrEnum):
    strict = "strict"
    normal = "normal"
    relaxed = "relaxed"


#: Categories scored by the shared engine: the signals the registry marks for screening
#: comments (postcheck.detect.registry), with the labels it gives them.
ENGINE_CATEGORIES: tuple[str, ...] = tuple(MODERATION_LABELS)
#: Categories scored by the moderation phases themselves (guidance/moderation/*.yaml).
_OWN = (JUDGEMENT.allegation, JUDGEMENT.spam, JUDGEMENT.bait)
MODERATION_CATEGORIES: tuple[str, ...] = tuple(j.category for j in _OWN)
CATEGORIES: tuple[str, ...] = ENGINE_CATEGORIES + MODERATION_CATEGORIES

CATEGORY_LABELS: dict[str, str] = {**MODERATION_LABELS, **{j.category: j.label for j in _OWN}}


class Threshold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hold_at: float | None = Field(None, ge=0.0, le=1.0)
    reject_at: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if (
            self.hold_at is not None
            and self.reject_at is not None
            and self.reject_at < self.hold_at
        ):
            raise ValueError("reject_at must not be below hold_at")
        return self

    def action(self, score: float) -> Literal["reject", "hold", "publish"]:
        if self.reject_at is not None and score >= self.reject_at:
            return "reject"
        if self.hold_at is not None and score >= self.hold_at:
            return "hold"
        return "publish"


def _presets() -> dict[Level, dict[str, Threshold]]:
    """The levels' default thresholds from guidance/moderation/levels.yaml; every level must
    name every category, and no other."""
    out: dict[Level, dict[str, Threshold]] = {}
    for level in Level:
        bounds = getattr(JUDGEMENT.levels, level.value)
        missing = [c for c in CATEGORIES if c not in bounds]
        unknown = sorted(set(bounds) - set(CATEGORIES))
        if missing or unknown:
            raise JudgementError(
                f"levels.yaml: {level.value}: missing {missing}, unknown {unknown}; "
                f"known: {', '.join(CATEGORIES)}"
            )
        out[level] = {
            cat: Threshold(hold_at=b.hold_at, reject_at=b.reject_at) for cat, b in bounds.items()
        }
    return out


#: Defaults per level (guidance/moderation/levels.yaml). Things the law makes the owner
#: answerable for (allegations, others' personal information) are held for a human rather
#: than rejected: a person can tell fair comment from defamation; a threshold cannot.
#: Threats and hate can be refused outright.
PRESETS: dict[Level, dict[str, Threshold]] = _presets()


class WordRule(BaseModel):
    """A word or phrase on an allow or block list, with the owner's reason for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str = Field(min_length=1, max_length=200)
    reason: str = Field("", max_length=500)
    #: For block-list entries: what a match does.
    action: Literal["hold", "reject"] = "hold"

    @field_validator("term")
    @classmethod
    def _term(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("empty term")
        return v


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Level = Level.normal
    #: Per-category overrides of the level's preset.
    thresholds: dict[str, Threshold] = {}
    #: Words that are fine on this site even though a detector flags them (a surname, a
    #: place, the site's own subject); engine spans inside an allowed term don't count.
    allow: tuple[WordRule, ...] = ()
    block: tuple[WordRule, ...] = ()
    max_chars: int = Field(5000, ge=1, le=100_000)
    #: Links a comment may carry before it looks like spam.
    max_links: int = Field(2, ge=0, le=100)

    @field_validator("thresholds")
    @classmethod
    def _known(cls, v: dict[str, Threshold]) -> dict[str, Threshold]:
        unknown = sorted(set(v) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categor(y/ies) {unknown}; known: {', '.join(CATEGORIES)}")
        return v

    def threshold(self, category: str) -> Threshold:
        if category in self.thresholds:
            return self.thresholds[category]
        return PRESETS[self.level].get(category, Threshold(hold_at=0.5))

    # -- storage and files -------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Policy:
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            raise PolicyError(_first_error(exc)) from None

    def to_file(self, site: str | None = None) -> str:
        doc: dict[str, Any] = {"kind": POLICY_FILE_KIND, "version": POLICY_FILE_VERSION}
        if site:
            doc["site"] = site
        doc.update(self.to_json())
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    @classmethod
    def from_file(cls, content: str | bytes) -> Policy:
        if isinstance(content, bytes):
            try:
                content = content.decode("utf-8")
            except UnicodeDecodeError:
                raise PolicyError("policy file is not UTF-8 text") from None
        try:
            doc = yaml.safe_load(content)
        except yaml.YAMLError as exc:
            raise PolicyError(f"policy file is not valid YAML ({exc.__class__.__name__})") from None
        if not isinstance(doc, dict) or doc.get("kind") != POLICY_FILE_KIND:
            raise PolicyError(f"not a policy file (expected 'kind: {POLICY_FILE_KIND}')")
        if doc.get("version") != POLICY_FILE_VERSION:
            raise PolicyError(f"unsupported policy file version {doc.get('version')!r}")
        body = {k: v for k, v in doc.items() if k not in ("kind", "version", "site")}
        return cls.from_json(body)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "policy"
    return f"{where}: {err.get('msg', 'invalid')}"


def parse_word_lines(text: str, *, block: bool) -> tuple[WordRule, ...]:
    """Parse the owner's textarea: one entry a line, `term | reason` or `term | reason | reject`."""
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        term, reason = parts[0], parts[1] if len(parts) > 1 else ""
        action = "hold"
        if block and len(parts) > 2 and parts[2]:
            if parts[2] not in ("hold", "reject"):
                raise PolicyError(f"line {n}: action must be hold or reject, not {parts[2]!r}")
            action = parts[2]
        try:
            out.append(WordRule(term=term, reason=reason, action=action))
        except ValidationError as exc:
            raise PolicyError(f"line {n}: {_first_error(exc)}") from None
    return tuple(out)


def format_word_lines(rules: tuple[WordRule, ...], *, block: bool) -> str:
    lines = []
    for r in rules:
        parts = [r.term, r.reason]
        if block and r.action != "hold":
            parts.append(r.action)
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)

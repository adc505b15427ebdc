"""Request shapes for the HTTP API.

`CheckRequest` is one line of `postcheck check --input` JSONL: the post's id and text with its
context fields flat beside them. It reuses the shapes' enums and `Author`, so the API accepts
exactly what the CLI accepts and validates it the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from postcheck.shapes import (
    MAX_TEXT_CHARS,
    AccountType,
    Author,
    Kind,
    Platform,
    Post,
    Visibility,
    normalise_choice,
    normalise_platform,
)

RISKY_EXAMPLE: dict[str, Any] = {
    "id": "draft-1",
    "text": "Can't wait to vote this useless government out. Three Waters is a disaster "
    "and the Minister is clueless.",
    "platform": "linkedin",
    "kind": "post",
    "visibility": "public",
    "date": "2026-09-01",
    "author": {
        "employer": "Department of Internal Affairs",
        "role": "policy adviser",
        "seniority": "staff",
        "advises_ministers": True,
        "topics": ["Three Waters"],
        "shows_employer": True,
    },
}

FINE_EXAMPLE: dict[str, Any] = {
    "id": "draft-2",
    "text": "Kia ora whānau, lovely day for a walk up Maungawhau.",
    "platform": "facebook",
    "visibility": "friends",
}


class CheckRequest(BaseModel):
    """One post with its context: the same shape as one line of `postcheck check --input`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [RISKY_EXAMPLE, FINE_EXAMPLE]},
    )

    id: str | int | None = Field(None, description="Your id for the post (echoed back).")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="The post, reply, bio, ...")
    url: str | None = Field(None, max_length=2000, description="Where the post lives.")
    platform: Platform = Platform.other
    kind: Kind = Kind.post
    visibility: Visibility = Visibility.public
    date: dt.datetime | dt.date | None = Field(
        None, description="When it is (or was) published; default: now (New Zealand time)."
    )
    account: AccountType = AccountType.personal
    author: Author = Field(default_factory=lambda: Author.model_validate({}))

    # The same normalisation as postcheck.shapes.Context, so the API accepts what the CLI does.
    _platform = field_validator("platform", mode="before")(normalise_platform)
    _choices = field_validator("kind", "visibility", "account", mode="before")(normalise_choice)

    @field_validator("date", mode="before")
    @classmethod
    def _blank_date(cls, v: Any) -> Any:
        # An empty date picker submits "": that means "now", not an error.
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("id")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, str) and len(v) > 500:
            raise ValueError("id is longer than 500 characters")
        return v

    def to_post(self) -> Post:
        """The same Post `postcheck check --input` builds from this line (one code path)."""
        from postcheck.inputs import build_post

        return build_post(self.model_dump(mode="json", exclude_none=True))


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"posts": [RISKY_EXAMPLE, FINE_EXAMPLE]}]},
    )

    posts: list[CheckRequest] = Field(min_length=1, description="Posts to check, in order.")


class ErrorOut(BaseModel):
    detail: Any = Field(description="What was wrong, in words (or a list of field errors).")


def _field(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(errors: Sequence[Any]) -> tuple[str, list[dict[str, str]]]:
    """FastAPI's validation errors (body, query or path) as one line, plus the list of
    `{field, message}` they came from.

    Pydantic echoes the offending input in `input`: for a post that is the draft, so it is
    left out here (and so out of the response and any proxy's error log).
    """
    out = []
    for err in errors:
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        loc = tuple(err.get("loc", ()))
        field = _field(loc)
        if err.get("type") == "json_invalid":
            field, msg = "body", f"not valid JSON (near character {field})"
        elif loc[:1] == ("query",):
            field = f"query parameter {field}"
        out.append({"field": field, "message": msg})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in out[:5])
    if len(out) > 5:
        summary += f"; and {len(out) - 5} more"
    return summary, out

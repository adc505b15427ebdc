"""Knobs for the web door: size limits, upload location, batch size.

Defaults suit one person on their own machine; an agency intranet deployment can tighten or
loosen them through POSTCHECK_WEB_* environment variables (read by `WebSettings.from_env`).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from postcheck.shapes import MAX_TEXT_CHARS

#: Largest JSON body for one post. The text itself is capped at MAX_TEXT_CHARS; UTF-8 may
#: take up to four bytes a character and the author profile adds a little, so allow for both.
DEFAULT_MAX_BODY = 4 * MAX_TEXT_CHARS + 64 * 1024
#: Ten posts at the length limit, or a thousand of a thousand characters: about a second of
#: checking for ordinary text, so no one request can hold a worker for minutes.
DEFAULT_MAX_BATCH_CHARS = 10 * MAX_TEXT_CHARS


class WebSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY, gt=0, description="Largest request body for /api/check and pages."
    )
    max_batch_body_bytes: int = Field(
        16 * 1024 * 1024, gt=0, description="Largest request body for /api/check/batch."
    )
    max_batch_posts: int = Field(1000, gt=0, description="Most posts in one batch request.")
    max_batch_chars: int = Field(
        DEFAULT_MAX_BATCH_CHARS,
        gt=0,
        description="Most characters of post text in one batch request: caps the work one "
        "request can ask for, whatever its posts are like.",
    )
    max_upload_bytes: int = Field(
        256 * 1024 * 1024, gt=0, description="Largest archive accepted by the archive page."
    )
    upload_dir: Path | None = Field(
        None, description="Where uploads are streamed while scanned; default: system temp."
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description="Signs CSRF tokens. Random per process unless set, which is what one "
        "machine needs; several replicas behind a load balancer must share it.",
    )
    max_jobs: int = Field(
        8, gt=0, description="Archive scans kept in memory (finished ones are dropped first)."
    )
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure: set when served over HTTPS."
    )

    @classmethod
    def from_env(cls) -> WebSettings:
        fields: dict[str, object] = {}
        for name in cls.model_fields:
            value = os.environ.get(f"POSTCHECK_WEB_{name.upper()}")
            if value is not None:
                fields[name] = value
        return cls.model_validate(fields)

    def upload_root(self) -> Path:
        return self.upload_dir or Path(tempfile.gettempdir())

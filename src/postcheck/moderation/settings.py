"""Where the moderation store lives and the limits the service enforces."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Environment variable naming the database (SQLAlchemy URL or postgresql:// URL).
DATABASE_URL_ENV = "POSTCHECK_DATABASE_URL"
#: Environment variable `moderate init` reads the owner's password from (for scripts).
OWNER_PASSWORD_ENV = "POSTCHECK_OWNER_PASSWORD"

#: Largest request body the comment API reads. A comment is a few KB; anything near this is
#: a mistake or an attack, and reading it all into memory first would be the real harm.
MAX_BODY_BYTES = 64 * 1024
#: Longest comment text accepted (characters). Policies may set a lower limit per site.
MAX_COMMENT_CHARS = 10_000
#: Environment variable naming the owner's time zone (an IANA name such as Europe/London).
TIME_ZONE_ENV = "POSTCHECK_TIME_ZONE"
#: The owner's pages show times here unless told otherwise: the guidance is New Zealand's.
DEFAULT_TIME_ZONE = "Pacific/Auckland"


class ConfigError(ValueError):
    """The database URL or another setting is unusable; the message is for the user."""


def default_data_dir() -> Path:
    override = os.environ.get("POSTCHECK_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("postcheck")


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'moderation.sqlite3'}"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, a bare file path)."""
    url = url.strip()
    if not url:
        raise ConfigError("empty database URL")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if "://" not in url:
        # A bare path means a SQLite file: the common case for one person on one machine.
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise ConfigError(
        f"unsupported database URL scheme {url.split('://', 1)[0]!r} "
        "(use a SQLite path/sqlite:///FILE or postgresql://USER@HOST/DB)"
    )


def resolve_database_url(explicit: str | None = None) -> str:
    return normalise_url(explicit or os.environ.get(DATABASE_URL_ENV) or default_database_url())


@dataclass(frozen=True)
class Settings:
    """Everything the moderation service needs to run; built once by the CLI or web app."""

    database_url: str = field(default_factory=resolve_database_url)
    #: Path prefix of the owner's pages (the API lives under /api/sites).
    pages_prefix: str = "/moderate"
    #: Idle and absolute session lifetimes, in seconds.
    session_idle_seconds: int = 2 * 60 * 60
    session_max_seconds: int = 12 * 60 * 60
    #: Mark cookies Secure (set when served over HTTPS, e.g. behind a TLS proxy).
    secure_cookies: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    max_comment_chars: int = MAX_COMMENT_CHARS
    #: Sign-in throttling. Failed sign-ins are remembered for `login_window_seconds`. Past
    #: the free failures, each further attempt waits `login_base_delay` seconds after the last
    #: failure, doubling with every failure up to the cap. Per client address the cap is long
    #: (one guesser, one address); per account it is short, because many addresses guessing
    #: at one account would otherwise lock its owner out wherever they are.
    login_window_seconds: int = 24 * 60 * 60
    login_base_delay: float = 1.0
    login_address_free_failures: int = 5
    login_address_max_delay: float = 15 * 60
    login_account_free_failures: int = 20
    login_account_max_delay: float = 60
    #: The owner's time zone (IANA name): every time on the owner's pages is shown in it.
    time_zone: str = field(
        default_factory=lambda: os.environ.get(TIME_ZONE_ENV, "").strip() or DEFAULT_TIME_ZONE
    )
    #: Run Alembic migrations when the app starts (off when an operator migrates separately).
    migrate_on_start: bool = True

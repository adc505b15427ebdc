"""SQLAlchemy 2 tables of the moderation store.

The schema is owned by the Alembic migrations in `migrations/`; these classes must agree with
them (a test compares the two). Times are stored as UTC; SQLite has no time zone type, so
`UTCDateTime` strips and restores it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PG)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to UTCDateTime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class Status:
    """Where a comment is: the screening decision, then the owner's."""

    published = "published"
    held = "held"
    rejected = "rejected"
    ALL = ("published", "held", "rejected")


#: Screening decision (the API's word) -> stored status.
DECISION_STATUS = {"publish": Status.published, "hold": Status.held, "reject": Status.rejected}


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The last successful sign-in: failures before it no longer slow the account down.
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    owner: Mapped[Owner] = relationship()


class LoginFailure(Base):
    """Failed sign-ins, kept for a day to slow down password guessing (see auth.Throttle)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    #: The client's address (an IPv6 client's /64); None for rows from before 0002.
    address: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the API key. Keys are 256-bit random, so a fast hash is enough (a slow
    #: password hash would cost every comment request tens of milliseconds for nothing).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    policy_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "client_id", name="uq_comments_site_client"),
        Index("ix_comments_site_status_risk", "site_id", "status", "risk"),
        Index("ix_comments_site_text_sha", "site_id", "text_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200))
    author_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    #: The submitted text when the owner has edited it (kept for the record).
    original_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    #: Screening's decision: publish / hold / reject. Never changes after screening.
    decision: Mapped[str] = mapped_column(String(16))
    #: Current state: published / held / rejected (the owner can change it).
    status: Mapped[str] = mapped_column(String(16), index=True)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    advice: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(100), default="screening")
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    site: Mapped[Site] = relationship()


class AuditEntry(Base):
    """Every decision and change, by whom and when. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32), index=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True, index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

"""The owner's sign-in: argon2 password hashes, expiring sessions, CSRF tokens, throttling.

Sessions are server-side rows keyed by the SHA-256 of a random cookie token, so a copy of the
database does not hand out live sessions, and signing out (or changing the password) ends
them for real. Every session has a CSRF token that each form must send back; the login form,
which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from postcheck.moderation.models import LoginFailure, LoginSession, Owner, utcnow
from postcheck.moderation.settings import Settings
from postcheck.moderation.store import Store

SESSION_COOKIE = "postcheck_session"
LOGIN_CSRF_COOKIE = "postcheck_login_csrf"
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()


class PasswordError(ValueError):
    pass


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordError(f"password must be at least {MIN_PASSWORD_CHARS} characters")
    if password.strip() != password:
        raise PasswordError("password must not start or end with spaces")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the username is wrong, so a wrong username takes as long as
# a wrong password and response times don't reveal the owner's username.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    owner_id: int
    username: str
    csrf_token: str
    session_id: str


class TooManyAttempts(Exception):
    pass


class Auth:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings

    def login(self, username: str, password: str) -> str | None:
        """Check the password; on success return a new session token for the cookie."""
        username = username.strip()[:100]
        now = utcnow()
        window = now - dt.timedelta(seconds=self.settings.login_window_seconds)
        with self.store.read() as s:
            failures = s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.username == username, LoginFailure.at >= window)
            )
            owner = s.scalars(select(Owner).where(Owner.username == username)).first()
        if (failures or 0) >= self.settings.login_max_failures:
            raise TooManyAttempts()
        ok = verify_password(owner.password_hash if owner else _DUMMY_HASH, password)
        if not ok or owner is None:
            with self.store.write() as s:
                s.add(LoginFailure(username=username, at=now))
                s.execute(delete(LoginFailure).where(LoginFailure.at < window))
            self.store.log("anonymous", "login_failed", {"username": username})
            return None
        if _hasher.check_needs_rehash(owner.password_hash):
            self.store.set_owner(owner.username, hash_password(password))
        token = secrets.token_urlsafe(32)
        with self.store.write() as s:
            s.add(
                LoginSession(
                    id=_token_id(token),
                    owner_id=owner.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + dt.timedelta(seconds=self.settings.session_idle_seconds),
                )
            )
            s.execute(delete(LoginFailure).where(LoginFailure.username == username))
            s.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        self.store.log(owner.username, "login")
        return token

    def session(self, token: str | None) -> SignedIn | None:
        """The signed-in owner for a cookie token, sliding the idle expiry; None if expired."""
        if not token:
            return None
        now = utcnow()
        sid = _token_id(token)
        with self.store.read() as s:
            row = s.get(LoginSession, sid)
            if row is None:
                return None
            username = row.owner.username
            expires, created, csrf, owner_id = (
                row.expires_at,
                row.created_at,
                row.csrf_token,
                row.owner_id,
            )
            last_seen = row.last_seen_at
        hard_end = created + dt.timedelta(seconds=self.settings.session_max_seconds)
        if now >= expires or now >= hard_end:
            with self.store.write() as s:
                s.execute(delete(LoginSession).where(LoginSession.id == sid))
            return None
        if (now - last_seen).total_seconds() > 60:
            # Slide the idle timeout, but write at most once a minute per session.
            with self.store.write() as s:
                row = s.get(LoginSession, sid)
                if row is not None:
                    row.last_seen_at = now
                    row.expires_at = min(
                        now + dt.timedelta(seconds=self.settings.session_idle_seconds), hard_end
                    )
        return SignedIn(owner_id=owner_id, username=username, csrf_token=csrf, session_id=sid)

    def logout(self, signed_in: SignedIn) -> None:
        with self.store.write() as s:
            s.execute(delete(LoginSession).where(LoginSession.id == signed_in.session_id))
        self.store.log(signed_in.username, "logout")


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))

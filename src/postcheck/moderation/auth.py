"""The owner's sign-in: argon2 password hashes, expiring sessions, CSRF tokens, throttling.

Throttling is a growing delay per client address and, more gently, per account, never a
lock on the account as a whole: someone guessing from one address slows only that address,
so the owner can still sign in from anywhere else, and a session already open keeps working.
`moderate init --reset-password` forgets every failure.

Sessions are server-side rows keyed by the SHA-256 of a random cookie token, so a copy of the
database does not hand out live sessions, and signing out (or changing the password) ends
them for real. Every session has a CSRF token that each form must send back; the login form,
which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.orm import Session

from postcheck.moderation.settings import Settings
from postcheck.moderation.store import Store
from postcheck.moderation.tables import LoginFailure, LoginSession, Owner, utcnow

SESSION_COOKIE = "postcheck_session"
LOGIN_CSRF_COOKIE = "postcheck_login_csrf"
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()
#: Sign-in attempts: user name, client address and outcome; never the password.
_log = logging.getLogger("postcheck.moderation.auth")
#: PostgreSQL advisory lock that serialises sign-in checks (migrations use another number).
_SIGN_IN_LOCK = 7041955317


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
    """Sign-in refused for now; `retry_after` is how many seconds to wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Backoff:
    """How long to wait after the last failure, given how many failures there were."""

    free: int
    base: float
    cap: float

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        # Exponent capped so a long run of failures can't overflow the float.
        return float(min(self.base * 2 ** min(failures - self.free, 40), self.cap))


def client_key(address: str | None) -> str:
    """What failures are counted under: the address, or an IPv6 client's whole /64.

    One IPv6 host usually has a /64 to itself and could take a fresh address per guess.
    """
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Auth:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.per_address = Backoff(
            settings.login_address_free_failures,
            settings.login_base_delay,
            settings.login_address_max_delay,
        )
        self.per_account = Backoff(
            settings.login_account_free_failures,
            settings.login_base_delay,
            settings.login_account_max_delay,
        )

    def login(self, username: str, password: str, address: str | None = None) -> str | None:
        """Check the password; on success return a new session token for the cookie.

        Raises TooManyAttempts, without looking at the password, while the client's address
        or the account is in backoff. An existing session is never affected by any of this.
        """
        username = username.strip()[:100]
        where = client_key(address)
        now = utcnow()
        with self.store.write() as s:
            # The check and the failure it provisionally records share one write
            # transaction, so guesses sent in parallel can't all pass before the first fails.
            # SQLite serialises writers already; PostgreSQL (READ COMMITTED, maybe several
            # replicas) takes a lock for this short transaction, never across the hash check.
            if self.store.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGN_IN_LOCK})
            s.execute(delete(LoginFailure).where(LoginFailure.at < now - self._window))
            owner = s.scalars(select(Owner).where(Owner.username == username)).first()
            since = owner.last_sign_in_at if owner else None
            wait = self._wait(s, username, where, since, now)
            attempt: LoginFailure | None = None
            if wait <= 0:
                attempt = LoginFailure(username=username, address=where, at=now)
                s.add(attempt)
                s.flush()
        if attempt is None:
            retry_after = max(1, math.ceil(wait))
            _log.warning(
                "sign-in throttled: user=%r address=%r retry_after=%ss",
                username,
                where,
                retry_after,
            )
            raise TooManyAttempts(retry_after)
        ok = verify_password(owner.password_hash if owner else _DUMMY_HASH, password)
        if not ok or owner is None:
            _log.warning("sign-in failed: user=%r address=%r", username, where)
            self.store.log("anonymous", "login_failed", {"username": username, "address": where})
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
            # The owner has proved who they are: this address's failures (the attempt recorded
            # above included) are forgotten, and the account's backoff starts again from now.
            # Other addresses' failures are kept, so a guesser's backoff doesn't reset each
            # time the owner signs in.
            s.execute(delete(LoginFailure).where(LoginFailure.address == where))
            signed_in = s.get(Owner, owner.id)
            if signed_in is not None:
                signed_in.last_sign_in_at = now
            s.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        _log.info("sign-in ok: user=%r address=%r", owner.username, where)
        self.store.log(owner.username, "login", {"address": where})
        return token

    @property
    def _window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.login_window_seconds)

    def _wait(
        self,
        s: Session,
        username: str,
        where: str,
        since: dt.datetime | None,
        now: dt.datetime,
    ) -> float:
        """Seconds until this address may try this account again (0 or less: now)."""
        account = LoginFailure.username == username
        if since is not None:
            account = and_(account, LoginFailure.at > since)
        wait = 0.0
        for condition, backoff in (
            (LoginFailure.address == where, self.per_address),
            (account, self.per_account),
        ):
            count, last = s.execute(
                select(func.count(), func.max(LoginFailure.at)).where(condition)
            ).one()
            delay = backoff.delay(int(count or 0))
            if delay and last is not None:
                wait = max(wait, delay - (now - last).total_seconds())
        return wait

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


def clear_login_failures(store: Store) -> int:
    """Forget every failed sign-in (a password reset: whoever resets it is the owner)."""
    with store.write() as s:
        n = int(s.scalar(select(func.count()).select_from(LoginFailure)) or 0)
        s.execute(delete(LoginFailure))
    if n:
        store.log("cli", "login_failures_cleared", {"failures": n})
    return n

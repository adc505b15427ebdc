"""Sign-in throttling: a growing delay per client address and per account, never a lock-out.

The clock is frozen (and moved by hand) so backoff is tested without sleeping.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from mod_harness import PASSWORD, Harness, _hidden
from sqlalchemy import select
from typer.testing import CliRunner

from postcheck.moderation import auth
from postcheck.moderation.auth import TooManyAttempts, client_key
from postcheck.moderation.tables import AuditEntry, LoginFailure

ATTACKER = "203.0.113.7"
OWNER_HOME = "198.51.100.2"
WRONG = "not the password at all"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(auth, "utcnow", c)
    return c


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lightest: throttling is under test here, not the hash's cost."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setattr(auth, "_DUMMY_HASH", auth.hash_password("dummy password"))


def _harness(url: str, **settings: object) -> Harness:
    harness = Harness(url, **settings)
    harness.store.set_owner("owner", auth.hash_password(PASSWORD))
    return harness


@pytest.fixture
def h(sqlite_url: str) -> Iterator[Harness]:
    harness = _harness(sqlite_url, login_account_free_failures=8)
    yield harness
    harness.close()


def _attempt(h: Harness, password: str, address: str) -> str | int | None:
    """A token, None for a wrong password, or the seconds to wait when throttled."""
    try:
        return h.mod.auth.login("owner", password, address)
    except TooManyAttempts as exc:
        return exc.retry_after


def _page_login(app: object, address: str, password: str = PASSWORD) -> tuple[TestClient, object]:
    client = TestClient(app, client=(address, 40000))  # type: ignore[arg-type]
    csrf = _hidden(client.get("/moderate/login").text, "csrf")
    r = client.post(
        "/moderate/login",
        data={"username": "owner", "password": password, "csrf": csrf, "next": "/moderate/"},
        follow_redirects=False,
    )
    return client, r


def test_hammering_from_one_address_does_not_keep_the_owner_out(h: Harness, clock: Clock) -> None:
    outcomes = [_attempt(h, WRONG, ATTACKER) for _ in range(30)]
    assert outcomes[:5] == [None] * 5  # five free failures, then that address waits
    assert outcomes[5:] == [1] * 25  # refused without a password check, and not counted
    # The owner, elsewhere, signs in at once with the right password (pages, end to end).
    client, r = _page_login(h.app, OWNER_HOME)
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    assert client.get("/moderate/").status_code == 200
    # From the attacker's address even the right password waits out that address's backoff...
    _, r = _page_login(h.app, ATTACKER)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    assert "Try again in 1 second" in r.text  # type: ignore[attr-defined]
    # ...and then gets in.
    clock.advance(1)
    assert isinstance(_attempt(h, PASSWORD, ATTACKER), str)


def test_backoff_grows_per_address_and_is_capped(sqlite_url: str, clock: Clock) -> None:
    h = _harness(sqlite_url, login_address_free_failures=2, login_address_max_delay=8)
    try:
        assert [_attempt(h, WRONG, ATTACKER) for _ in range(2)] == [None, None]
        waits = []
        for _ in range(6):
            wait = _attempt(h, WRONG, ATTACKER)
            assert isinstance(wait, int)
            waits.append(wait)
            clock.advance(wait)
            assert _attempt(h, WRONG, ATTACKER) is None
        assert waits == [1, 2, 4, 8, 8, 8]
    finally:
        h.close()


def test_many_addresses_slow_the_account_but_never_lock_it(h: Harness, clock: Clock) -> None:
    # Eight guessers, one failure each: no address is in backoff, but the account is.
    for n in range(8):
        assert _attempt(h, WRONG, f"192.0.2.{n}") is None
    waits = []
    for n in range(4):
        wait = _attempt(h, PASSWORD, OWNER_HOME)
        assert isinstance(wait, int)  # the owner waits too, briefly
        waits.append(wait)
        clock.advance(wait)
        assert _attempt(h, WRONG, f"192.0.2.{100 + n}") is None
    assert waits == [1, 2, 4, 8]  # growing, capped at login_account_max_delay (60 s)
    clock.advance(60)
    assert isinstance(_attempt(h, PASSWORD, OWNER_HOME), str)


def test_an_open_session_keeps_working_while_sign_in_is_throttled(h: Harness, clock: Clock) -> None:
    client, r = _page_login(h.app, OWNER_HOME)
    assert r.status_code == 303  # type: ignore[attr-defined]
    for n in range(18):
        _attempt(h, WRONG, f"192.0.2.{n % 3}")
    assert isinstance(_attempt(h, PASSWORD, "192.0.2.1"), int)  # that address waits...
    assert client.get("/moderate/").status_code == 200  # ...the signed-in owner doesn't


def test_reset_password_clears_the_failures(
    h: Harness, clock: Clock, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postcheck.cli import app

    for _ in range(12):
        _attempt(h, WRONG, ATTACKER)
    assert isinstance(_attempt(h, PASSWORD, ATTACKER), int)
    new_password = "a brand new long password"
    monkeypatch.setenv("POSTCHECK_OWNER_PASSWORD", new_password)
    r = CliRunner().invoke(app, ["moderate", "init", "--db", sqlite_url, "--reset-password"])
    assert r.exit_code == 0, r.output
    assert "Cleared 5 failed sign-in(s)" in r.output
    with h.store.read() as s:
        assert s.scalars(select(LoginFailure)).all() == []
    assert isinstance(_attempt(h, new_password, ATTACKER), str)


def test_attempts_are_logged_without_the_password(
    h: Harness, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postcheck.moderation.auth")
    for _ in range(6):
        _attempt(h, WRONG, ATTACKER)
    _attempt(h, PASSWORD, OWNER_HOME)
    lines = [r.getMessage() for r in caplog.records if r.name == "postcheck.moderation.auth"]
    assert lines == [
        *[f"sign-in failed: user='owner' address='{ATTACKER}'"] * 5,
        f"sign-in throttled: user='owner' address='{ATTACKER}' retry_after=1s",
        f"sign-in ok: user='owner' address='{OWNER_HOME}'",
    ]
    assert WRONG not in caplog.text and PASSWORD not in caplog.text
    with h.store.read() as s:
        audit = [
            (a.action, a.detail) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert ("login_failed", {"username": "owner", "address": ATTACKER}) in audit
    assert ("login", {"address": OWNER_HOME}) in audit
    assert all(WRONG not in str(d) and PASSWORD not in str(d) for _, d in audit)


def test_parallel_guesses_from_one_address_get_the_free_failures_only(
    db_url: str, clock: Clock
) -> None:
    h = _harness(db_url)
    try:
        _guess_in_parallel(h)
    finally:
        h.close()


def _guess_in_parallel(h: Harness) -> None:
    outcomes: list[object] = []
    lock = threading.Lock()

    def guess() -> None:
        result = _attempt(h, WRONG, ATTACKER)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(None) == 5 and outcomes.count(1) == 11


def test_client_key() -> None:
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    # One IPv6 host can take any address in its /64, so the /64 is what is counted.
    assert (
        client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key(None) == "unknown" and client_key("testclient") == "testclient"

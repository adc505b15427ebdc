"""The owner's pages: login required, CSRF on every form, escaping, decisions audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from mod_harness import PASSWORD, Harness
from sqlalchemy import select, update

from postcheck.moderation.policy import CATEGORY_LABELS
from postcheck.moderation.tables import AuditEntry, Comment, LoginSession

PAGES = [
    "/moderate/",
    "/moderate/?status=published",
    "/moderate/audit",
    "/moderate/sites",
    "/moderate/sites/blog/policy",
    "/moderate/sites/blog/policy.yaml",
    "/moderate/comments/1",
]
POSTS = [
    "/moderate/bulk",
    "/moderate/comments/1/decide",
    "/moderate/comments/1/edit",
    "/moderate/sites/blog/policy",
    "/moderate/logout",
]


def _held(h: Harness, text: str = "John Smith stole money from the charity.") -> int:
    r = h.comment("blog", text)
    assert r.json()["decision"] == "hold"
    with h.store.read() as s:
        return s.scalars(select(Comment.id).where(Comment.client_id == r.json()["id"])).one()


def test_pages_unreachable_without_login(harness: Harness) -> None:
    _held(harness, "John Smith stole money from the charity. SECRET-MARKER")
    for path in PAGES:
        r = harness.client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/moderate/login?next=")
        assert "SECRET-MARKER" not in r.text
    for path in POSTS:
        r = harness.client.post(
            path, data={"action": "approve", "ids": "1", "csrf": "x"}, follow_redirects=False
        )
        assert r.status_code == 403, path
    with harness.store.read() as s:
        assert s.scalars(select(Comment.status)).one() == "held"


def test_forged_session_cookie_is_not_a_login(harness: Harness) -> None:
    harness.client.cookies.set("postcheck_session", "forged", path="/moderate/")
    r = harness.client.get("/moderate/", follow_redirects=False)
    assert r.status_code == 303


def test_wrong_password_and_throttle(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from postcheck.moderation import auth

    frozen = dt.datetime.now(dt.UTC)  # the backoff's first second must not pass mid-test
    monkeypatch.setattr(auth, "utcnow", lambda: frozen)
    c = harness.client
    for _ in range(5):
        page = c.get("/moderate/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post(
            "/moderate/login",
            data={"username": "owner", "password": "wrong-password", "csrf": csrf},
        )
        assert r.status_code == 401 and "Wrong username or password" in r.text
    page = c.get("/moderate/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/moderate/login", data={"username": "owner", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 429  # even the right password waits now, from this address
    assert r.headers["retry-after"] == "1" and "Try again in 1 second." in r.text
    with harness.store.read() as s:
        actions = list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.action == "login_failed"))
        )
    assert len(actions) == 5


def test_login_form_needs_its_csrf_cookie(harness: Harness) -> None:
    other = TestClient(harness.app)
    r = other.post(
        "/moderate/login",
        data={"username": "owner", "password": PASSWORD, "csrf": "guess"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "postcheck_session" not in r.cookies


def test_queue_sorted_by_risk_and_escaped(harness: Harness) -> None:
    harness.comment("blog", "You are a pathetic idiot.")  # disrespect
    harness.comment("blog", '<script>alert("pwned")</script> John Smith stole the money')
    harness.comment("blog", "A lovely post, thanks.")  # published, not in the held queue
    harness.login()
    page = harness.client.get("/moderate/")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page.text
    assert "A lovely post" not in page.text
    # Risk in words, riskiest first; the scores themselves stay in the API.
    levels = re.findall(r'<span class="risk risk-(\w+)">', page.text)
    order = {"high": 0, "medium": 1, "low": 2, "no": 3}
    assert len(levels) == 2 and levels == sorted(levels, key=order.__getitem__)
    assert not re.search(r"\b[01]\.\d\d\b", page.text)
    assert "<mark>John Smith</mark>" in page.text  # spans highlighted, still escaped
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_approve_publishes_and_is_audited(harness: Harness) -> None:
    cid = _held(harness)
    harness.login()
    page = harness.client.get(f"/moderate/comments/{cid}")
    assert "Accuses a named person" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    # Without the token, or with a wrong one, nothing happens.
    for bad in ("", "nope"):
        r = harness.client.post(
            f"/moderate/comments/{cid}/decide", data={"action": "approve", "csrf": bad}
        )
        assert r.status_code == 403
        assert "CSRF token mismatch" in r.text
        assert r.headers["content-type"].startswith("text/html")
    r = harness.client.post(
        f"/moderate/comments/{cid}/decide",
        data={"action": "approve", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with harness.store.read() as s:
        c = s.get(Comment, cid)
        assert c is not None and c.status == "published" and c.decided_by == "owner"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).one()
    assert entry.actor == "owner" and entry.comment_id == cid
    assert entry.at <= dt.datetime.now(dt.UTC) and entry.detail == {
        "from": "held",
        "to": "published",
    }
    pub = harness.client.get(
        "/api/sites/blog/comments", headers={"Authorization": f"Bearer {harness.keys['blog']}"}
    )
    assert [p["text"] for p in pub.json()] == ["John Smith stole money from the charity."]
    audit = harness.client.get("/moderate/audit")
    assert "Approved and published (was held for review)." in audit.text and "owner" in audit.text


def test_bulk_search_and_edit(harness: Harness) -> None:
    a = _held(harness, "Jane Doe is a liar and a cheat, alpha")
    b = _held(harness, "Bob Jones took kickbacks, beta")
    harness.login()
    found = harness.client.get("/moderate/?q=kickbacks")
    assert "Bob Jones" in found.text and "Jane Doe" not in found.text
    pct = harness.client.get("/moderate/?q=%25")  # a literal % matches nothing special
    assert "Nothing here" in pct.text
    csrf = harness.csrf()
    r = harness.client.post(
        "/moderate/bulk",
        data={"action": "reject", "ids": [str(a), str(b)], "csrf": csrf, "back": "/moderate/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "2+comment" in r.headers["location"]
    with harness.store.read() as s:
        assert set(s.scalars(select(Comment.status))) == {"rejected"}
    r = harness.client.post(
        f"/moderate/comments/{a}/edit", data={"text": "Edited by the owner", "csrf": csrf}
    )
    assert r.status_code == 200
    with harness.store.read() as s:
        c = s.get(Comment, a)
        assert c is not None and c.text == "Edited by the owner"
        assert c.original_text == "Jane Doe is a liar and a cheat, alpha"
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.comment_id == a)))
    assert actions == ["screened_hold", "reject", "edit"]


def test_open_redirect_refused(harness: Harness) -> None:
    c = harness.client
    page = c.get("/moderate/login?next=https://evil.example/")
    assert 'name="next" value="/moderate/"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post(
        "/moderate/login",
        data={"username": "owner", "password": PASSWORD, "csrf": csrf, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/moderate/"


def test_logout_ends_the_session(harness: Harness) -> None:
    harness.login()
    csrf = harness.csrf()
    r = harness.client.post("/moderate/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with harness.store.read() as s:
        assert list(s.scalars(select(LoginSession))) == []
    assert harness.client.get("/moderate/", follow_redirects=False).status_code == 303


def test_session_expires(harness: Harness) -> None:
    harness.login()
    assert harness.client.get("/moderate/").status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with harness.store.write() as s:
        s.execute(update(LoginSession).values(expires_at=past))
    assert harness.client.get("/moderate/", follow_redirects=False).status_code == 303
    with harness.store.read() as s:
        assert list(s.scalars(select(LoginSession))) == []


def test_session_has_an_absolute_lifetime(sqlite_url: str) -> None:
    h = Harness(sqlite_url, session_max_seconds=1)
    try:
        h.login()
        with h.store.write() as s:
            s.execute(
                update(LoginSession).values(
                    created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
                )
            )
        assert h.client.get("/moderate/", follow_redirects=False).status_code == 303
    finally:
        h.close()


def test_session_cookie_flags(harness: Harness) -> None:
    page = harness.client.get("/moderate/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = harness.client.post(
        "/moderate/login",
        data={"username": "owner", "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and "postcheck_session=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/moderate/" in cookie


@pytest.mark.parametrize("level", ["strict", "relaxed"])
def test_policy_edit_export_import(harness: Harness, level: str) -> None:
    harness.login()
    csrf = harness.csrf("/moderate/sites/blog/policy")
    r = harness.client.post(
        "/moderate/sites/blog/policy",
        data={
            "csrf": csrf,
            "level": level,
            "max_chars": "2000",
            "max_links": "1",
            "hold_spam": "0.4",
            "reject_spam": "0.9",
            "allow": "Dick | a common name in our club",
            "block": "crypto giveaway | scam | reject\nbanana | running joke",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    exported = harness.client.get("/moderate/sites/blog/policy.yaml")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    text = exported.text
    assert f"level: {level}" in text and "crypto giveaway" in text and "a common name" in text
    blocked = harness.comment("blog", "Join our crypto giveaway today")
    assert blocked.json()["decision"] == "reject"
    assert blocked.json()["reasons"][0]["category"] == "blocklist"
    # Import the file into the other site and check it round-trips.
    r = harness.client.post(
        "/moderate/sites/other/policy/import",
        data={"csrf": csrf},
        files={"file": ("p.yaml", text.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = harness.client.get("/moderate/sites/other/policy.yaml").text
    assert again.replace("site: other", "site: blog") == text
    bad = harness.client.post(
        "/moderate/sites/other/policy/import",
        data={"csrf": csrf},
        files={"file": ("p.yaml", b"kind: something-else\n", "application/yaml")},
    )
    assert bad.status_code == 400 and "Import failed" in bad.text
    invalid = harness.client.post(
        "/moderate/sites/blog/policy",
        data={"csrf": csrf, "level": "normal", "hold_hate": "2"},
    )
    assert invalid.status_code == 400 and "not between 0 and 1" in invalid.text


def test_embed_files_served(harness: Harness) -> None:
    js = harness.client.get("/moderate/embed/postcheck-comments.js")
    assert js.status_code == 200 and "textContent" in js.text and "innerHTML" not in js.text
    assert harness.client.get("/moderate/embed/comment-form.html").status_code == 200
    assert harness.client.get("/moderate/embed/../app.py").status_code == 404


# -- the queue's row actions, plain words, time zone and redaction ------------------------

PHONE = "Ring Mere on 021 555 1234 about the fence, she is a liar."


def _csrf_and_back(h: Harness) -> tuple[str, str]:
    page = h.client.get("/moderate/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    back = re.search(r'name="back" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return csrf, back.replace("&amp;", "&")


@pytest.mark.parametrize("action", ["approve", "reject", "hold"])
def test_row_actions_go_back_to_the_queue(sqlite_harness: Harness, action: str) -> None:
    h = sqlite_harness
    cid = _held(h)
    h.login()
    page = h.client.get("/moderate/?status=all")
    # Each row carries its own buttons (inside the bulk form: no nested forms, no script).
    assert f'formaction="/moderate/comments/{cid}/decide" name="action" value="approve"' in (
        page.text
    )
    if action == "hold":  # holding a held comment changes nothing: reject it first
        h.store.decide([cid], "reject", "owner")
    csrf = h.csrf()
    r = h.client.post(
        f"/moderate/comments/{cid}/decide",
        data={"action": action, "csrf": csrf, "back": "/moderate/?status=all&page=1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/moderate/?status=all&page=1&msg=")
    done = {"approve": "approved", "reject": "rejected", "hold": "held"}[action]
    shown = h.client.get(r.headers["location"]).text
    assert f"Comment from Reader {done}." in shown
    state = {"approve": "published", "reject": "rejected", "hold": "held"}[action]
    with h.store.read() as s:
        c = s.get(Comment, cid)
        assert c is not None and c.status == state
    # The row now says so.
    assert {"published": "Published", "rejected": "Rejected", "held": "Held for review"}[
        state
    ] + " by owner" in shown
    # An outside address is never a place to go back to.
    r = h.client.post(
        f"/moderate/comments/{cid}/decide",
        data={"action": "reject", "csrf": csrf, "back": "https://evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/moderate/?msg=")


def test_redact_then_approve(sqlite_harness: Harness) -> None:
    h = sqlite_harness
    cid = _held(h, PHONE)
    h.login()
    queue = h.client.get("/moderate/").text
    assert "Has personal details: phone number." in queue
    assert f'formaction="/moderate/comments/{cid}/redact"' in queue
    assert "Approve as written" in queue  # approving as is stays possible, but not the default
    page = h.client.get(f"/moderate/comments/{cid}").text
    assert "Ring Mere on [phone removed] about the fence" in page  # the preview
    csrf, back = _csrf_and_back(h)
    r = h.client.post(
        f"/moderate/comments/{cid}/redact",
        data={"csrf": "wrong", "back": back},
        follow_redirects=False,
    )
    assert r.status_code == 403
    r = h.client.post(
        f"/moderate/comments/{cid}/redact",
        data={"csrf": csrf, "back": back},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "removed+1+phone+number+and+approved" in r.headers["location"]
    with h.store.read() as s:
        c = s.get(Comment, cid)
        assert c is not None and c.status == "published" and c.decided_by == "owner"
        assert c.text == "Ring Mere on [phone removed] about the fence, she is a liar."
        assert c.original_text == PHONE
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.comment_id == cid)))
    assert [e.action for e in entries] == ["screened_hold", "redact", "approve"]
    assert entries[1].detail["removed"] == {"phone": 1}
    assert "555" not in str(entries[1].detail)  # the detail itself is never recorded
    pub = h.client.get(
        "/api/sites/blog/comments", headers={"Authorization": f"Bearer {h.keys['blog']}"}
    )
    assert [p["text"] for p in pub.json()] == [c.text]
    history = h.client.get(f"/moderate/comments/{cid}").text
    assert "Removed personal details: 1 phone number." in history
    assert "Approved and published (was held for review)." in history
    # Nothing left to remove: the action just approves (and says so).
    r = h.client.post(
        f"/moderate/comments/{cid}/redact", data={"csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "Reader%3A+approved" in r.headers["location"]
    assert h.client.post("/moderate/comments/999/redact", data={"csrf": csrf}).status_code == 404


def _received_at(h: Harness, cid: int, when: dt.datetime) -> None:
    with h.store.write() as s:
        s.execute(update(Comment).where(Comment.id == cid).values(received_at=when))


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        (None, "Sat 6 Dec 2025, 2:14 pm"),  # the default, Pacific/Auckland (NZDT, +13)
        ("Europe/London", "Sat 6 Dec 2025, 1:14 am"),
        ("Pacific/Chatham", "Sat 6 Dec 2025, 2:59 pm"),  # +13:45
    ],
)
def test_times_in_the_owners_time_zone(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, zone: str | None, shown: str
) -> None:
    monkeypatch.delenv("POSTCHECK_TIME_ZONE", raising=False)
    h = Harness(sqlite_url, **({"time_zone": zone} if zone else {}))
    try:
        cid = _held(h)
        _received_at(h, cid, dt.datetime(2025, 12, 6, 1, 14, tzinfo=dt.UTC))
        h.login()
        queue = h.client.get("/moderate/").text
        assert shown in queue and "UTC" not in queue
        assert shown in h.client.get(f"/moderate/comments/{cid}").text
        assert f"Times are shown in {zone or 'Pacific/Auckland'}" in queue
    finally:
        h.close()


def test_time_zone_from_the_environment_and_a_bad_one(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postcheck.moderation.settings import ConfigError, Settings

    monkeypatch.setenv("POSTCHECK_TIME_ZONE", "Asia/Tokyo")
    assert Settings(database_url=sqlite_url).time_zone == "Asia/Tokyo"
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        Harness(sqlite_url, time_zone="Mars/Olympus")


def test_reasons_and_history_in_plain_words(sqlite_harness: Harness) -> None:
    h = sqlite_harness
    cid = _held(h, "You are a pathetic loser and everyone hates you.")
    # A comment screened before reasons were worded: its message is only the label.
    with h.store.write() as s:
        s.execute(
            update(Comment)
            .where(Comment.id == cid)
            .values(
                reasons=[
                    {
                        "category": "harassment",
                        "phase": "engine",
                        "score": 0.99,
                        "action": "hold",
                        "message": "Harassment.",
                        "spans": [{"start": 17, "end": 23, "text": "loser"}],
                        "evidence": ["model:harassment@2=0.99"],
                    }
                ],
                risk=0.99,
            )
        )
    h.login()
    queue = h.client.get("/moderate/").text
    assert "High risk: harassment" in queue
    assert "Singles someone out for abuse or pressure" in queue
    assert "Harassment." not in queue and "0.99" not in queue
    page = h.client.get(f"/moderate/comments/{cid}").text
    assert "model:" not in page and "0.99" not in page
    h.store.decide([cid], "reject", "owner")
    h.store.decide([cid], "hold", "owner")
    for text in (
        page := h.client.get(f"/moderate/comments/{cid}").text,
        h.client.get("/moderate/audit").text,
    ):
        for internal in ("screened_hold", "categories=", "['", "{'", "from=", "login_failed"):
            assert internal not in text
    assert "Screening: Held it for you to review (high risk: " in page
    assert "Rejected (was held for review)." in page and "Held (was rejected)." in page
    assert "Signed in." in h.client.get("/moderate/audit").text


def test_new_reasons_do_not_repeat_their_label(sqlite_harness: Harness) -> None:
    r = sqlite_harness.comment("blog", "You are a pathetic idiot.").json()
    for reason in r["reasons"]:
        assert reason["message"].rstrip(".") != CATEGORY_LABELS[reason["category"]]
    assert "score" in r["reasons"][0]  # scores stay in the API


def test_form_controls_are_labelled(sqlite_harness: Harness) -> None:
    h = sqlite_harness
    cid = _held(h)
    h.login()
    page = h.client.get(f"/moderate/comments/{cid}").text
    assert '<label for="edit-text">' in page and 'id="edit-text"' in page
    queue = h.client.get("/moderate/").text
    assert f'<label for="select-{cid}">' in queue and '<label for="select-all">' in queue

"""The owner's pages: login required, CSRF on every form, escaping, decisions audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from mod_harness import PASSWORD, Harness
from sqlalchemy import select, update

from postcheck.moderation.models import AuditEntry, Comment, LoginSession

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
    scores = [float(x) for x in re.findall(r'<span class="score">([0-9.]+)</span>', page.text)]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
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
    assert "approve" in audit.text and "owner" in audit.text


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

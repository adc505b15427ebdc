"""The comment API: decisions, idempotency, keys scoped to their site, hostile input."""

from __future__ import annotations

import json

from mod_harness import Harness
from sqlalchemy import func, select

from postcheck.moderation.tables import Comment


def _rows(h: Harness, **where: object) -> int:
    with h.store.read() as s:
        q = select(func.count()).select_from(Comment)
        for k, v in where.items():
            q = q.where(getattr(Comment, k) == v)
        return int(s.scalar(q) or 0)


def test_benign_comment_is_published(harness: Harness) -> None:
    r = harness.comment("blog", "Thanks for the write-up, kia ora.", cid="c1")
    assert r.status_code == 201
    body = r.json()
    assert body == {"id": "c1", "decision": "publish", "reasons": [], "advice": []}
    assert _rows(harness, client_id="c1", status="published") == 1


def test_allegation_is_held_with_reasons_and_spans(harness: Harness) -> None:
    text = "John Smith stole money from the charity, he is a crook."
    r = harness.comment("blog", text)
    assert r.status_code == 201
    body = r.json()
    assert body["decision"] == "hold"
    reason = next(x for x in body["reasons"] if x["category"] == "allegation")
    spans = {s["text"] for s in reason["spans"]}
    assert "John Smith" in spans and "stole" in spans
    for s in reason["spans"]:
        assert text[s["start"] : s["end"]] == s["text"]


def test_bait_gets_advice_citing_own_websites(harness: Harness) -> None:
    r = harness.comment("blog", "As a public servant, who do you vote for? Be honest.")
    body = r.json()
    assert body["decision"] == "hold"
    assert [a["kind"] for a in body["advice"]] == ["do-not-respond"]
    clauses = {c["id"] for c in body["advice"][0]["clauses"]}
    assert "own-websites" in clauses


def test_same_id_twice_stores_one_comment(harness: Harness) -> None:
    body = {"id": "retry-1", "author_name": "Ana", "text": "First!"}
    first = harness.post("blog", body)
    second = harness.post("blog", body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    assert _rows(harness, client_id="retry-1") == 1


def test_same_id_different_comment_is_a_conflict(harness: Harness) -> None:
    harness.post("blog", {"id": "x", "author_name": "Ana", "text": "one"})
    r = harness.post("blog", {"id": "x", "author_name": "Ana", "text": "two"})
    assert r.status_code == 409
    assert "already used" in r.json()["detail"]
    assert _rows(harness, client_id="x") == 1


def test_same_id_on_two_sites_is_two_comments(harness: Harness) -> None:
    body = {"id": "shared", "author_name": "Ana", "text": "hello"}
    assert harness.post("blog", body).status_code == 201
    assert harness.post("other", body).status_code == 201
    assert _rows(harness, client_id="shared") == 2


def test_key_cannot_write_or_read_another_site(harness: Harness) -> None:
    other_key = harness.keys["other"]
    w = harness.post("blog", {"id": "a", "author_name": "x", "text": "hi"}, key=other_key)
    assert w.status_code == 403
    assert _rows(harness) == 0
    harness.comment("blog", "a published comment on blog")
    r = harness.client.get(
        "/api/sites/blog/comments", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert r.status_code == 403
    own = harness.client.get(
        "/api/sites/other/comments", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert own.status_code == 200 and own.json() == []


def test_missing_or_unknown_key(harness: Harness) -> None:
    c = harness.client
    r = c.post("/api/sites/blog/comments", json={"id": "a", "author_name": "x", "text": "hi"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = harness.post("blog", {"id": "a", "author_name": "x", "text": "hi"}, key="pcm_not-a-key")
    assert r.status_code == 401
    r = c.get("/api/sites/blog/comments", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    assert _rows(harness) == 0


def test_published_endpoint_lists_only_published_without_emails(harness: Harness) -> None:
    harness.post(
        "blog",
        {
            "id": "p",
            "author_name": "Ana",
            "text": "Nice one",
            "author_email": "ana@example.org",
            "url": "/post/1",
        },
    )
    harness.comment("blog", "John Smith stole money from the charity.", cid="held")
    harness.comment("other", "Comment on the other site", cid="o")
    r = harness.client.get(
        "/api/sites/blog/comments", headers={"Authorization": f"Bearer {harness.keys['blog']}"}
    )
    assert r.status_code == 200
    items = r.json()
    assert [i["id"] for i in items] == ["p"]
    assert "author_email" not in items[0] and "ana@example.org" not in r.text
    by_url = harness.client.get(
        "/api/sites/blog/comments?url=/post/2",
        headers={"Authorization": f"Bearer {harness.keys['blog']}"},
    )
    assert by_url.json() == []


def test_oversized_body_is_refused_before_reading(harness: Harness) -> None:
    huge = json.dumps({"id": "big", "author_name": "x", "text": "a" * 200_000})
    r = harness.post("blog", huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]

    def chunks():  # no Content-Length: the cap applies while streaming
        for _ in range(100):
            yield b"x" * 4096

    r = harness.post("blog", chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert _rows(harness) == 0


def test_text_longer_than_site_allows(harness: Harness) -> None:
    r = harness.comment("blog", "word " * 1500)  # 7500 chars: under the body cap, over policy
    assert r.status_code == 201
    assert r.json()["decision"] == "reject"
    assert r.json()["reasons"][0]["category"] == "validation"


def test_invalid_json_utf8_and_shapes(harness: Harness) -> None:
    cases = [
        (b'{"id": "a", "author_name": "x", "text": ', 400, "not valid JSON"),
        (b'{"id": "a", "author_name": "x", "text": "caf\xe9"}', 400, "not valid UTF-8"),
        (b"[1, 2, 3]", 400, "JSON object"),
        (b'{"id": "a", "text": "hi"}', 422, "author_name"),
        (b'{"id": "", "author_name": "x", "text": "hi"}', 422, "id"),
        (b'{"id": "a", "author_name": "x", "text": "   "}', 422, "blank"),
        (b'{"id": "a", "author_name": "x", "text": "bad \\ud800 surrogate"}', 422, "unicode"),
        (b'{"id": "a", "author_name": "x", "text": "nul \\u0000 byte"}', 422, "control"),
        (b'{"id": "a", "author_name": "x", "text": "hi", "author_email": "nope"}', 422, "email"),
        (
            b'{"id": "a", "author_name": "x", "text": "hi", "url": "javascript:alert(1)"}',
            422,
            "url",
        ),
        (b"", 400, "not valid JSON"),
    ]
    for raw, status, words in cases:
        r = harness.post("blog", raw, headers={"Content-Type": "application/json"})
        assert r.status_code == status, (raw, r.text)
        detail = r.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail
        assert words.lower() in detail.lower(), (raw, detail)
    assert _rows(harness) == 0


def test_html_in_comment_is_stored_verbatim(harness: Harness) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> hello'
    r = harness.comment("blog", text, cid="xss")
    assert r.status_code == 201
    with harness.store.read() as s:
        stored = s.scalars(select(Comment.text).where(Comment.client_id == "xss")).one()
    assert stored == text


def test_cors_preflight(harness: Harness) -> None:
    r = harness.client.options("/api/sites/blog/comments")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in r.headers["access-control-allow-headers"]


def test_openapi_documents_the_api(harness: Harness) -> None:
    spec = harness.client.get("/openapi.json").json()
    post = spec["paths"]["/api/sites/{site}/comments"]["post"]
    assert "201" in post["responses"] and "413" in post["responses"]
    assert "text" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_body_not_sent_as_json_is_415_like_the_checker(harness: Harness) -> None:
    body = json.dumps({"id": "t", "author_name": "x", "text": "hi"})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": ctype} if ctype else {}
        r = harness.post("blog", body.encode(), headers=headers)
        assert r.status_code == 415, ctype
        assert r.json()["detail"] == (
            "Send the request body as JSON (Content-Type: application/json)."
        )
        assert r.headers["access-control-allow-origin"] == "*"
    assert (
        harness.post("blog", body, headers={"Content-Type": "application/json"}).status_code == 201
    )
    assert _rows(harness) == 1


def test_deeply_nested_body_is_a_400_not_a_crash(harness: Harness) -> None:
    deep = b'{"id": "d", "author_name": "x", "text": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    r = harness.post("blog", deep, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {
        "detail": "request body is not acceptable JSON: JSON nested deeper than 64 levels"
    }
    assert _rows(harness) == 0


def test_query_parameter_errors_are_one_line(harness: Harness) -> None:
    auth = {"Authorization": f"Bearer {harness.keys['blog']}"}
    r = harness.client.get("/api/sites/blog/comments?limit=0&before=x", headers=auth)
    assert r.status_code == 422
    assert r.json() == {
        "detail": "query parameter limit: Input should be greater than or equal to 1; "
        "query parameter before: Input should be a valid integer, unable to parse string "
        "as an integer"
    }
    assert r.headers["access-control-allow-origin"] == "*"


def test_size_limit_is_said_as_documented(harness: Harness) -> None:
    from pathlib import Path

    from postcheck.web.security import describe_bytes

    limit = describe_bytes(harness.settings.max_body_bytes)
    r = harness.post(
        "blog",
        b"x" * (harness.settings.max_body_bytes + 1),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["detail"] == f"request body too large: the limit is {limit}"
    docs = (Path(__file__).resolve().parents[2] / "docs" / "moderation.md").read_text("utf-8")
    assert f"body over {limit}" in " ".join(docs.split())

"""The HTTP API: same Report JSON as the CLI, clear errors with the right status codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postcheck import check
from postcheck.guidance import editions, rules
from postcheck.report.json import report_json
from postcheck.shapes import MAX_TEXT_CHARS, Author, Context

RISKY = "Can't wait to vote Labour out. The Three Waters reforms are a disaster for this country."


def post(client: Any, body: Any, path: str = "/api/check", **kw: Any) -> Any:
    return client.post(path, json=body, **kw)


def test_check_returns_the_cli_report_json(client: Any) -> None:
    body = {
        "id": "d1",
        "text": RISKY,
        "platform": "linkedin",
        "date": "2026-05-01",
        "author": {"employer": "Department of Internal Affairs", "topics": ["Three Waters"]},
    }
    r = post(client, body)
    assert r.status_code == 200
    got = r.json()
    ctx = Context(
        platform="linkedin",
        date="2026-05-01",
        author=Author(employer="Department of Internal Affairs", topics=("Three Waters",)),
    )
    expected = report_json(check(RISKY, context=ctx, id="d1"))
    assert got == json.loads(json.dumps(expected))
    assert got["id"] == "d1"
    assert got["risk"] == "high"
    assert got["schema_version"]
    finding = got["findings"][0]
    assert finding["clause"]["url"].startswith("https://")
    assert finding["why"] and finding["fix"] and finding["spans"]
    span = finding["spans"][0]
    assert RISKY[span["start"] : span["end"]] == span["text"]


def test_context_decides_risk(client: Any) -> None:
    loose = post(client, {"text": RISKY, "platform": "facebook"}).json()
    linked = post(client, {"text": RISKY, "platform": "linkedin"}).json()
    assert loose["risk"] in ("low", "medium")
    assert linked["risk"] == "high"


def test_numeric_id_like_the_cli(client: Any) -> None:
    r = post(client, {"id": 7, "text": "Lovely walk today"})
    assert r.status_code == 200 and r.json()["id"] == "7"


def test_platform_alias_and_case(client: Any) -> None:
    r = post(client, {"text": "Lovely walk today", "platform": "Twitter", "kind": "POST"})
    assert r.status_code == 200
    assert r.json()["risk"] == "none"


def test_official_account_is_out_of_scope(client: Any) -> None:
    r = post(client, {"text": RISKY, "account": "official"})
    assert r.status_code == 200
    assert r.json()["out_of_scope"] is True


def test_edition_query_parameter(client: Any) -> None:
    r = post(client, {"text": RISKY, "platform": "linkedin"}, params={"edition": "state-servants"})
    assert r.status_code == 200
    report = r.json()
    assert report["edition"] == "state-servants"
    assert any(f["clause"]["heading_mi"] for f in report["findings"])


def test_edition_follows_the_date(client: Any) -> None:
    r = post(client, {"text": RISKY, "platform": "linkedin", "date": "2019-03-01"})
    assert r.json()["edition"] == "state-servants"


def test_unknown_edition_is_422(client: Any) -> None:
    r = post(client, {"text": RISKY}, params={"edition": "nope"})
    assert r.status_code == 422
    assert "unknown edition" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "text: Field required"),
        ({"text": "hi", "txt": "x"}, "txt: Extra inputs are not permitted"),
        ({"text": "hi", "platform": "myspace"}, "platform: Input should be"),
        ({"text": "hi", "date": "yesterday"}, "date:"),
        ({"text": "hi", "author": {"seniority": "king"}}, "author.seniority"),
        ({"text": "   "}, "post text is empty"),
        ({"text": "a\x00b"}, "NUL"),
        ({"text": 42}, "text: Input should be a valid string"),
    ],
)
def test_bad_input_is_422_with_a_clear_message(client: Any, body: Any, words: str) -> None:
    r = post(client, body)
    assert r.status_code == 422
    assert words in r.json()["detail"]


def test_422_never_echoes_the_draft(client: Any) -> None:
    r = post(client, {"text": "my secret draft", "platform": "myspace"})
    assert r.status_code == 422
    assert "my secret draft" not in r.text


def test_invalid_json_is_422(client: Any) -> None:
    r = client.post(
        "/api/check", content=b'{"text": "hi"', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["detail"]


def test_non_json_body_is_415(client: Any) -> None:
    r = client.post("/api/check", content=b"text=hi", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert "JSON" in r.json()["detail"]


def test_text_over_the_engine_limit_is_422(client: Any) -> None:
    r = post(client, {"text": "a" * (MAX_TEXT_CHARS + 1)})
    assert r.status_code == 422
    assert "text" in r.json()["detail"]


def test_declared_oversize_body_is_413(client: Any, settings: Any) -> None:
    big = json.dumps({"text": "x" * (settings.max_body_bytes + 10)}).encode()
    r = client.post("/api/check", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "limit" in r.json()["detail"]


def test_streamed_oversize_body_is_413_without_content_length(client: Any, settings: Any) -> None:
    sent = 0

    def chunks() -> Any:
        nonlocal sent
        yield b'{"text": "'
        for _ in range(100):
            sent += 100_000
            yield b"x" * 100_000
        yield b'"}'

    r = client.post("/api/check", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_batch_keeps_order(client: Any) -> None:
    body = {
        "posts": [
            {"id": "a", "text": RISKY, "platform": "linkedin"},
            {"id": "b", "text": "Lovely walk up Maungawhau today"},
            {"id": "c", "text": RISKY, "platform": "facebook"},
        ]
    }
    r = post(client, body, "/api/check/batch")
    assert r.status_code == 200
    reports = r.json()["reports"]
    assert [x["id"] for x in reports] == ["a", "b", "c"]
    assert [x["risk"] for x in reports][:2] == ["high", "none"]


def test_batch_errors_name_the_post(client: Any) -> None:
    r = post(client, {"posts": [{"text": "ok"}, {"txt": "bad"}]}, "/api/check/batch")
    assert r.status_code == 422
    assert "posts.1.text" in r.json()["detail"]
    r = post(client, {"posts": [{"text": "ok"}, {"text": "ok"}, {"text": " "}]}, "/api/check/batch")
    assert r.status_code == 422
    assert r.json()["detail"] == "posts.2: post text is empty"


def test_batch_limits(client: Any, settings: Any) -> None:
    assert post(client, {"posts": []}, "/api/check/batch").status_code == 422
    many = {"posts": [{"text": "hi"}] * (settings.max_batch_posts + 1)}
    r = post(client, many, "/api/check/batch")
    assert r.status_code == 413
    assert str(settings.max_batch_posts) in r.json()["detail"]


def test_guidance_endpoint(client: Any) -> None:
    r = client.get("/api/guidance")
    assert r.status_code == 200
    data = r.json()
    assert set(data["editions"]) == set(editions())
    assert {x["id"] for x in data["rules"]} == {x.id for x in rules()}
    clause_ids = {c["id"] for ed in data["editions"].values() for c in ed["clauses"]}
    for x in data["rules"]:
        assert set(x["clauses"]) <= clause_ids


def test_every_rule_is_served_in_full(client: Any) -> None:
    for x in rules():
        r = client.get(f"/api/rules/{x.id}")
        assert r.status_code == 200
        data = r.json()
        assert data["id"] == x.id
        assert data["examples"]["flag"] and "pass" in data["examples"]
        assert data["fix"]


def test_unknown_rule_is_404_json(client: Any) -> None:
    r = client.get("/api/rules/no-such-rule")
    assert r.status_code == 404
    assert "no-such-rule" in r.json()["detail"]


def test_healthz(client: Any) -> None:
    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["rules_version"]


def test_openapi_documents_the_api_with_examples(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/check", "/api/check/batch", "/api/guidance", "/api/rules/{rule_id}"):
        assert path in spec["paths"]
    assert "/healthz" in spec["paths"]
    # Pages are not API.
    assert "/" not in spec["paths"]
    check_schema = spec["components"]["schemas"]["CheckRequest"]
    assert check_schema["examples"][0]["text"]
    assert "422" in spec["paths"]["/api/check"]["post"]["responses"]
    assert "413" in spec["paths"]["/api/check"]["post"]["responses"]


def test_unknown_api_path_is_json_404(client: Any) -> None:
    r = client.get("/api/nothing", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")


def test_one_draft_is_read_thoroughly_a_batch_in_bulk(client: Any) -> None:
    # The transformer reads a single draft whatever the fast model thinks; a batch reads like
    # a scan. A post's evidence says which reading judged it.
    nasty = "You're a pathetic idiot, shut up and go away."
    one = json.dumps(post(client, {"text": nasty}).json())
    many = json.dumps(post(client, {"posts": [{"text": nasty}]}, "/api/check/batch").json())
    assert "model:disrespect@2+encoder=" in one
    assert "model:disrespect@2+encoder=" not in many


def test_body_that_cannot_be_parsed_safely_is_422(client: Any) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for path, body, words in (
        ("/api/check", deep, "JSON nested deeper than 64 levels"),
        ("/api/check/batch", b'{"posts": ' + deep + b"}", "JSON nested deeper than 64 levels"),
        ("/api/check", b'{"text": "caf\xe9"}', "not valid UTF-8 (byte 0xe9 at offset 13)"),
    ):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, (path, r.text)
        assert r.json()["detail"] == f"body: {words}"
        assert r.json()["errors"] == [{"field": "body", "message": words}]


def test_query_parameter_errors_are_one_line(client: Any) -> None:
    r = post(client, {"text": "hi"}, params={"edition": "x" * 65})
    assert r.status_code == 422
    assert r.json()["detail"] == "query parameter edition: String should have at most 64 characters"


def test_batch_character_budget_is_413(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from postcheck.web.app import create_app

    app = create_app(settings.model_copy(update={"max_batch_chars": 1000}))
    with TestClient(app) as c:
        ok = post(c, {"posts": [{"text": "a" * 500}, {"text": "b" * 500}]}, "/api/check/batch")
        assert ok.status_code == 200
        r = post(c, {"posts": [{"text": "a" * 500}, {"text": "b" * 501}]}, "/api/check/batch")
    assert r.status_code == 413
    assert r.json()["detail"] == (
        "Batch has 1,001 characters of text; the limit is 1,000 a request: split it."
    )


def test_batch_stops_when_the_client_goes_away(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from starlette.requests import Request

    from postcheck.web import api

    checked: list[str] = []
    real_check_chunk = api._check_chunk

    def counting(chunk: Any, start: int, edition: str | None) -> list[dict[str, Any]]:
        checked.extend(item.text for item in chunk)
        return real_check_chunk(chunk, start, edition)

    looks = 0

    async def gone_after_first_chunk(self: Request) -> bool:
        nonlocal looks
        looks += 1
        return looks > 1

    monkeypatch.setattr(api, "_check_chunk", counting)
    monkeypatch.setattr(Request, "is_disconnected", gone_after_first_chunk)
    posts = [{"text": f"post {i}"} for i in range(api.CHUNK_POSTS + 5)]
    with caplog.at_level("INFO", logger="postcheck.web"):
        r = post(client, {"posts": posts}, "/api/check/batch")
    assert r.status_code == 499
    assert len(checked) == api.CHUNK_POSTS  # the first chunk only
    assert f"batch abandoned after {api.CHUNK_POSTS} of {len(posts)} posts" in caplog.text
    assert "post 0" not in caplog.text


def test_batch_chunks_hold_a_bounded_amount_of_text() -> None:
    from postcheck.web import api
    from postcheck.web.schemas import CheckRequest

    posts = [CheckRequest(text="x" * n) for n in (10, 60_000, 10, 30_000, 30_000, 5)]
    chunks = [(start, [len(p.text) for p in c]) for start, c in api._chunks(posts)]
    assert chunks == [(0, [10, 60_000]), (2, [10, 30_000, 30_000]), (5, [5])]


def test_documented_limits_are_the_settings() -> None:
    from pathlib import Path

    from postcheck.web.security import _too_large, describe_bytes
    from postcheck.web.settings import WebSettings

    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text("utf-8")
    docs = " ".join(docs.split())  # the docs wrap lines anywhere
    s = WebSettings()
    for limit in (s.max_body_bytes, s.max_batch_body_bytes, s.max_upload_bytes):
        assert describe_bytes(limit) in docs
    assert f"({s.max_batch_posts})" in docs and f"({s.max_batch_chars:,} characters" in docs
    # The 413 says the very words the docs do.
    assert describe_bytes(s.max_body_bytes) in _too_large(s.max_body_bytes)

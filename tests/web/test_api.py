"""The HTTP API: same Report JSON as the CLI, clear errors with the right status codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postcheck import check
from postcheck.guidance import editions, rules
from postcheck.model import MAX_TEXT_CHARS, Author, Context
from postcheck.report.json import report_json

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

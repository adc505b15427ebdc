"""Pages, security headers, CSRF, uploads and log hygiene (no browser needed)."""

from __future__ import annotations

import html as html_lib
import logging
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from postcheck.guidance import editions, rules
from postcheck.web.guidance_view import compare, word_diff
from postcheck.web.jobs import JobStore, Progress, ScanInputError
from postcheck.web.pages import hashed_csp
from postcheck.web.security import CSRF_COOKIE, csrf_valid, new_csrf_token
from postcheck.web.upload import safe_suffix


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self.inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "script" and data.strip():
            self.inline_script = True


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/guidance",
        "/archive",
        "/rules/political-work-linked",
        "/guidance/public-servants/neutrality",
    ],
)
def test_pages_are_self_contained_and_labelled(client: Any, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    tags = parse(r.text)
    assert not tags.inline_script, "inline script would need unsafe-inline"
    for tag, a in tags.tags:
        assert "style" not in a, f"inline style on <{tag}>"
        assert not any(k.startswith("on") for k in a), f"inline handler on <{tag}>"
        if tag in ("script", "img") or (tag == "link" and a.get("rel") != "canonical"):
            src = a.get("src") or a.get("href") or ""
            assert src.startswith("/"), f"<{tag}> loads {src} from elsewhere"
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            assert a.get("id") in tags.label_for, f"<{tag} id={a.get('id')}> has no label"
    assert 'lang="en-NZ"' in r.text
    assert '<main id="main"' in r.text


def test_security_headers(client: Any) -> None:
    for path in ("/", "/api/guidance", "/static/check.js", "/nope"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-frame-options"] == "DENY"
    assert client.get("/").headers["cache-control"] == "no-store"


def test_no_cdn_docs(client: Any) -> None:
    # FastAPI's /docs pulls Swagger UI from a CDN; it is off, the schema stays.
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_html_404_page(client: Any) -> None:
    r = client.get("/nowhere", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "Not found" in r.text and "<html" in r.text


def test_check_page_offers_every_choice(client: Any) -> None:
    html = client.get("/").text
    for value in ("linkedin", "facebook", "x", "reply", "share", "friends", "private", "board"):
        assert f'value="{value}"' in html
    for ed in editions().values():
        assert escape(ed.title) in html
    assert "Department of Internal Affairs" in html  # employer suggestions
    assert 'aria-live="polite"' in html


def test_guidance_page_shows_both_editions_and_rules(client: Any) -> None:
    html = client.get("/guidance").text
    for ed in editions().values():
        assert escape(ed.title) in html and escape(ed.url) in html
        for c in ed.clauses:
            assert f'id="clause-{c.id}"' in html
    assert "“State servants” → “public servants”" in html
    assert 'lang="mi"' in html  # te reo headings of the older edition
    for r in rules():
        assert f'href="/rules/{r.id}"' in html


def visible_text(html: str) -> str:
    """The words on the page, without markup, attributes or hidden-to-everyone parts."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_guidance_page_in_plain_words_current_edition_first(client: Any) -> None:
    html = client.get("/guidance").text
    new, old = editions()["public-servants"], editions()["state-servants"]
    assert html.index(str(escape(new.title))) < html.index(str(escape(old.title)))
    text = visible_text(html)
    # The te reo headings the older edition had are said to be gone once, not on each row.
    assert text.count("dropped") == 1
    for c in new.clauses:
        assert f'href="/guidance/public-servants/{c.id}"' in html
    for r in rules():
        if "-" in r.id:  # one-word ids ("threat") are ordinary words too
            assert f" {r.id} " not in text, f"internal rule id {r.id} shown"
    assert "<code>" not in html.split("<main", 1)[1]


def test_comparison_marks_what_changed() -> None:
    cmp = compare()
    assert ("State servants", "public servants") in cmp.term_changes
    rows = {r.id: r for r in cmp.rows}
    assert set(rows) == {c.id for ed in editions().values() for c in ed.clauses}
    scope = rows["scope"]
    # Every te reo heading went, so that is said once for the page, not on every row.
    assert cmp.mi_dropped and "dropped" in cmp.mi_dropped
    assert not any("dropped" in ch for row in cmp.rows for ch in row.changes)
    assert any(p.op == "delete" and "State" in p.text for p in scope.diff)
    assert any(p.op == "insert" and "public" in p.text for p in scope.diff)
    # Every rule shows up under each clause it cites.
    for r in rules():
        for cid in r.clauses:
            assert r in rows[cid].rules


def test_word_diff_round_trips() -> None:
    old, new = "State servants may post freely.", "Public servants may post, with care."
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.op != "insert") == old
    assert "".join(p.text for p in pieces if p.op != "delete") == new


# --- CSRF and upload -----------------------------------------------------------------------


def archive_token(client: Any) -> str:
    r = client.get("/archive")
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m
    assert client.cookies.get(CSRF_COOKIE) == m.group(1)
    return m.group(1)


def test_csrf_tokens_are_signed() -> None:
    tok = new_csrf_token("k")
    assert csrf_valid("k", tok, tok)
    assert not csrf_valid("other", tok, tok)
    assert not csrf_valid("k", tok, new_csrf_token("k"))
    assert not csrf_valid("k", None, tok)
    forged = "abc." + "0" * 32
    assert not csrf_valid("k", forged, forged)


class FakeScanner:
    """Stands in for the archive reader so the job machinery is tested on its own."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.seen: list[tuple[Path, bytes]] = []
        self.fail = fail

    def __call__(
        self, path: Path, filename: str, progress: Progress
    ) -> tuple[str, dict[str, object]]:
        self.seen.append((path, path.read_bytes()))
        progress.total = 2
        progress.done = 2
        if self.fail:
            raise self.fail
        return "<html><style>p{color:red}</style><p>report</p></html>", {
            "posts": 2,
            "listed": 1,
            "worst": "high",
        }


def uploads_left(settings: Any) -> list[Path]:
    return [p for p in settings.upload_dir.iterdir() if p.name.startswith("postcheck-upload-")]


def install(client: Any, settings: Any, scanner: FakeScanner) -> None:
    client.app.state.jobs = JobStore(settings, scanner=scanner)


def wait_done(client: Any, job_id: str) -> dict[str, Any]:
    for _ in range(200):
        s = client.get(f"/archive/jobs/{job_id}/status").json()
        if s["state"] in ("done", "failed"):
            return dict(s)
        time.sleep(0.02)
    raise AssertionError("job did not finish")


def test_upload_streams_scans_and_deletes(
    client: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postcheck.web")
    scanner = FakeScanner()
    install(client, settings, scanner)
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("my tweets.zip", b"PK\x03\x04 archive bytes", "application/zip")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 202, r.text
    job = r.json()
    status = wait_done(client, job["id"])
    assert status["state"] == "done" and status["done"] == 2
    assert job["id"] not in caplog.text  # the id is the key to the report: never logged
    path, data = scanner.seen[0]
    assert data == b"PK\x03\x04 archive bytes"
    assert path.suffix == ".zip" and "my tweets" not in str(path)
    assert not path.exists() and not path.parent.exists()
    assert uploads_left(settings) == []
    report = client.get(status["report_url"])
    assert report.status_code == 200 and "report" in report.text
    assert "'sha256-" in report.headers["content-security-policy"]
    assert "unsafe-inline" not in report.headers["content-security-policy"]
    page = client.get(job["page_url"])
    assert "Open the report" in page.text


def test_upload_without_js_redirects(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner())
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("a.json", b"[]", "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/archive/jobs/")


def test_upload_needs_the_csrf_token(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner())
    archive_token(client)
    files = {"archive": ("a.zip", b"data", "application/zip")}
    r = client.post("/archive/upload", data={"csrf_token": "forged.0"}, files=files)
    assert r.status_code == 403
    r = client.post("/archive/upload", files=files)
    assert r.status_code == 403
    assert uploads_left(settings) == []


def test_upload_refuses_cross_site_origin(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner())
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("a.zip", b"data", "application/zip")},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_upload_without_js_is_accepted_with_origin_null(client: Any, settings: Any) -> None:
    """Our own Referrer-Policy: no-referrer makes Chromium post a plain form with
    `Origin: null`; the signed token is the protection, so that upload goes through."""
    install(client, settings, FakeScanner())
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("a.json", b"[]", "application/json")},
        headers={"origin": "null"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/archive/upload",
        data={"csrf_token": "forged.0"},
        files={"archive": ("a.json", b"[]", "application/json")},
        headers={"origin": "null"},
    )
    assert r.status_code == 403


def test_archive_page_says_where_reports_are_kept(client: Any, settings: Any) -> None:
    text = visible_text(client.get("/archive").text)
    assert "memory" not in text
    assert "deleted" in text and f"last {settings.max_jobs}" in text


def test_upload_over_the_limit_is_413_and_leaves_nothing(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner())
    token = archive_token(client)
    big = b"x" * (settings.max_upload_bytes + 1)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("big.zip", big, "application/zip")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 413
    assert uploads_left(settings) == []


def test_upload_needs_a_file(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner())
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"other": ("x.txt", b"", "text/plain")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 422
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("empty.zip", b"", "application/zip")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 422 and "empty" in r.json()["detail"]


def test_malformed_multipart_is_400(client: Any, settings: Any) -> None:
    archive_token(client)
    r = client.post(
        "/archive/upload",
        content=b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
        headers={"content-type": "multipart/form-data; boundary=zzz", "accept": "application/json"},
    )
    assert r.status_code in (400, 403)


def test_bad_archive_fails_with_its_message(client: Any, settings: Any) -> None:
    install(client, settings, FakeScanner(fail=ScanInputError("not a zip we know")))
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("a.zip", b"junk", "application/zip")},
        headers={"accept": "application/json"},
    )
    status = wait_done(client, r.json()["id"])
    assert status["state"] == "failed" and status["error"] == "not a zip we know"
    assert client.get(f"/archive/jobs/{status['id']}/report").status_code == 409
    assert uploads_left(settings) == []


def test_crashing_scan_logs_no_post_text(
    client: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    install(client, settings, FakeScanner(fail=RuntimeError("post said: my secret words")))
    token = archive_token(client)
    caplog.set_level(logging.INFO)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": ("a.zip", b"junk", "application/zip")},
        headers={"accept": "application/json"},
    )
    status = wait_done(client, r.json()["id"])
    assert status["state"] == "failed"
    assert "my secret words" not in status["error"]
    assert "my secret words" not in caplog.text


def test_unknown_job_is_404(client: Any) -> None:
    assert client.get("/archive/jobs/nope/status").status_code == 404


def test_safe_suffix() -> None:
    assert safe_suffix("twitter-2026.zip") == ".zip"
    assert safe_suffix("posts.tar.GZ") == ".tar.gz"
    assert safe_suffix("../../etc/passwd") == ""
    assert safe_suffix("x.<script>") == ""


def test_hashed_csp_allows_exactly_the_inline_blocks() -> None:
    policy = hashed_csp("<style>a{}</style><script>1</script>")
    assert policy.count("'sha256-") == 2
    assert "unsafe-inline" not in policy and "unsafe-hashes" not in policy
    with_attrs = hashed_csp('<i style="color: red"></i><b style=\'x\'></b><i style="color: red">')
    style_src = next(d for d in with_attrs.split("; ") if d.startswith("style-src"))
    assert "'unsafe-hashes'" in style_src and style_src.count("'sha256-") == 2


# --- logs ----------------------------------------------------------------------------------


def test_access_log_has_no_post_text_or_query(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Zebra-quokka secret draft about the Minister"
    client.post("/api/check", json={"text": secret, "platform": "linkedin"})
    client.post("/api/check", json={"text": secret, "platform": "myspace"})
    client.get("/?text=" + secret.replace(" ", "+"))
    # httpx logs the test client's own requests; everything else is the server's.
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert not any("Zebra-quokka" in m for m in server_side)
    lines = [r.getMessage() for r in caplog.records if r.name == "postcheck.web"]
    assert any(line.startswith("POST /api/check 200") for line in lines)
    assert any(line.startswith("GET / 200") for line in lines)


# --- the real scanner (postcheck.scan, from the scan door) ---------------------------------


def _zip_of_posts(posts: list[dict[str, str]]) -> bytes:
    import io
    import json
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("posts.jsonl", "\n".join(json.dumps(p) for p in posts))
    return buf.getvalue()


def _upload(client: Any, name: str, data: bytes) -> dict[str, Any]:
    token = archive_token(client)
    r = client.post(
        "/archive/upload",
        data={"csrf_token": token},
        files={"archive": (name, data, "application/zip")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 202, r.text
    return wait_done(client, r.json()["id"])


POSTS = [
    {"text": "Vote Labour out, Three Waters is a disaster", "date": "2026-03-01"},
    {"text": "Lovely walk up Maungawhau today", "date": "2026-03-02"},
]


def _tar_gz_of_posts(posts: list[dict[str, str]]) -> bytes:
    import io
    import json
    import tarfile

    data = "\n".join(json.dumps(p) for p in posts).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo("export/posts.jsonl")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "make"),
    [("history.zip", _zip_of_posts), ("history.tar.gz", _tar_gz_of_posts)],
)
def test_real_scan_of_an_uploaded_archive(client: Any, settings: Any, name: str, make: Any) -> None:
    status = _upload(client, name, make(POSTS))
    assert status["state"] == "done", status
    assert status["summary"]["posts"] == 2
    report = client.get(status["report_url"])
    assert name in report.text and "upload." not in report.text
    assert str(settings.upload_dir) not in report.text
    assert uploads_left(settings) == []


def test_real_scan_of_a_broken_archive(client: Any, settings: Any) -> None:
    status = _upload(client, "broken.zip", b"PK\x03\x04 this is not really a zip")
    assert status["state"] == "failed"
    assert "broken.zip" in status["error"] and "upload" not in status["error"]
    assert uploads_left(settings) == []


def test_extra_routers_share_the_security(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    from fastapi import APIRouter
    from fastapi.testclient import TestClient

    from postcheck.web.app import create_app

    router = APIRouter()

    @router.get("/moderation/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @router.get("/moderation/boom")
    def boom() -> None:
        raise ValueError("input_value='a very private comment'")

    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings, extra_routers=[router])) as c:
        r = c.get("/moderation/ping")
        assert r.json() == {"pong": "yes"}
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        r = c.get("/moderation/boom")
        assert r.status_code == 500 and r.json() == {"detail": "Internal error."}
    assert "very private" not in caplog.text
    assert "unhandled ValueError" in caplog.text


def test_uploads_wait_when_every_slot_is_scanning(client: Any, settings: Any) -> None:
    import threading

    gate = threading.Event()

    class Slow(FakeScanner):
        def __call__(self, path: Path, filename: str, progress: Progress) -> Any:
            gate.wait(10)
            return super().__call__(path, filename, progress)

    install(client, settings, Slow())
    token = archive_token(client)

    def send() -> Any:
        return client.post(
            "/archive/upload",
            data={"csrf_token": token},
            files={"archive": ("a.zip", b"data", "application/zip")},
            headers={"accept": "application/json"},
        )

    try:
        codes = [send().status_code for _ in range(settings.max_jobs + 1)]
        assert codes[:-1] == [202] * settings.max_jobs
        assert codes[-1] == 503
        # Shutting down with scans still queued deletes their uploads.
        client.app.state.jobs.shutdown()
    finally:
        gate.set()
    for _ in range(100):
        if not uploads_left(settings):
            break
        time.sleep(0.05)
    assert uploads_left(settings) == []


def test_jobs_are_shared_between_workers_and_removed_on_shutdown(settings: Any) -> None:
    upload = settings.upload_dir / "postcheck-upload-x"
    upload.mkdir()
    (upload / "upload.zip").write_bytes(b"data")
    worker_a = JobStore(settings, scanner=FakeScanner())
    worker_b = JobStore(settings, scanner=FakeScanner())  # another uvicorn worker
    job = worker_a.submit(upload / "upload.zip", "a.zip")
    for _ in range(200):
        seen = worker_b.get(job.id)
        if seen is not None and seen.finished:
            break
        time.sleep(0.02)
    assert seen is not None and seen.state == "done"
    assert seen.summary == {"posts": 2, "listed": 1, "worst": "high"}
    assert "report" in (worker_b.report_html(job.id) or "")
    assert not upload.exists()
    worker_b.shutdown()  # not b's job: stays
    assert worker_a.get(job.id) is not None
    worker_a.shutdown()
    assert worker_a.get(job.id) is None
    assert not worker_a.root.exists()


def test_job_ids_cannot_walk_the_disk(client: Any, settings: Any) -> None:
    store = client.app.state.jobs
    assert store.get("../../etc") is None and store.report_html("..%2F..") is None
    assert client.get("/archive/jobs/..%2F..%2Fetc/status").status_code == 404


def test_a_flood_of_form_fields_is_refused(client: Any, settings: Any) -> None:
    token = archive_token(client)
    data = {"csrf_token": token, **{f"f{i}": "x" for i in range(50)}}
    r = client.post(
        "/archive/upload",
        data=data,
        files={"archive": ("a.zip", b"data", "application/zip")},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 413
    assert uploads_left(settings) == []


# --- the check page without JavaScript, and its plain words --------------------------------

RISKY_DRAFT = "Luxon is a liar and anyone who votes National is an idiot"
ADVISER = {"employer": "MBIE", "role": "policy adviser"}


def post_check(client: Any, path: str = "/", **fields: str) -> Any:
    form = {"text": RISKY_DRAFT, "platform": "linkedin", **ADVISER, **fields}
    # Multipart, as the page's form sends it: the draft travels as raw UTF-8.
    return client.post(path, files={k: (None, v) for k, v in form.items()})


def test_check_form_posts_and_asks_for_the_platform_first(client: Any) -> None:
    html = client.get("/").text
    form = re.search(r"<form id=\"check-form\"[^>]*>", html)
    assert form and 'method="post"' in form.group(0)
    select = html.split('<select id="platform"', 1)[1].split("</select>", 1)[0]
    assert "required" in select.split(">", 1)[0]
    assert '<option value="" selected>' in select  # no silent "Somewhere else"
    assert html.index('id="platform"') < html.index('id="text"')


def test_check_without_js_renders_the_whole_result(client: Any) -> None:
    r = post_check(client)
    assert r.status_code == 200
    html = r.text
    text = visible_text(html.split('id="share"', 1)[0])
    # The verdict, said once: in the chip, not again as a summary or a heading.
    assert text.count("Don't post High risk") == 1
    assert "Don't post:" not in text
    findings = re.findall(r'<li class="finding[^"]*" id="finding-(\d+)"', html)
    assert len(findings) >= 2
    # One marker per finding, not one per marked word.
    assert len(re.findall(r'class="marker"', html)) == len(findings)
    for rule_id in ("political-work-linked", "disrespect"):
        assert f'href="/rules/{rule_id}"' in html
    assert RISKY_DRAFT in html  # the draft comes back in the box to edit
    # Plain words: no signal names, list entries or scores.
    for internal in ("polity:", "politician:", "model:", "party:", "insult:", "@2=", "0.9"):
        assert internal not in text, internal
    # Fixes fit the draft: it names no employer or job title to remove.
    assert "Remove the employer" not in html
    assert "Don't post this from an account or profile that shows where you work" in text


def test_check_result_keeps_the_fix_the_draft_needs(client: Any) -> None:
    r = post_check(client, text="As a policy adviser at MBIE I think the Nats are a disgrace")
    assert "Remove the employer, job title and work hashtags" in r.text


def test_clause_headings_tell_clauses_apart(client: Any) -> None:
    html = post_check(client).text
    labels = re.findall(r'<a href="/guidance/[^/]+/[^"]+">(§[^<]+)</a>', html)
    assert len(labels) >= 3
    assert len(set(labels)) == len(labels), labels


def test_manager_summary_is_honest_about_the_profile(client: Any) -> None:
    html = post_check(client).text
    hint = html.split('id="share-hint"', 1)[1].split("</p>", 1)[0]
    assert "profile is not included" not in hint
    assert "employer" in hint  # it says the advice can name the employer


def test_missing_platform_is_asked_for_not_assumed(client: Any) -> None:
    r = post_check(client, platform="")
    assert r.status_code == 422
    assert "Choose where you will post it" in r.text
    assert 'aria-invalid="true"' in r.text
    assert RISKY_DRAFT in r.text  # nothing typed is lost
    assert 'id="finding-1"' not in r.text


def test_result_fragment_for_the_script(client: Any) -> None:
    r = post_check(client, "/check/result")
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="checkbar">')
    assert 'id="chip"' in r.text and 'id="finding-1"' in r.text
    assert "<html" not in r.text


def test_segments_mark_each_character_once_and_number_each_finding_once() -> None:
    from postcheck.shapes import ClauseRef, Finding, Risk, Span
    from postcheck.web.result_view import FindingView, segments

    ref = ClauseRef(edition="public-servants", id="disrespect", section="3.2", heading="h", url="u")

    def finding(level: Risk, *spans: tuple[int, int]) -> Finding:
        return Finding(
            rule="r",
            level=level,
            title="t",
            clause=ref,
            message="m",
            why="w",
            fix=("f",),
            spans=tuple(Span(start=a, end=b, text="x") for a, b in spans),
        )

    text = "abcdefghij"
    fs = [finding(Risk.high, (0, 4), (8, 10)), finding(Risk.low, (2, 6))]
    views = [FindingView.__new__(FindingView) for _ in fs]
    for i, v in enumerate(views, start=1):
        object.__setattr__(v, "n", i)
    segs = segments(text, views, fs)
    assert "".join(s.text for s in segs) == text
    assert [s.text for s in segs if s.level] == ["ab", "cd", "ef", "ij"]
    assert [s.level for s in segs if s.level] == ["high", "high", "low", "high"]
    assert [n for s in segs for n in s.markers] == [1, 2]  # each once, after its first span


def test_rule_pages_explain_each_rule(client: Any) -> None:
    current = editions()["public-servants"]
    for r in rules():
        page = client.get(f"/rules/{r.id}")
        assert page.status_code == 200, r.id
        html = page.text
        assert str(escape(r.title)) in html
        assert escape(current.url) in html or not any(c.id in r.clauses for c in current.clauses)
        for ex in (*r.examples.flag, *r.examples.pass_):
            assert str(escape(ex.text)) in html
        assert "{servants}" not in html and "{employer}" not in html


def test_clause_pages_show_each_clause(client: Any) -> None:
    for ed in editions().values():
        for c in ed.clauses:
            page = client.get(f"/guidance/{ed.id}/{c.id}")
            assert page.status_code == 200, (ed.id, c.id)
            assert str(escape(c.paraphrase)) in page.text
            assert f"§{c.section}" in page.text
    neutrality = client.get("/guidance/public-servants/neutrality").text
    assert 'href="/rules/political-personal"' in neutrality


@pytest.mark.parametrize(
    "path", ["/rules/no-such-rule", "/guidance/public-servants/nope", "/guidance/nope/scope"]
)
def test_unknown_rule_or_clause_is_a_404_page(client: Any, path: str) -> None:
    r = client.get(path, headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "Not found" in r.text and "/guidance" in r.text


def test_posted_check_logs_no_draft(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    post_check(client)
    post_check(client, "/check/result", platform="")
    assert "liar" not in caplog.text and "idiot" not in caplog.text
    assert "POST / 200" in caplog.text

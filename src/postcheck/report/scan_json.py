"""The one serialiser of a scan: every JSON shape a scan writes is built here.

The spool, the JSON and JSON Lines files, CSV and the HTML report all start from these
shapes (docs/scan.md, "Scan JSON schema", versioned by SCAN_SCHEMA_VERSION), so a field
changes in one place and every output changes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from postcheck.report.json import report_json
from postcheck.shapes import Post, Report, Risk

if TYPE_CHECKING:
    from postcheck.scan import ScanResult, SourceResult, Summary

#: Bumped when the JSON shape of a scan changes; see docs/scan.md ("Scan JSON schema").
SCAN_SCHEMA_VERSION = "1.2"


def post_json(post: Post) -> dict[str, Any]:
    c = post.context
    return {
        "id": post.id,
        "url": post.url,
        "platform": c.platform.value,
        "kind": c.kind.value,
        "visibility": c.visibility.value,
        "date": c.date.isoformat() if c.date else None,
        "text": post.text,
    }


def item_json(
    seq: int, source: int, post: Post, report: Report, reviewed: Sequence[str] = ()
) -> dict[str, Any]:
    from postcheck.baseline import fingerprint, text_hash

    digest = text_hash(post.text)
    rules = [f.rule for f in report.findings]
    return {
        "n": seq,
        "source": source,
        "post": post_json(post),
        "report": report_json(report),
        # What a baseline entry needs, so the report page can mark a post reviewed without
        # the file ever holding the text.
        "fingerprint": fingerprint(post.context.platform.value, post.id, digest, rules),
        "text_sha256": digest,
        "reviewed_rules": sorted(reviewed),
    }


def source_json(src: SourceResult) -> dict[str, Any]:
    prof = None
    if src.profile is not None:
        prof = {
            "platform": src.profile.platform.value,
            "handle": src.profile.handle,
            "name": src.profile.name,
            "url": src.profile.url,
            "texts": [{"label": k, "text": v} for k, v in src.profile.texts],
            "author": src.profile.author.model_dump(mode="json"),
            "report": report_json(src.profile_report) if src.profile_report else None,
        }
    return {
        "path": src.path,
        "format": src.format,
        "label": src.label,
        "error": src.error,
        "stats": src.stats.to_dict(),
        "profile": prof,
    }


def summary_json(s: Summary) -> dict[str, Any]:
    return {
        "posts_read": s.posts,
        "posts_checked": s.checked,
        "posts_failed": dict(s.failed),
        "posts_listed": s.kept,
        "posts_reviewed": s.reviewed,
        "worst_risk": s.worst.value,
        "by_risk": {r.value: s.by_risk.get(r.value, 0) for r in Risk},
        "by_rule": [
            {"rule": k, "title": s.rule_titles.get(k), "findings": n}
            for k, n in s.by_rule.most_common()
        ],
        "by_clause": [{**s.clauses[k], "findings": n} for k, n in s.by_clause.most_common()],
        "by_month": {
            m: {r.value: c.get(r.value, 0) for r in Risk} | {"posts": c["posts"]}
            for m, c in sorted(s.by_month.items())
        },
        "by_platform": dict(s.by_platform.most_common()),
        "by_kind": dict(s.by_kind.most_common()),
        "first_date": s.first.isoformat() if s.first else None,
        "last_date": s.last.isoformat() if s.last else None,
        "complete": s.complete,
        "interrupted": s.interrupted,
        "incomplete": list(s.incomplete),
    }


def head_json(result: ScanResult) -> dict[str, Any]:
    """Everything about a scan but its items: the head of the JSON document, the summary
    line of JSON Lines, and what the HTML report's header and charts are drawn from."""
    from postcheck import __version__

    return {
        "schema": "postcheck.scan",
        "schema_version": SCAN_SCHEMA_VERSION,
        "postcheck_version": __version__,
        "rules_version": result.rules_version,
        "edition": result.edition,
        "min_risk": result.min_risk.value,
        "started": result.started.isoformat(),
        "finished": result.finished.isoformat() if result.finished else None,
        "sources": [source_json(s) for s in result.sources],
        "summary": summary_json(result.summary),
    }

"""SARIF 2.1.0 output, so editors and CI systems can show findings inline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from postcheck import __version__
from postcheck.guidance import rules
from postcheck.shapes import Report, Risk

SARIF_LEVEL = {Risk.high: "error", Risk.medium: "warning", Risk.low: "note", Risk.none: "note"}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def sarif_log(items: Iterable[tuple[Report, str, str]]) -> dict[str, Any]:
    """`items` are (report, post text, artifact uri) triples."""
    driver_rules = [
        {
            "id": r.id,
            "name": r.id,
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.message.strip()},
            "help": {"text": r.why.strip() + "\n\nFix:\n- " + "\n- ".join(r.fix)},
            "defaultConfiguration": {"level": SARIF_LEVEL[r.level]},
        }
        for r in rules()
    ]
    results = []
    for report, text, uri in items:
        for f in report.findings:
            locs = []
            for s in f.spans or ():
                sl, sc = _line_col(text, s.start)
                el, ec = _line_col(text, s.end)
                locs.append(
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {
                                "charOffset": s.start,
                                "charLength": s.end - s.start,
                                "startLine": sl,
                                "startColumn": sc,
                                "endLine": el,
                                "endColumn": ec,
                            },
                        }
                    }
                )
            results.append(
                {
                    "ruleId": f.rule,
                    "level": SARIF_LEVEL[f.level],
                    "message": {
                        "text": f"{f.message.strip()} ({f.clause.edition} {f.clause.section} "
                        f"{f.clause.heading})"
                    },
                    "locations": locs or [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                    "properties": {
                        "risk": f.level.value,
                        "clause": f.clause.model_dump(mode="json"),
                        "fix": list(f.fix),
                        "postId": report.id,
                    },
                    **_fixes(f.rewrite, uri, text),
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "postcheck",
                        "version": __version__,
                        "informationUri": "https://publicservice.govt.nz/guidance/guidance-use-of-social-media-for-public-servants/",
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _fixes(rewrite: str | None, uri: str, text: str) -> dict[str, Any]:
    """SARIF's own fix object for a suggested rewrite: the whole draft replaced, since the
    tidying around a removed word reaches past the marked span."""
    if not rewrite:
        return {}
    change = {
        "artifactLocation": {"uri": uri},
        "replacements": [
            {
                "deletedRegion": {"charOffset": 0, "charLength": len(text)},
                "insertedContent": {"text": rewrite},
            }
        ],
    }
    return {"fixes": [{"description": {"text": "Try instead"}, "artifactChanges": [change]}]}

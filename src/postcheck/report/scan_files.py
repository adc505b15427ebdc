"""Machine-readable scan output: JSON (one document), JSON Lines (streamed), CSV.

Shapes are documented in docs/scan.md ("Scan JSON schema") and versioned by SCAN_SCHEMA_VERSION.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from postcheck.report.scan_json import head_json, post_json
from postcheck.scan import ScanResult

CSV_COLUMNS = (
    "risk",
    "verdict",
    "date",
    "platform",
    "kind",
    "visibility",
    "url",
    "id",
    "rules",
    "clauses",
    "summary",
    "text",
    "source",
)


def write_json(result: ScanResult, out: IO[str], limit: int | None = None) -> None:
    """One JSON document; `items` worst first, streamed from the spool."""
    head = head_json(result)
    text = json.dumps(head, ensure_ascii=False, indent=1)
    out.write(text[:-2] if text.endswith("\n}") else text[:-1])
    out.write(',\n "items": [')
    for i, item in enumerate(result.spool.worst_first(limit)):
        out.write(("," if i else "") + "\n  " + json.dumps(item, ensure_ascii=False))
    out.write("\n ]\n}\n")


def jsonl_item(item: dict[str, Any]) -> str:
    return json.dumps({"type": "item", **item}, ensure_ascii=False) + "\n"


def jsonl_summary(result: ScanResult) -> str:
    return json.dumps({"type": "summary", **head_json(result)}, ensure_ascii=False) + "\n"


def csv_row(item: dict[str, Any], result: ScanResult) -> list[str]:
    p, r = item["post"], item["report"]
    src = result.sources[item["source"]].path if item["source"] < len(result.sources) else ""
    return [
        r["risk"],
        r["verdict"],
        p["date"] or "",
        p["platform"],
        p["kind"],
        p["visibility"],
        p["url"] or "",
        p["id"] or "",
        " ".join(f["rule"] for f in r["findings"]),
        " ".join(
            sorted({f"{f['clause']['edition']}:{f['clause']['section']}" for f in r["findings"]})
        ),
        r["summary"],
        p["text"],
        src,
    ]


def write_csv(result: ScanResult, out: IO[str], limit: int | None = None) -> None:
    """Worst first, one row per post; profile audits first with kind `bio`."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    from postcheck.report.json import report_json

    for i, s in enumerate(result.sources):
        if s.profile is None or s.profile_report is None:
            continue
        from postcheck.profile_audit import profile_post

        post = profile_post(s.profile)
        if post is None:
            continue
        item = {"source": i, "post": post_json(post), "report": report_json(s.profile_report)}
        w.writerow(csv_row(item, result))
    for item in result.spool.worst_first(limit):
        w.writerow(csv_row(item, result))

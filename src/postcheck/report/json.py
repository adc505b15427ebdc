"""The versioned JSON form of a Report (docs/report-schema.md describes every field)."""

from __future__ import annotations

from typing import Any

from postcheck.shapes import REPORT_SCHEMA_VERSION, Report

__all__ = ["REPORT_SCHEMA_VERSION", "report_json"]


def report_json(report: Report) -> dict[str, Any]:
    """Plain JSON-able dict; enum values as strings, dates in ISO 8601."""
    return report.model_dump(mode="json")


def json_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(mode="serialization")
    schema["$id"] = f"https://postcheck.invalid/schema/report/{REPORT_SCHEMA_VERSION}"
    schema["title"] = f"postcheck Report v{REPORT_SCHEMA_VERSION}"
    return schema

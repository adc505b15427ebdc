"""Golden output: the text, JSON and SARIF that fixed drafts produce (tests/golden/).

Version stamps (package version, rules hash) are masked; everything else a person or a tool
reads is compared byte for byte. POSTCHECK_UPDATE_GOLDEN=1 rewrites the files after a
deliberate change.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from postcheck import check
from postcheck.report.json import report_json
from postcheck.report.sarif import sarif_log
from postcheck.report.text import render_text
from postcheck.shapes import Context

GOLDEN = Path(__file__).parent / "golden"
DRAFTS = yaml.safe_load((GOLDEN / "drafts.yaml").read_text(encoding="utf-8"))
UPDATE = os.environ.get("POSTCHECK_UPDATE_GOLDEN") == "1"

_STAMPS = re.compile(r'("(?:rules_version|postcheck_version|version|semanticVersion)": )"[^"]*"')


_TEXT_STAMPS = re.compile(r"rules \S+ \| postcheck \S+")
# Model scores may differ in the last digits between CPUs (onnxruntime picks kernels by
# instruction set); the verdict, findings, spans and wording may not.
_SCORES = re.compile(r'("score": )-?[0-9.e-]+|(=)[0-9]\.[0-9]+(")')


def _mask(text: str) -> str:
    text = _SCORES.sub(
        lambda m: (m.group(1) or m.group(2)) + '"*"' if m.group(1) else "=*" + m.group(3), text
    )
    return _TEXT_STAMPS.sub("rules * | postcheck *", _STAMPS.sub(r'\1"*"', text))


def _outputs(draft: dict[str, Any]) -> dict[str, str]:
    report = check(draft["text"], Context.model_validate(draft["context"]), id=draft["name"])
    buf = io.StringIO()
    render_text(report, draft["text"], Console(file=buf, width=100, color_system=None))
    sarif = sarif_log([(report, draft["text"], f"{draft['name']}.txt")])
    return {
        "txt": _mask(buf.getvalue()),
        "json": _mask(json.dumps(report_json(report), indent=2, ensure_ascii=False)) + "\n",
        "sarif": _mask(json.dumps(sarif, indent=2, ensure_ascii=False)) + "\n",
    }


@pytest.mark.parametrize("draft", DRAFTS, ids=[d["name"] for d in DRAFTS])
def test_output_matches_golden(draft: dict[str, Any]) -> None:
    for ext, got in _outputs(draft).items():
        path = GOLDEN / f"{draft['name']}.{ext}"
        if UPDATE or not path.exists():
            path.write_text(got, encoding="utf-8")
            continue
        want = path.read_text(encoding="utf-8")
        assert got == want, f"{path.name} differs: POSTCHECK_UPDATE_GOLDEN=1 to accept"

"""The scan's self-contained HTML report: inline CSS, JS and SVG; no network, no CDN.

Its Content-Security-Policy allows only its own style and script, by hash, and only http(s)
links from the archive are made clickable.

Rendered from a Jinja2 template shipped in the package with autoescaping on, and streamed
to the file item by item (worst first, from the scan's spool), so a large archive never
has to be held in memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from postcheck.baseline import Baseline
from postcheck.report.scan_chart import CHART_COLOUR, month_name, timeline_svg, yearly_svg
from postcheck.report.scan_json import head_json
from postcheck.report.spans import Mark, segments
from postcheck.scan import ScanResult
from postcheck.shapes import VERDICTS, Risk

#: Badge and border colours, each with the text colour that passes WCAG AA on it (at least
#: 4.5:1): the risk words sit on these in every badge.
RISK_COLOUR = {"none": "#2e6b3a", "low": "#f2c94c", "medium": "#f59e42", "high": "#b3261e"}
RISK_TEXT = {"none": "#ffffff", "low": "#1f2933", "medium": "#1f2933", "high": "#ffffff"}
#: What each risk means to the reader; internal level names stay out of the page.
VERDICT_WORDS = {r.value: v for r, v in VERDICTS.items()}
#: Rules that fire because of the profile (its "views my own" disclaimer), not the post's
#: words: the profile section explains them once and each post only names them.
PROFILE_RULES = frozenset({"disclaimer-not-enough"})


@functools.cache
def _env() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("postcheck", "report/templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["month_name"] = month_name
    env.globals["link"] = link
    env.globals["verdict"] = VERDICT_WORDS
    env.globals["profile_rules"] = PROFILE_RULES
    env.globals["finding_fingerprint"] = _finding_fingerprint
    from postcheck.profile_audit import disclaimer_note, has_disclaimer

    env.globals["has_disclaimer"] = has_disclaimer
    env.globals["disclaimer_note"] = disclaimer_note
    return env


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a browser would read differently.

    Links come from the archive, which anyone could have edited: a `javascript:` link would
    run when clicked in the report, and `data:` or `file:` ones are no better. Browsers drop
    tabs and newlines inside URLs and trim control characters and spaces from their ends
    before reading the scheme, so any of those disqualify a URL rather than being cleaned.
    """
    if not url or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link(url: str | None, text: str, cls: str | None = None) -> Markup:
    """A link for a web URL; anything else is shown as text, never made clickable."""
    css = f' class="{escape(cls)}"' if cls else ""
    if url and is_web_url(url):
        return Markup(f'<a href="{escape(url)}" rel="noreferrer"{css}>{escape(text)}</a>')
    if not url:
        return Markup(f"<span{css}>{escape(text)}</span>")
    return Markup(
        f'<span class="not-a-link">{escape(text)}: {escape(url)} '
        "(not a web link, so not clickable)</span>"
    )


def _csp_hash(body: str) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


@dataclass(frozen=True)
class InlineAssets:
    """The report's one style block and one script, and a CSP that allows exactly them.

    The report is opened from disk, where nothing but this meta policy protects it: hashes
    let the report's own style and script run and nothing else (no 'unsafe-inline').
    """

    css: Markup
    js: Markup
    csp: str


@functools.cache
def inline_assets() -> InlineAssets:
    env = _env()
    css = env.get_template("scan.css.j2").render(
        colours=RISK_COLOUR, text=RISK_TEXT, chart=CHART_COLOUR
    )
    js = env.get_template("scan.js").render()
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src {_csp_hash(css)}",
            f"script-src {_csp_hash(js)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    # Markup: the blocks are ours and must reach the page byte for byte, or the hashes fail.
    return InlineAssets(Markup(css), Markup(js), csp)


def highlight(text: str, report: dict[str, Any]) -> Markup:
    """The post with every finding's spans marked (highest level wins where they overlap).

    A mark's title names the findings whose spans start where it starts, or else its level.
    """
    out: list[str] = []
    for seg in segments(text, _marks(text, report), strongest=True):
        chunk = escape(seg.text)
        if seg.rank is None:
            out.append(str(chunk))
            continue
        name = Risk.from_rank(seg.rank).value
        title = escape("; ".join(seg.labels) or VERDICT_WORDS[name])
        out.append(f'<mark class="r-{name}" title="{title}">{chunk}</mark>')
    return Markup("".join(out))


def _marks(text: str, report: dict[str, Any]) -> Iterator[Mark]:
    """Each finding's spans, in order; spans of stop words or punctuation alone ("the", "no",
    "it's") are left out: a highlight should show the reader the words that matter."""
    from postcheck.detect.base import carries_meaning

    for f in report.get("findings") or []:
        rank = Risk(f["level"]).rank
        for s in f.get("spans") or []:
            start, end = int(s["start"]), int(s["end"])
            if carries_meaning(text[start:end]):
                yield Mark(start, end, rank, f["title"])


def _disclaimer_sources(result: ScanResult) -> frozenset[int]:
    """Sources whose profile carries a "views my own" disclaimer, explained once there."""
    from postcheck.profile_audit import has_disclaimer

    return frozenset(
        i
        for i, s in enumerate(result.sources)
        if s.profile is not None
        and s.profile_report is not None
        and has_disclaimer(s.profile.audit_text)
    )


def _finding_fingerprint(item: dict[str, Any], rule: str) -> str:
    from postcheck.baseline import fingerprint

    post = item["post"]
    return fingerprint(post["platform"], post["id"], item["text_sha256"], [rule])


def render_html(
    result: ScanResult,
    out: IO[str],
    limit: int | None = None,
    baseline: Baseline | None = None,
    baseline_name: str = "reviewed.json",
) -> None:
    """Write the report to `out`, streaming the worst-first list from the spool.

    `baseline` (the reviews this scan applied) is embedded without any post text, so that
    reviews marked in the page are downloaded together with the earlier ones.
    """
    from postcheck.guidance import editions

    head = head_json(result)
    items: Iterator[dict[str, Any]] = result.spool.worst_first(limit)
    template = _env().get_template("scan.html.j2")
    eds = editions()
    for chunk in template.generate(
        head=head,
        summary=head["summary"],
        sources=result.sources,
        items=items,
        limit=limit,
        listed=min(result.spool.count, limit) if limit else result.spool.count,
        chart=timeline_svg(result),
        chart_years=yearly_svg(result),
        colours=RISK_COLOUR,
        risks=[r.value for r in Risk],
        editions=eds,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        inline=inline_assets(),
        rule_whys=result.summary.rule_whys,
        disclaimer_sources=_disclaimer_sources(result),
        months=[(m, c) for m, c in head["summary"]["by_month"].items() if c.get("posts")],
        baseline_json=(baseline or Baseline()).to_json(),
        baseline_name=baseline_name,
        rules_version=result.rules_version,
    ):
        out.write(chunk)

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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from postcheck.model import Risk
from postcheck.scan import ScanResult

_EMPTY: Counter[str] = Counter()
RISK_COLOUR = {"none": "#9aa5b1", "low": "#e0b400", "medium": "#e8740c", "high": "#c62828"}


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
    env.globals["link"] = link
    from postcheck.profile_audit import DISCLAIMER_EXPLAINED, has_disclaimer

    env.globals["has_disclaimer"] = has_disclaimer
    env.globals["disclaimer_note"] = DISCLAIMER_EXPLAINED
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
    css = env.get_template("scan.css.j2").render(colours=RISK_COLOUR)
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
    """The post with every finding's spans marked (highest level wins where they overlap)."""
    level = [0] * (len(text) + 1)
    titles: dict[int, list[str]] = {}
    for f in report.get("findings") or []:
        rank = Risk(f["level"]).rank
        for s in f.get("spans") or []:
            start, end = int(s["start"]), int(s["end"])
            if not 0 <= start < end <= len(text):
                continue
            for i in range(start, end):
                if rank > level[i]:
                    level[i] = rank
            titles.setdefault(start, []).append(f["title"])
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and level[j] == level[i]:
            j += 1
        chunk = escape(text[i:j])
        if level[i]:
            name = Risk.from_rank(level[i]).value
            title = escape("; ".join(titles.get(i, [])) or name)
            out.append(f'<mark class="r-{name}" title="{title}">{chunk}</mark>')
        else:
            out.append(str(chunk))
        i = j
    return Markup("".join(out))


def timeline_svg(result: ScanResult, width: int = 960, height: int = 220) -> Markup:
    """Findings per month, stacked by risk, with pre-election periods and polling days."""
    from postcheck.guidance import elections

    s = result.summary
    if s.first is None or s.last is None:
        return Markup('<p class="muted">No dated posts to chart.</p>')
    months = _months(s.first, s.last)
    pad_l, pad_r, pad_t, pad_b = 40, 10, 14, 34
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(months)
    bw = plot_w / n
    flagged = {
        m: {r: s.by_month.get(m, _EMPTY).get(r, 0) for r in ("low", "medium", "high")}
        for m in months
    }
    peak = max([sum(v.values()) for v in flagged.values()] + [1])
    parts = [
        f'<svg id="timeline" role="img" aria-label="Findings by month" viewBox="0 0 {width} '
        f'{height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Posts with findings per month, {escape(months[0])} to "
        f"{escape(months[-1])}</title>",
    ]

    def x_of(day: dt.date) -> float:
        idx = (day.year - s.first.year) * 12 + day.month - s.first.month  # type: ignore[union-attr]
        frac = (day.day - 1) / 31
        return pad_l + (idx + frac) * bw

    lo = dt.date(s.first.year, s.first.month, 1)
    hi = _month_end(s.last)
    for e in elections():
        if e.polling_day < lo or e.pre_election_from > hi:
            continue
        x0 = x_of(max(e.pre_election_from, lo))
        x1 = x_of(min(e.polling_day, hi))
        parts.append(
            f'<rect class="pre-election" x="{x0:.1f}" y="{pad_t}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{plot_h}"><title>Pre-election period, {escape(e.name)}: '
            f"{e.pre_election_from} to {e.polling_day}</title></rect>"
        )
        if lo <= e.polling_day <= hi:
            xp = x_of(e.polling_day)
            parts.append(
                f'<rect class="polling-day" x="{xp:.1f}" y="{pad_t}" width="{max(bw / 31, 2):.1f}"'
                f' height="{plot_h}"><title>Polling day, {escape(e.name)}: '
                f"{e.polling_day}</title></rect>"
            )
    for i, m in enumerate(months):
        y = float(pad_t + plot_h)
        for risk in ("low", "medium", "high"):
            v = flagged[m][risk]
            if not v:
                continue
            h = plot_h * v / peak
            y -= h
            parts.append(
                f'<rect class="bar r-{risk}" x="{pad_l + i * bw + bw * 0.1:.1f}" y="{y:.1f}" '
                f'width="{max(bw * 0.8, 0.8):.1f}" height="{h:.1f}" fill="{RISK_COLOUR[risk]}">'
                f"<title>{escape(m)}: {v} {risk}-risk post(s) of "
                f"{s.by_month.get(m, _EMPTY).get('posts', 0)}</title></rect>"
            )
    step = max(1, n // 12)
    for i, m in enumerate(months):
        if i % step == 0:
            parts.append(
                f'<text x="{pad_l + i * bw + bw / 2:.1f}" y="{height - 12}" '
                f'text-anchor="middle" class="axis">{escape(m)}</text>'
            )
    parts.append(
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - pad_r}" y2="{pad_t + plot_h}" '
        'class="axis-line"/>'
    )
    parts.append(f'<text x="4" y="{pad_t + 8}" class="axis">{peak}</text>')
    parts.append(f'<text x="4" y="{pad_t + plot_h}" class="axis">0</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _months(first: dt.date, last: dt.date) -> list[str]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def render_html(result: ScanResult, out: IO[str], limit: int | None = None) -> None:
    """Write the report to `out`, streaming the worst-first list from the spool."""
    from postcheck.guidance import editions

    head = result.head_json()
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
        colours=RISK_COLOUR,
        risks=[r.value for r in Risk],
        editions=eds,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        inline=inline_assets(),
    ):
        out.write(chunk)

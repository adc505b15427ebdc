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

from postcheck.baseline import Baseline
from postcheck.model import VERDICTS, Risk
from postcheck.scan import ScanResult

_EMPTY: Counter[str] = Counter()
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
    env.filters["month_name"] = _month_name
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

    Spans of stop words or punctuation alone ("the", "no", "it's") are left unmarked: a
    highlight should show the reader the words that matter.
    """
    from postcheck.detect.base import carries_meaning

    level = [0] * (len(text) + 1)
    titles: dict[int, list[str]] = {}
    for f in report.get("findings") or []:
        rank = Risk(f["level"]).rank
        for s in f.get("spans") or []:
            start, end = int(s["start"]), int(s["end"])
            if not 0 <= start < end <= len(text) or not carries_meaning(text[start:end]):
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
            title = escape("; ".join(dict.fromkeys(titles.get(i, []))) or VERDICT_WORDS[name])
            out.append(f'<mark class="r-{name}" title="{title}">{chunk}</mark>')
        else:
            out.append(str(chunk))
        i = j
    return Markup("".join(out))


#: Chart fills. Fine posts are pale so that flagged ones stand out; every bar also has a
#: text alternative (its <title> and the table under the chart).
CHART_COLOUR = {"none": "#8fb89a", "low": "#e8c33a", "medium": "#e07b00", "high": "#b3261e"}
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A round gridline step (1, 2, 5, 10, 20, 50...) giving about `ticks` lines up to peak."""
    raw = max(peak / ticks, 1)
    mag = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return int(m * mag)
    return int(10 * mag)


def timeline_svg(result: ScanResult, width: int = 960, height: int = 260) -> Markup:
    """Every dated post per month, stacked by risk, with pre-election periods and polling days.

    Month labels never overlap: a short history gets one label per month (every Nth when the
    bars are narrow), a long one a label per year (every Nth year) with a tick each January.
    """
    from postcheck.guidance import elections

    s = result.summary
    if s.first is None or s.last is None:
        return Markup('<p class="muted">No dated posts to chart.</p>')
    months = _months(s.first, s.last)
    pad_l, pad_r, pad_t, pad_b = 44, 12, 26, 40
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(months)
    bw = plot_w / n
    counts = {
        m: {r: s.by_month.get(m, _EMPTY).get(r, 0) for r in ("none", "low", "medium", "high")}
        for m in months
    }
    peak = max([sum(v.values()) for v in counts.values()] + [1])
    step = _nice_step(peak)
    top = max(step * -(-peak // step), step)
    first, last = months[0], months[-1]
    parts = [
        f'<svg id="timeline" class="timeline" role="img" aria-labelledby="timeline-title" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-title">Posts per month by risk, {_month_name(first)} to '
        f"{_month_name(last)}, with pre-election periods and polling days</title>",
    ]

    def x_of(day: dt.date) -> float:
        idx = (day.year - s.first.year) * 12 + day.month - s.first.month  # type: ignore[union-attr]
        frac = (day.day - 1) / 31
        return pad_l + (idx + frac) * bw

    def y_of(v: float) -> float:
        return pad_t + plot_h - plot_h * v / top

    for v in range(0, top + 1, step):
        y = y_of(v)
        parts.append(
            f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" '
            f'class="{"axis-line" if v == 0 else "grid"}"/>'
            f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{v}</text>'
        )
    lo = dt.date(s.first.year, s.first.month, 1)
    hi = _month_end(s.last)
    markers = []
    for e in elections():
        if e.polling_day < lo or e.pre_election_from > hi:
            continue
        x0 = x_of(max(e.pre_election_from, lo))
        x1 = x_of(min(e.polling_day, hi))
        parts.append(
            f'<rect class="pre-election" x="{x0:.1f}" y="{pad_t}" width="{max(x1 - x0, 2):.1f}" '
            f'height="{plot_h}"><title>Pre-election period, {escape(e.name)}: '
            f"{e.pre_election_from} to {e.polling_day}</title></rect>"
        )
        if lo <= e.polling_day <= hi:
            xp = x_of(e.polling_day)
            # Keep the label inside the chart when polling day is near either end.
            xt = min(max(xp, pad_l + 32), width - pad_r - 32)
            markers.append(
                f'<g class="polling-day"><title>Polling day, {escape(e.name)}: '
                f'{e.polling_day}</title><line x1="{xp:.1f}" y1="{pad_t - 4}" x2="{xp:.1f}" '
                f'y2="{pad_t + plot_h}"/><text x="{xt:.1f}" y="{pad_t - 8}" '
                f'text-anchor="middle">vote {e.polling_day.year}</text></g>'
            )
    for i, m in enumerate(months):
        y = float(pad_t + plot_h)
        total = sum(counts[m].values())
        for risk in ("none", "low", "medium", "high"):
            v = counts[m][risk]
            if not v:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(
                f'<rect class="bar r-{risk}" x="{pad_l + i * bw + bw * 0.1:.1f}" y="{y:.1f}" '
                f'width="{max(bw * 0.8, 0.8):.1f}" height="{h:.1f}" fill="{CHART_COLOUR[risk]}">'
                f"<title>{escape(_month_name(m))}: {v} of {total} post(s) "
                f"{VERDICT_WORDS[risk]}</title></rect>"
            )
    parts.extend(markers)
    base = pad_t + plot_h
    # About 64 px of chart per label keeps "Sep 2023" and "2023" clear of their neighbours.
    if n <= 24:
        every = max(1, -(-64 // max(int(bw), 1)))
        for i, m in enumerate(months):
            if i % every:
                continue
            xc = pad_l + i * bw + bw / 2
            year = int(m[:4])
            month = int(m[5:])
            parts.append(
                f'<line x1="{xc:.1f}" y1="{base}" x2="{xc:.1f}" y2="{base + 5}" class="tick"/>'
                f'<text x="{xc:.1f}" y="{base + 18}" text-anchor="middle" class="axis">'
                f"{_MONTH_ABBR[month - 1]}</text>"
            )
            if i == 0 or month <= every:
                parts.append(
                    f'<text x="{xc:.1f}" y="{base + 32}" text-anchor="middle" '
                    f'class="axis year">{year}</text>'
                )
    else:
        years = sorted({int(m[:4]) for m in months})
        every = max(1, -(-64 // max(int(bw * 12), 1)))
        for year in years:
            x = x_of(dt.date(year, 1, 1)) if year > s.first.year else float(pad_l)
            parts.append(
                f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 6}" class="tick"/>'
            )
            if (year - years[0]) % every:
                continue
            x_end = x_of(dt.date(year, 12, 31)) if year < s.last.year else float(width - pad_r)
            xc = (x + min(x_end, width - pad_r)) / 2
            if x_end - x < 30:
                continue  # a sliver of a year at either end: its label would collide
            parts.append(
                f'<text x="{xc:.1f}" y="{base + 20}" text-anchor="middle" class="axis year">'
                f"{year}</text>"
            )
    parts.append(
        f'<text x="12" y="{pad_t + plot_h / 2:.1f}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 12 {pad_t + plot_h / 2:.1f})">posts</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def yearly_svg(result: ScanResult, width: int = 360, height: int = 240) -> Markup:
    """The same posts per year, for phones: a month-by-month chart is unreadable at 375 px."""
    from postcheck.guidance import elections

    s = result.summary
    if s.first is None or s.last is None:
        return Markup("")
    years = list(range(s.first.year, s.last.year + 1))
    counts: dict[int, Counter[str]] = {y: Counter() for y in years}
    for m, c in s.by_month.items():
        if int(m[:4]) in counts:
            counts[int(m[:4])].update({r: c.get(r, 0) for r in ("none", "low", "medium", "high")})
    pad_l, pad_r, pad_t, pad_b = 36, 8, 24, 30
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    bw = plot_w / len(years)
    peak = max([sum(c.values()) for c in counts.values()] + [1])
    step = _nice_step(peak)
    top = max(step * -(-peak // step), step)
    parts = [
        f'<svg id="timeline-years" class="timeline" role="img" aria-labelledby="years-title" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="years-title">Posts per year by risk, {years[0]} to {years[-1]}, with '
        "polling days</title>",
    ]
    base = pad_t + plot_h
    for v in range(0, top + 1, step):
        y = base - plot_h * v / top
        parts.append(
            f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" '
            f'class="{"axis-line" if v == 0 else "grid"}"/>'
            f'<text x="{pad_l - 5}" y="{y + 4:.1f}" text-anchor="end" class="axis">{v}</text>'
        )
    for i, year in enumerate(years):
        y = float(base)
        for risk in ("none", "low", "medium", "high"):
            v = counts[year][risk]
            if not v:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(
                f'<rect class="bar r-{risk}" x="{pad_l + i * bw + bw * 0.12:.1f}" y="{y:.1f}" '
                f'width="{bw * 0.76:.1f}" height="{h:.1f}" fill="{CHART_COLOUR[risk]}">'
                f"<title>{year}: {v} of {sum(counts[year].values())} post(s) "
                f"{VERDICT_WORDS[risk]}</title></rect>"
            )
    # "2014" needs about 30 px at this size; label every other year when bars are narrower.
    every = max(1, -(-30 // max(int(bw), 1)))
    for i, year in enumerate(years):
        if i % every == 0:
            parts.append(
                f'<text x="{pad_l + i * bw + bw / 2:.1f}" y="{base + 18}" text-anchor="middle" '
                f'class="axis year">{year}</text>'
            )
    for e in elections():
        if e.polling_day.year in counts:
            i = years.index(e.polling_day.year)
            xp = pad_l + (i + (e.polling_day.timetuple().tm_yday - 1) / 366) * bw
            parts.append(
                f'<g class="polling-day"><title>Polling day, {escape(e.name)}: {e.polling_day}'
                f'</title><line x1="{xp:.1f}" y1="{pad_t - 4}" x2="{xp:.1f}" y2="{base}"/>'
                f'<text x="{min(max(xp, pad_l + 14), width - pad_r - 14):.1f}" y="{pad_t - 8}" '
                f'text-anchor="middle">vote</text></g>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _month_name(m: str) -> str:
    return f"{_MONTH_ABBR[int(m[5:]) - 1]} {m[:4]}"


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

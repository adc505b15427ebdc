"""The scan report's inline SVG charts: posts per month (wide screens) and per year (phones).

Each bar is stacked by risk and carries a text alternative (its <title>, and the table under
the chart in the report); pre-election periods and polling days are drawn behind and over
the bars.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from postcheck.shapes import Risk

if TYPE_CHECKING:
    from postcheck.guidance import Election
    from postcheck.scan import ScanResult

#: Chart fills. Fine posts are pale so that flagged ones stand out; every bar also has a
#: text alternative (its <title> and the table under the chart).
CHART_COLOUR = {"none": "#8fb89a", "low": "#e8c33a", "medium": "#e07b00", "high": "#b3261e"}
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Bottom to top of each stacked bar.
_RISKS = ("none", "low", "medium", "high")
_EMPTY: Counter[str] = Counter()


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A round gridline step (1, 2, 5, 10, 20, 50...) giving about `ticks` lines up to peak."""
    raw = max(peak / ticks, 1)
    mag = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return int(m * mag)
    return int(10 * mag)


@dataclass(frozen=True)
class _Plot:
    """A chart's viewBox, the margins around its bars, and its y axis's scale."""

    width: int
    height: int
    pad_l: int
    pad_r: int
    pad_t: int
    pad_b: int
    #: Gridline step, and the value at the top of the y axis (a whole number of steps).
    step: int
    y_max: int

    @classmethod
    def scaled(cls, width: int, height: int, pads: tuple[int, int, int, int], peak: int) -> _Plot:
        """A plot whose y axis reaches the tallest bar (`peak` posts) in round steps."""
        step = _nice_step(peak)
        return cls(width, height, *pads, step=step, y_max=max(step * -(-peak // step), step))

    @property
    def plot_w(self) -> int:
        return self.width - self.pad_l - self.pad_r

    @property
    def plot_h(self) -> int:
        return self.height - self.pad_t - self.pad_b

    @property
    def base(self) -> int:
        """The y of the x axis."""
        return self.pad_t + self.plot_h

    def y_of(self, v: float) -> float:
        return self.pad_t + self.plot_h - self.plot_h * v / self.y_max


@dataclass(frozen=True)
class _MonthAxis:
    """The monthly chart's x axis: one bar per month from `first`'s month to `last`'s."""

    plot: _Plot
    first: dt.date
    last: dt.date
    months: tuple[str, ...]

    @property
    def bw(self) -> float:
        """Width of one month's slot."""
        return self.plot.plot_w / len(self.months)

    @property
    def lo(self) -> dt.date:
        return dt.date(self.first.year, self.first.month, 1)

    @property
    def hi(self) -> dt.date:
        return _month_end(self.last)

    def x_of(self, day: dt.date) -> float:
        idx = (day.year - self.first.year) * 12 + day.month - self.first.month
        frac = (day.day - 1) / 31
        return self.plot.pad_l + (idx + frac) * self.bw


def _gridlines(plot: _Plot, label_gap: int) -> list[str]:
    """Horizontal gridlines every step, each labelled with its count at the left."""
    parts = []
    for v in range(0, plot.y_max + 1, plot.step):
        y = plot.y_of(v)
        parts.append(
            f'<line x1="{plot.pad_l}" y1="{y:.1f}" x2="{plot.width - plot.pad_r}" y2="{y:.1f}" '
            f'class="{"axis-line" if v == 0 else "grid"}"/>'
            f'<text x="{plot.pad_l - label_gap}" y="{y + 4:.1f}" text-anchor="end" '
            f'class="axis">{v}</text>'
        )
    return parts


def _stacked_bar(
    plot: _Plot, x: float, width: float, counts: Mapping[str, int], label: str
) -> list[str]:
    """One period's posts as a bar per risk, stacked from the axis up, empty risks left out.

    `label` names the period in each segment's <title> and must already be escaped.
    """
    total = sum(counts.values())
    y = float(plot.base)
    parts = []
    for risk in _RISKS:
        v = counts[risk]
        if not v:
            continue
        h = plot.plot_h * v / plot.y_max
        y -= h
        parts.append(
            f'<rect class="bar r-{risk}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{h:.1f}" fill="{CHART_COLOUR[risk]}">'
            f"<title>{label}: {v} of {total} post(s) {Risk(risk).verdict}</title></rect>"
        )
    return parts


def _election_marks(axis: _MonthAxis) -> tuple[list[str], list[str]]:
    """Shaded pre-election periods (drawn under the bars) and polling-day lines (over them)
    for every election that overlaps the chart."""
    from postcheck.guidance import elections

    lo, hi = axis.lo, axis.hi
    periods, polling_days = [], []
    for e in elections():
        if e.polling_day < lo or e.pre_election_from > hi:
            continue
        x0 = axis.x_of(max(e.pre_election_from, lo))
        x1 = axis.x_of(min(e.polling_day, hi))
        periods.append(
            f'<rect class="pre-election" x="{x0:.1f}" y="{axis.plot.pad_t}" '
            f'width="{max(x1 - x0, 2):.1f}" height="{axis.plot.plot_h}">'
            f"<title>Pre-election period, {escape(e.name)}: "
            f"{e.pre_election_from} to {e.polling_day}</title></rect>"
        )
        if lo <= e.polling_day <= hi:
            polling_days.append(_polling_day(axis, e))
    return periods, polling_days


def _polling_day(axis: _MonthAxis, e: Election) -> str:
    p = axis.plot
    xp = axis.x_of(e.polling_day)
    # Keep the label inside the chart when polling day is near either end.
    xt = min(max(xp, p.pad_l + 32), p.width - p.pad_r - 32)
    return (
        f'<g class="polling-day"><title>Polling day, {escape(e.name)}: '
        f'{e.polling_day}</title><line x1="{xp:.1f}" y1="{p.pad_t - 4}" x2="{xp:.1f}" '
        f'y2="{p.base}"/><text x="{xt:.1f}" y="{p.pad_t - 8}" '
        f'text-anchor="middle">vote {e.polling_day.year}</text></g>'
    )


def _month_labels(axis: _MonthAxis) -> list[str]:
    """A short history: month names (every Nth when bars are narrow), the year under the
    first month and under each January that is labelled."""
    p, bw, base = axis.plot, axis.bw, axis.plot.base
    # About 64 px of chart per label keeps "Sep" and "2023" clear of their neighbours.
    every = max(1, -(-64 // max(int(bw), 1)))
    parts = []
    for i, m in enumerate(axis.months):
        if i % every:
            continue
        xc = p.pad_l + i * bw + bw / 2
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
    return parts


def _year_labels(axis: _MonthAxis) -> list[str]:
    """A long history: a tick each January and a year label (every Nth year) centred on the
    part of that year the chart shows."""
    p, base = axis.plot, axis.plot.base
    right = float(p.width - p.pad_r)
    years = sorted({int(m[:4]) for m in axis.months})
    # About 64 px of chart per label keeps "2023" clear of its neighbours.
    every = max(1, -(-64 // max(int(axis.bw * 12), 1)))
    parts = []
    for year in years:
        x = axis.x_of(dt.date(year, 1, 1)) if year > axis.first.year else float(p.pad_l)
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 6}" class="tick"/>')
        if (year - years[0]) % every:
            continue
        x_end = axis.x_of(dt.date(year, 12, 31)) if year < axis.last.year else right
        xc = (x + min(x_end, right)) / 2
        if x_end - x < 30:
            continue  # a sliver of a year at either end: its label would collide
        parts.append(
            f'<text x="{xc:.1f}" y="{base + 20}" text-anchor="middle" class="axis year">'
            f"{year}</text>"
        )
    return parts


def timeline_svg(result: ScanResult, width: int = 960, height: int = 260) -> Markup:
    """Every dated post per month, stacked by risk, with pre-election periods and polling days.

    Month labels never overlap: a short history gets one label per month (every Nth when the
    bars are narrow), a long one a label per year (every Nth year) with a tick each January.
    """
    s = result.summary
    if s.first is None or s.last is None:
        return Markup('<p class="muted">No dated posts to chart.</p>')
    months = _months(s.first, s.last)
    counts = {m: {r: s.by_month.get(m, _EMPTY).get(r, 0) for r in _RISKS} for m in months}
    peak = max([sum(v.values()) for v in counts.values()] + [1])
    plot = _Plot.scaled(width, height, (44, 12, 26, 40), peak)
    axis = _MonthAxis(plot, s.first, s.last, tuple(months))
    parts = [
        f'<svg id="timeline" class="timeline" role="img" aria-labelledby="timeline-title" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-title">Posts per month by risk, {month_name(months[0])} to '
        f"{month_name(months[-1])}, with pre-election periods and polling days</title>",
        *_gridlines(plot, label_gap=6),
    ]
    periods, polling_days = _election_marks(axis)
    parts.extend(periods)
    bw = axis.bw
    for i, m in enumerate(months):
        x = plot.pad_l + i * bw + bw * 0.1
        parts.extend(_stacked_bar(plot, x, max(bw * 0.8, 0.8), counts[m], escape(month_name(m))))
    parts.extend(polling_days)
    parts.extend(_month_labels(axis) if len(months) <= 24 else _year_labels(axis))
    mid = plot.pad_t + plot.plot_h / 2
    parts.append(
        f'<text x="12" y="{mid:.1f}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 12 {mid:.1f})">posts</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _per_year(by_month: Mapping[str, Counter[str]], years: list[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {y: Counter() for y in years}
    for m, c in by_month.items():
        if int(m[:4]) in counts:
            counts[int(m[:4])].update({r: c.get(r, 0) for r in _RISKS})
    return counts


def _yearly_polling_days(plot: _Plot, years: list[int], bw: float) -> list[str]:
    from postcheck.guidance import elections

    parts = []
    for e in elections():
        if e.polling_day.year not in years:
            continue
        i = years.index(e.polling_day.year)
        xp = plot.pad_l + (i + (e.polling_day.timetuple().tm_yday - 1) / 366) * bw
        xt = min(max(xp, plot.pad_l + 14), plot.width - plot.pad_r - 14)
        parts.append(
            f'<g class="polling-day"><title>Polling day, {escape(e.name)}: {e.polling_day}'
            f'</title><line x1="{xp:.1f}" y1="{plot.pad_t - 4}" x2="{xp:.1f}" y2="{plot.base}"/>'
            f'<text x="{xt:.1f}" y="{plot.pad_t - 8}" text-anchor="middle">vote</text></g>'
        )
    return parts


def yearly_svg(result: ScanResult, width: int = 360, height: int = 240) -> Markup:
    """The same posts per year, for phones: a month-by-month chart is unreadable at 375 px."""
    s = result.summary
    if s.first is None or s.last is None:
        return Markup("")
    years = list(range(s.first.year, s.last.year + 1))
    counts = _per_year(s.by_month, years)
    peak = max([sum(c.values()) for c in counts.values()] + [1])
    plot = _Plot.scaled(width, height, (36, 8, 24, 30), peak)
    bw = plot.plot_w / len(years)
    parts = [
        f'<svg id="timeline-years" class="timeline" role="img" aria-labelledby="years-title" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="years-title">Posts per year by risk, {years[0]} to {years[-1]}, with '
        "polling days</title>",
        *_gridlines(plot, label_gap=5),
    ]
    for i, year in enumerate(years):
        x = plot.pad_l + i * bw + bw * 0.12
        parts.extend(_stacked_bar(plot, x, bw * 0.76, counts[year], str(year)))
    # "2014" needs about 30 px at this size; label every other year when bars are narrower.
    every = max(1, -(-30 // max(int(bw), 1)))
    parts.extend(
        f'<text x="{plot.pad_l + i * bw + bw / 2:.1f}" y="{plot.base + 18}" '
        f'text-anchor="middle" class="axis year">{year}</text>'
        for i, year in enumerate(years)
        if i % every == 0
    )
    parts.extend(_yearly_polling_days(plot, years, bw))
    parts.append("</svg>")
    return Markup("".join(parts))


def month_name(m: str) -> str:
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

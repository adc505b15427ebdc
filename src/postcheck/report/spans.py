"""A post cut into ordered segments by its findings' spans, for a report to style.

The terminal and HTML reports mark the same spans but settle overlaps their own way (see
`segments`); each renderer only decides how a segment looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import NamedTuple


class Mark(NamedTuple):
    """A span to mark: characters [start, end), its risk rank, and a label (its finding)."""

    start: int
    end: int
    rank: int
    label: str = ""


class Segment(NamedTuple):
    """A run of the text with one look; `rank` is None where no mark covers it."""

    start: int
    end: int
    text: str
    rank: int | None
    #: Labels of the marks that start where this segment starts, each once, first given first.
    labels: tuple[str, ...]


def segments(text: str, marks: Iterable[Mark], *, strongest: bool = False) -> list[Segment]:
    """`text` from start to end as segments; empty or out-of-range marks are ignored.

    Where marks overlap, by default the mark given last wins and every mark's edges stay
    cuts, even between segments of one rank: the terminal report layers a Rich style per
    span and its output is cut exactly there. With `strongest` the highest rank wins, rank 0
    marks nothing, and a run of one rank is one segment, however many marks make it up
    (the HTML report: one <mark> per run).
    """
    inside = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    paint: list[int | None] = [None] * len(text)
    cuts = {0, len(text)}
    starting: dict[int, list[str]] = {}
    for m in inside:
        for i in range(m.start, m.end):
            if not strongest or m.rank > (paint[i] or 0):
                paint[i] = m.rank
        if not strongest:
            cuts.update((m.start, m.end))
        starting.setdefault(m.start, []).append(m.label)
    cuts.update(i for i in range(1, len(text)) if paint[i] != paint[i - 1])
    return [
        Segment(a, b, text[a:b], paint[a], tuple(dict.fromkeys(starting.get(a, ()))))
        for a, b in pairwise(sorted(cuts))
    ]

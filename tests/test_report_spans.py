"""The one span-to-segment cutter behind the terminal and HTML highlights."""

from __future__ import annotations

from postcheck.report.spans import Mark, Segment, segments

TEXT = "abcdefghij"


def _cut(marks: list[Mark], *, strongest: bool = False) -> list[tuple[str, int | None]]:
    return [(s.text, s.rank) for s in segments(TEXT, marks, strongest=strongest)]


def test_segments_cover_the_text_in_order() -> None:
    segs = segments(TEXT, [Mark(2, 4, 1), Mark(6, 9, 3)])
    assert "".join(s.text for s in segs) == TEXT
    assert [(s.start, s.end) for s in segs] == [(0, 2), (2, 4), (4, 6), (6, 9), (9, 10)]
    assert all(TEXT[s.start : s.end] == s.text for s in segs)


def test_no_marks_and_empty_text() -> None:
    assert segments(TEXT, []) == [Segment(0, 10, TEXT, None, ())]
    assert segments("", []) == []
    assert segments("", [Mark(0, 1, 3), Mark(0, 0, 3)]) == []
    assert segments("", [Mark(0, 1, 3)], strongest=True) == []


def test_out_of_range_and_empty_marks_are_ignored() -> None:
    bad = [Mark(-1, 3, 2), Mark(5, 11, 2), Mark(4, 4, 2), Mark(6, 5, 2), Mark(20, 30, 2)]
    for strongest in (False, True):
        assert _cut(bad, strongest=strongest) == [(TEXT, None)]
    assert _cut([*bad, Mark(0, 10, 1)]) == [(TEXT, 1)]


def test_overlap_last_mark_wins_and_keeps_every_edge() -> None:
    # like Rich styles stacked one per span: the later one shows, each span edge is a cut
    assert _cut([Mark(0, 5, 3), Mark(3, 8, 1)]) == [
        ("abc", 3),
        ("de", 1),
        ("fgh", 1),
        ("ij", None),
    ]


def test_overlap_strongest_wins_and_runs_join() -> None:
    assert _cut([Mark(0, 5, 3), Mark(3, 8, 1)], strongest=True) == [
        ("abcde", 3),
        ("fgh", 1),
        ("ij", None),
    ]
    assert _cut([Mark(3, 8, 1), Mark(0, 5, 3)], strongest=True) == [
        ("abcde", 3),
        ("fgh", 1),
        ("ij", None),
    ]


def test_adjacent_marks() -> None:
    marks = [Mark(0, 3, 2), Mark(3, 6, 2), Mark(6, 8, 1)]
    assert _cut(marks) == [("abc", 2), ("def", 2), ("gh", 1), ("ij", None)]
    assert _cut(marks, strongest=True) == [("abcdef", 2), ("gh", 1), ("ij", None)]


def test_nested_marks() -> None:
    outer_low = [Mark(1, 9, 1), Mark(3, 5, 3)]
    assert _cut(outer_low) == [("a", None), ("bc", 1), ("de", 3), ("fghi", 1), ("j", None)]
    assert _cut(outer_low, strongest=True) == _cut(outer_low)
    # the weaker inner mark, given last, shows through in the layered cut only
    outer_high = [Mark(1, 9, 3), Mark(3, 5, 1)]
    assert _cut(outer_high) == [("a", None), ("bc", 3), ("de", 1), ("fghi", 3), ("j", None)]
    assert _cut(outer_high, strongest=True) == [("a", None), ("bcdefghi", 3), ("j", None)]


def test_rank_zero_marks_only_when_layered() -> None:
    assert _cut([Mark(0, 4, 0)]) == [("abcd", 0), ("efghij", None)]
    assert _cut([Mark(0, 4, 0)], strongest=True) == [(TEXT, None)]


def test_labels_are_those_starting_at_the_segment() -> None:
    marks = [Mark(0, 4, 1, "A"), Mark(0, 2, 3, "B"), Mark(0, 3, 1, "A"), Mark(2, 6, 2, "C")]
    segs = segments(TEXT, marks, strongest=True)
    assert [(s.text, s.rank, s.labels) for s in segs] == [
        ("ab", 3, ("A", "B")),
        ("cdef", 2, ("C",)),
        ("ghij", None, ()),
    ]
    # a segment that starts inside a mark has no label of its own
    segs = segments(TEXT, [Mark(0, 6, 1, "low"), Mark(1, 3, 3, "high")], strongest=True)
    assert [(s.text, s.labels) for s in segs] == [
        ("a", ("low",)),
        ("bc", ("high",)),
        ("def", ()),
        ("ghij", ()),
    ]

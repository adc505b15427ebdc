"""What the guidance page shows: both editions clause by clause, what changed, and the rules.

Pure functions over `postcheck.guidance` data, so the comparison is tested without a browser
and the page template only lays it out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from postcheck.guidance import Clause, Edition, Rule, editions, rules

OLD_EDITION = "state-servants"
NEW_EDITION = "public-servants"


@dataclass(frozen=True)
class Piece:
    """A run of words in a word diff: `op` is equal, delete (old only) or insert (new only)."""

    op: str
    text: str


@dataclass(frozen=True)
class ClauseRow:
    id: str
    old: Clause | None
    new: Clause | None
    changes: tuple[str, ...]
    diff: tuple[Piece, ...]
    rules: tuple[Rule, ...] = field(default=())


@dataclass(frozen=True)
class Comparison:
    old: Edition
    new: Edition
    term_changes: tuple[tuple[str, str], ...]
    date_changes: tuple[str, ...]
    rows: tuple[ClauseRow, ...]
    #: Said once for the page when the current edition has no te reo headings at all, rather
    #: than as "heading dropped" on every row.
    mi_dropped: str | None = None


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """Word-level diff keeping whitespace, so the page can mark removed and added words."""
    a = _WORDS.findall(old)
    b = _WORDS.findall(new)
    out: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Piece("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(Piece("insert", "".join(b[j1:j2])))
    return tuple(_merge(out))


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for p in pieces:
        if merged and merged[-1].op == p.op:
            merged[-1] = Piece(p.op, merged[-1].text + p.text)
        else:
            merged.append(p)
    return merged


def _clause_changes(
    old: Clause | None,
    new: Clause | None,
    old_ed: Edition,
    new_ed: Edition,
    mi_said_once: bool = False,
) -> tuple[str, ...]:
    if old is None or new is None:
        only = new_ed if old is None else old_ed
        return (f"Only in “{only.title}”.",)
    changes: list[str] = []
    if old.section != new.section:
        changes.append(f"Moved from section {old.section} to {new.section}.")
    changes.extend(_heading_change(old, new, old_ed, new_ed))
    changes.extend(_heading_mi_change(old, new, mi_said_once))
    terms = [
        f"“{term_old}” → “{term_new}”."
        for term_old, term_new in _term_pairs(old_ed, new_ed)
        if term_old in old.paraphrase and term_new in new.paraphrase
    ]
    changes.extend(terms)
    if old.paraphrase != new.paraphrase and not terms:
        changes.append("Wording changed (see the marked differences).")
    if not changes:
        changes.append("No change in substance.")
    return tuple(changes)


def _heading_change(old: Clause, new: Clause, old_ed: Edition, new_ed: Edition) -> list[str]:
    if old.heading == new.heading:
        return []
    pieces = word_diff(old.heading, new.heading)
    gone = " … ".join(p.text.strip() for p in pieces if p.op == "delete")
    added = " … ".join(p.text.strip() for p in pieces if p.op == "insert")
    pairs = _term_pairs(old_ed, new_ed)
    old_words = {w for a, _ in pairs for w in a.split()}
    new_words = {w for _, b in pairs for w in b.split()}
    # A heading that differs only by the renamed term ("State" → "public") is covered by
    # the term change the page states once at the top; saying it on each row is noise.
    if set(gone.split()) <= old_words and set(added.split()) <= new_words:
        return []
    return [f"Heading: “{gone}” → “{added}”." if gone and added else "Heading reworded."]


def _heading_mi_change(old: Clause, new: Clause, mi_said_once: bool) -> list[str]:
    if old.heading_mi and not new.heading_mi:
        return [] if mi_said_once else [f"Te reo Māori heading “{old.heading_mi}” dropped."]
    if new.heading_mi and not old.heading_mi:
        return [f"Te reo Māori heading “{new.heading_mi}” added."]
    if old.heading_mi != new.heading_mi:
        return ["Te reo Māori heading reworded."]
    return []


def _term_pairs(old_ed: Edition, new_ed: Edition) -> tuple[tuple[str, str], ...]:
    return tuple(
        (old_ed.terms[k], new_ed.terms[k])
        for k in old_ed.terms
        if k in new_ed.terms and old_ed.terms[k] != new_ed.terms[k]
    )


def _date(d: object) -> str:
    return "no set date" if d is None else str(d)


def compare(old_id: str = OLD_EDITION, new_id: str = NEW_EDITION) -> Comparison:
    eds = editions()
    old_ed, new_ed = eds[old_id], eds[new_id]
    old_by_id = {c.id: c for c in old_ed.clauses}
    new_by_id = {c.id: c for c in new_ed.clauses}
    # The current edition's order, with clauses only the older one has slotted in after
    # their predecessor there.
    order = [c.id for c in new_ed.clauses]
    for i, c in enumerate(old_ed.clauses):
        if c.id not in new_by_id:
            prev = old_ed.clauses[i - 1].id if i else None
            order.insert(order.index(prev) + 1 if prev in order else len(order), c.id)
    all_rules = rules()
    mi_dropped = None
    if any(c.heading_mi for c in old_ed.clauses) and not any(c.heading_mi for c in new_ed.clauses):
        mi_dropped = (
            f"The te reo Māori section headings of “{old_ed.title}” were dropped: "
            f"“{new_ed.title}” has none."
        )
    rows = []
    for cid in order:
        old, new = old_by_id.get(cid), new_by_id.get(cid)
        rows.append(
            ClauseRow(
                id=cid,
                old=old,
                new=new,
                changes=_clause_changes(old, new, old_ed, new_ed, mi_dropped is not None),
                diff=word_diff(old.paraphrase, new.paraphrase) if old and new else (),
                rules=tuple(r for r in all_rules if cid in r.clauses),
            )
        )
    date_changes = (
        f"{old_ed.title}: applies from {_date(old_ed.applies_from)} to {_date(old_ed.applies_to)}.",
        f"{new_ed.title}: applies from {_date(new_ed.applies_from)} to {_date(new_ed.applies_to)}.",
    )
    return Comparison(
        old=old_ed,
        new=new_ed,
        term_changes=_term_pairs(old_ed, new_ed),
        date_changes=date_changes,
        rows=tuple(rows),
        mi_dropped=mi_dropped,
    )

"""The rules' condition language, parsed once at load into a small typed tree.

A rule's `when` (and each escalation's) is YAML a policy adviser can read:

    when:
      signal: political            # a leaf: this signal fired
      not:
        fact: [employer_visible, senior]   # a list in a leaf: any one of these
      any:
        - election: pre_election
        - context: {platform: linkedin}

A mapping holds when every key holds (an implicit `all`); `all`, `any` and `not` combine
conditions; every other key is a leaf. Parsing checks every name against the vocabulary it
belongs to (signals, facts, election phases, context and author fields, lexicon
categories), so a misspelt name fails at load with the file and line, instead of being
silently false for ever. Evaluation and "which signals and lexicons explain this finding"
walk the same tree (`Condition.holds`, `Condition.leaves`). docs/rules.md is the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from postcheck.shapes import Author, Context

if TYPE_CHECKING:
    from postcheck.assess import Facts

#: Derived facts the engine computes per post (engine.Engine._facts); rules may test these.
FACTS: frozenset[str] = frozenset(
    {
        "employer_named",
        "employer_visible",
        "topic_overlap",
        "agency_area",
        "disclaimer",
        "senior",
        "close_to_ministers",
        "coverage_public_service",
        "coverage_state_sector",
        "coverage_outside",
        "coverage_unknown",
        "foreign_facing_role",
        "political_foreign",
        "foreign_politics_low",
    }
)
#: calendar.phase(): where a post falls against the elections in elections.yaml.
ELECTION_PHASES: frozenset[str] = frozenset({"none", "pre_election", "polling_day", "after_close"})
#: Facts that show in the text itself (the employer named): a finding whose condition
#: tests them highlights the work-link words too.
TEXT_FACTS = {"employer_named": "work_link", "employer_visible": "work_link"}


class ConditionError(ValueError):
    """A condition that names something unknown or is shaped wrongly; `path` says where."""

    def __init__(self, path: str, message: str, token: str | None = None) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.token = token


def _values(raw: Any) -> tuple[Any, ...]:
    return tuple(raw) if isinstance(raw, list | tuple | set) else (raw,)


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, Enum) else v


class Condition:
    """A node of the tree."""

    def holds(self, f: Facts) -> bool:
        raise NotImplementedError

    def children(self) -> tuple[Condition, ...]:
        return ()

    def leaves(self, negated: bool = False) -> Iterator[tuple[Leaf, bool]]:
        """Every leaf, with whether it sits under a `not`."""
        for c in self.children():
            yield from c.leaves(negated)


@dataclass(frozen=True, slots=True)
class All(Condition):
    items: tuple[Condition, ...]

    def holds(self, f: Facts) -> bool:
        return all(c.holds(f) for c in self.items)

    def children(self) -> tuple[Condition, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class AnyOf(Condition):
    items: tuple[Condition, ...]

    def holds(self, f: Facts) -> bool:
        return any(c.holds(f) for c in self.items)

    def children(self) -> tuple[Condition, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Not(Condition):
    item: Condition

    def holds(self, f: Facts) -> bool:
        return not self.item.holds(f)

    def leaves(self, negated: bool = False) -> Iterator[tuple[Leaf, bool]]:
        yield from self.item.leaves(not negated)


class Leaf(Condition):
    key: ClassVar[str]

    def leaves(self, negated: bool = False) -> Iterator[tuple[Leaf, bool]]:
        yield self, negated


@dataclass(frozen=True, slots=True)
class SignalFired(Leaf):
    key: ClassVar[str] = "signal"
    names: tuple[str, ...]

    def holds(self, f: Facts) -> bool:
        return any((s := f.signals.get(n)) is not None and s.fired for n in self.names)


@dataclass(frozen=True, slots=True)
class SignalUncertain(Leaf):
    key: ClassVar[str] = "uncertain"
    names: tuple[str, ...]

    def holds(self, f: Facts) -> bool:
        return any((s := f.signals.get(n)) is not None and s.uncertain for n in self.names)


@dataclass(frozen=True, slots=True)
class ContextIs(Leaf):
    key: ClassVar[str] = "context"
    field: str
    allowed: tuple[Any, ...]

    def holds(self, f: Facts) -> bool:
        return _plain(getattr(f.context, self.field)) in self.allowed


@dataclass(frozen=True, slots=True)
class AuthorIs(Leaf):
    key: ClassVar[str] = "author"
    field: str
    allowed: tuple[Any, ...]

    def holds(self, f: Facts) -> bool:
        a = f.context.author
        have = bool(a.employer) if self.field == "has_employer" else getattr(a, self.field)
        return _plain(have) in self.allowed


@dataclass(frozen=True, slots=True)
class ElectionIn(Leaf):
    key: ClassVar[str] = "election"
    phases: tuple[str, ...]

    def holds(self, f: Facts) -> bool:
        return f.election_phase in self.phases


@dataclass(frozen=True, slots=True)
class FactIn(Leaf):
    key: ClassVar[str] = "fact"
    names: tuple[str, ...]

    def holds(self, f: Facts) -> bool:
        return any(n in f.facts for n in self.names)


@dataclass(frozen=True, slots=True)
class LexiconHit(Leaf):
    key: ClassVar[str] = "lexicon"
    categories: tuple[str, ...]

    def holds(self, f: Facts) -> bool:
        return any(cat in self.categories for cat, _ in f.lexicon_hits)


@dataclass(frozen=True)
class Vocabulary:
    """The names a condition may use. Lexicon categories depend on the policy packs
    loaded, so the rule loader passes them in."""

    signals: frozenset[str] | None = None  # None: the detectors' SIGNAL_NAMES
    facts: frozenset[str] = FACTS
    phases: frozenset[str] = ELECTION_PHASES
    lexicons: frozenset[str] | None = None  # None: not checked


_CONTEXT_FIELDS = frozenset(Context.model_fields) - {"author"}
_AUTHOR_FIELDS = frozenset(Author.model_fields) | {"has_employer"}


def _names(raw: Any, known: frozenset[str] | None, what: str, path: str) -> tuple[str, ...]:
    names = _values(raw)
    if not names:
        raise ConditionError(path, f"lists no {what}")
    for n in names:
        if not isinstance(n, str):
            raise ConditionError(path, f"{what} must be names, not {n!r}")
        if known is not None and n not in known:
            hint = _closest(n, known)
            raise ConditionError(
                path, f"unknown {what} {n!r}" + (f" (did you mean {hint!r}?)" if hint else ""), n
            )
    return names


def _closest(name: str, known: frozenset[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, sorted(known), n=1)
    return found[0] if found else None


def _fields(
    raw: Any,
    known: frozenset[str],
    model: str,
    path: str,
    make: Callable[[str, tuple[Any, ...]], Leaf],
) -> list[Condition]:
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(path, f"needs a mapping of {model} fields to values")
    out: list[Condition] = []
    for name, want in raw.items():
        if name not in known:
            hint = _closest(str(name), known)
            raise ConditionError(
                path,
                f"unknown {model} field {name!r}" + (f" (did you mean {hint!r}?)" if hint else ""),
                str(name),
            )
        out.append(make(name, tuple(_plain(v) for v in _values(want))))
    return out


#: Leaves that list names from one vocabulary: key -> (leaf type, Vocabulary field, what
#: the names are, for the error message).
_NAME_LEAVES: dict[str, tuple[Callable[[tuple[str, ...]], Leaf], str, str]] = {
    "signal": (SignalFired, "signals", "signal"),
    "uncertain": (SignalUncertain, "signals", "signal"),
    "fact": (FactIn, "facts", "fact"),
    "election": (ElectionIn, "phases", "election phase"),
    "lexicon": (LexiconHit, "lexicons", "lexicon category"),
}
#: Leaves that map a model's fields to allowed values: key -> (known fields, leaf type).
_FIELD_LEAVES: dict[str, tuple[frozenset[str], Callable[[str, tuple[Any, ...]], Leaf]]] = {
    "context": (_CONTEXT_FIELDS, ContextIs),
    "author": (_AUTHOR_FIELDS, AuthorIs),
}


def _combined(key: str, val: Any, vocab: Vocabulary, at: str) -> Condition:
    """An `all`, `any` or `not` over nested conditions."""
    if key == "not":
        return Not(parse(val, vocab, at))
    if not isinstance(val, list) or not val:
        raise ConditionError(at, f"`{key}` takes a non-empty list of conditions")
    items = tuple(parse(c, vocab, f"{at}[{i}]") for i, c in enumerate(val))
    return All(items) if key == "all" else AnyOf(items)


def _part(key: str, val: Any, vocab: Vocabulary, at: str) -> list[Condition]:
    """The conditions one key of a mapping stands for (`context` and `author` give one per
    field)."""
    if key in ("all", "any", "not"):
        return [_combined(key, val, vocab, at)]
    if key in _NAME_LEAVES:
        leaf, field_name, what = _NAME_LEAVES[key]
        return [leaf(_names(val, getattr(vocab, field_name), what, at))]
    if key in _FIELD_LEAVES:
        known_fields, make = _FIELD_LEAVES[key]
        return _fields(val, known_fields, key, at, make)
    known = "all, any, not, signal, uncertain, fact, election, lexicon, context, author"
    raise ConditionError(at, f"unknown condition {key!r} (one of: {known})", str(key))


def parse(raw: Any, vocab: Vocabulary | None = None, path: str = "when") -> Condition:
    """The typed tree of a YAML condition; ConditionError names the key path at fault."""
    vocab = vocab or Vocabulary()
    if vocab.signals is None:
        # Imported here: the detectors import the guidance package, which parses rules.
        from postcheck.detect.base import SIGNAL_NAMES

        vocab = replace(vocab, signals=frozenset(SIGNAL_NAMES))
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(path, "a condition is a non-empty mapping")
    parts: list[Condition] = []
    for key, val in raw.items():
        parts += _part(key, val, vocab, f"{path}.{key}")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def explaining_signals(cond: Condition) -> list[str]:
    """Signals whose words explain a finding: those the condition requires (not those it
    requires to be absent), plus work_link where it tests a fact shown in the text."""
    out: list[str] = []
    for leaf, negated in cond.leaves():
        if negated:
            continue
        if isinstance(leaf, SignalFired | SignalUncertain):
            out += leaf.names
        elif isinstance(leaf, FactIn):
            out += [TEXT_FACTS[n] for n in leaf.names if n in TEXT_FACTS]
    return list(dict.fromkeys(out))


def explaining_lexicons(cond: Condition) -> list[str]:
    out: list[str] = []
    for leaf, negated in cond.leaves():
        if isinstance(leaf, LexiconHit) and not negated:
            out += leaf.categories
    return list(dict.fromkeys(out))

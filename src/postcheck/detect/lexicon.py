"""One Aho-Corasick pass finds every lexicon term in a post.

Thousands of terms (agencies, parties, politicians, topics, opinion and abuse words) are
matched in a single scan instead of one regex per list: a large alternation regex is tens of
times slower. Terms are matched on word boundaries over a folded copy of the text (case and
macrons removed) except for short abbreviations that are also ordinary words ("DOC", "ACT",
"National"), which match only as written and can carry neighbour exclusions
("National park", "Labour market").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from postcheck.detect.base import Doc, Hit, fold

LEXICON_DIR = Path(__file__).resolve().parent.parent / "guidance" / "lexicons"


@dataclass(frozen=True, slots=True)
class Term:
    category: str
    entry: str
    weight: float
    prefix: bool  # pattern ends with '*': no word boundary on the right
    not_followed_by: tuple[str, ...]
    not_preceded_by: tuple[str, ...]
    not_near: tuple[str, ...]  # words within NEAR_CHARS that mean the everyday sense
    joined: bool = False  # a multi-word term written without its spaces: counts only in a tag


NEAR_CHARS = 60


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _tag_break(text: str, i: int) -> bool:
    """Whether position i is a word break inside a hashtag or handle: "#JoeBiden",
    "@realDonaldTrump", "#Trump2020" run their words together, and people read the capitals
    and digits as the spaces, so the names in them count ("biden", "trump")."""
    if not 0 < i < len(text):
        return False
    a, b = text[i - 1], text[i]
    if not ((a.islower() and b.isupper()) or (a.isalpha() and b.isdigit())):
        return False
    return _in_tag(text, i)


def _in_tag(text: str, i: int) -> bool:
    """Whether position i is inside a hashtag or handle (a word that starts with # or @)."""
    j = i - 1
    while j >= 0 and _is_word(text[j]):
        j -= 1
    return j >= 0 and text[j] in "#@"


def _has_word(text: str, word: str) -> bool:
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _is_word(text[at - 1])) and (
            end >= len(text) or not _is_word(text[end])
        ):
            return True
        at = text.find(word, at + 1)
    return False


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass(frozen=True, slots=True)
class Lexicon:
    name: str
    category: str
    source: str
    checked: str
    entries: tuple[dict[str, Any], ...]


def load_lexicon(path: Path) -> Lexicon:
    data = _load_yaml(path)
    entries = list(data.get("entries") or [])
    for word in data.get("words") or []:
        entries.append({"id": word, "ci": [word]})
    for word in data.get("words_cs") or []:
        entries.append({"id": word, "cs": [word]})
    return Lexicon(
        name=data.get("name", path.stem),
        category=data.get("category", data.get("name", path.stem)),
        source=str(data.get("source", "")),
        checked=str(data.get("checked", "")),
        entries=tuple(entries),
    )


def lexicon_files(extra_dirs: tuple[Path, ...] = ()) -> list[Path]:
    files = sorted(LEXICON_DIR.glob("*.yaml"))
    for d in extra_dirs:
        files.extend(sorted(d.glob("*.yaml")))
    return files


class Matcher:
    def __init__(self, lexicons: list[Lexicon]):
        ci_patterns: list[str] = []
        ci_terms: list[list[Term]] = []
        cs_patterns: list[str] = []
        cs_terms: list[list[Term]] = []
        ci_index: dict[str, int] = {}
        cs_index: dict[str, int] = {}
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        for lex in lexicons:
            for e in lex.entries:
                category = e.get("category", lex.category)
                entry_id = str(e.get("id"))
                self.entries[(category, entry_id)] = e
                for key, folded, patterns, terms, index in (
                    ("ci", True, ci_patterns, ci_terms, ci_index),
                    ("cs", False, cs_patterns, cs_terms, cs_index),
                ):
                    for raw in e.get(key) or []:
                        raw = str(raw)
                        prefix = raw.endswith("*")
                        pat = raw.rstrip("*")
                        pat = fold(pat) if folded else pat
                        if not pat:
                            continue
                        term = Term(
                            category=category,
                            entry=entry_id,
                            weight=float(e.get("weight", 1.0)),
                            prefix=prefix,
                            not_followed_by=tuple(fold(w) for w in e.get("not_followed_by", ())),
                            not_preceded_by=tuple(fold(w) for w in e.get("not_preceded_by", ())),
                            not_near=tuple(fold(w) for w in e.get("not_near", ())),
                        )
                        variants = [(pat, term)]
                        if folded and " " in pat:
                            # "#NicolaWillis", "@nzfirst", "#CostOfLiving": a name of several
                            # words is one word in a hashtag or handle.
                            variants.append((pat.replace(" ", ""), replace(term, joined=True)))
                        for p, t in variants:
                            if p not in index:
                                index[p] = len(patterns)
                                patterns.append(p)
                                terms.append([])
                            terms[index[p]].append(t)
        self._ci = ahocorasick_rs.AhoCorasick(ci_patterns) if ci_patterns else None
        self._cs = ahocorasick_rs.AhoCorasick(cs_patterns) if cs_patterns else None
        self._ci_terms = ci_terms
        self._cs_terms = cs_terms

    def find(self, doc: Doc) -> list[Hit]:
        hits: list[Hit] = []
        folded = doc.folded
        if self._ci is not None:
            for idx, start, end in self._ci.find_matches_as_indexes(folded, overlapping=True):
                self._accept(doc, start, end, self._ci_terms[idx], hits)
        if self._cs is not None:
            for idx, start, end in self._cs.find_matches_as_indexes(doc.text, overlapping=True):
                self._accept(doc, start, end, self._cs_terms[idx], hits)
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    @staticmethod
    def _accept(doc: Doc, start: int, end: int, terms: list[Term], out: list[Hit]) -> None:
        text, folded = doc.text, doc.folded
        if (
            start > 0
            and _is_word(folded[start - 1])
            and _is_word(folded[start])
            and not _tag_break(text, start)
        ):
            return
        right_ok = (
            end >= len(folded)
            or not (_is_word(folded[end]) and _is_word(folded[end - 1]))
            or _tag_break(text, end)
        )
        for t in terms:
            if not right_ok and not t.prefix:
                continue
            if t.joined and not _in_tag(text, start):
                continue
            if _excluded(folded, start, end, t):
                continue
            end_at = end
            if t.prefix:
                while end_at < len(folded) and _is_word(folded[end_at]):
                    end_at += 1
            out.append(Hit(start, end_at, t.category, t.entry, t.weight))


def _followed_by(folded: str, end: int, words: tuple[str, ...]) -> bool:
    """Whether one of the words, whole, comes next after `end` (past spaces and hyphens)."""
    after = folded[end : end + 40].lstrip(" -'’")
    return any(
        after.startswith(w) and (len(after) == len(w) or not _is_word(after[len(w)])) for w in words
    )


def _preceded_by(folded: str, start: int, words: tuple[str, ...]) -> bool:
    """Whether one of the words, whole, comes just before `start` (past spaces and hyphens)."""
    before = folded[max(0, start - 40) : start].rstrip(" -")
    return any(
        before.endswith(w) and (len(before) == len(w) or not _is_word(before[-len(w) - 1]))
        for w in words
    )


def _excluded(folded: str, start: int, end: int, t: Term) -> bool:
    """Whether the term's context rules out a match at [start, end)."""
    if t.not_followed_by and _followed_by(folded, end, t.not_followed_by):
        return True
    if t.not_preceded_by and _preceded_by(folded, start, t.not_preceded_by):
        return True
    if t.not_near:
        window = folded[max(0, start - NEAR_CHARS) : end + NEAR_CHARS]
        return any(_has_word(window, w) for w in t.not_near)
    return False


@functools.cache
def shared_matcher() -> Matcher:
    from postcheck.guidance import policy_pack_dirs

    packs = tuple(d / "lexicons" for d in policy_pack_dirs() if (d / "lexicons").is_dir())
    return Matcher([load_lexicon(p) for p in lexicon_files(packs)])


@functools.cache
def lexicon(name: str) -> Lexicon:
    return load_lexicon(LEXICON_DIR / f"{name}.yaml")

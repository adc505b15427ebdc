"""Reviewed posts: a baseline file that keeps posts someone has already judged out of the report.

Like ruff's and Vale's baselines, the file lists what was looked at; a later scan counts those
posts as reviewed instead of listing them again. An entry is keyed by a fingerprint of the
platform, the post id, a hash of the text and the rules that fired, and it also records the
rules version it was reviewed under, so an edited post, a different set of findings or new
rules bring the post back for another look.

The file never holds post text: it is written next to the exports and may be shared with a
manager, so a hash stands in for the words. It is still written owner-only (0600), because
post ids and reasons say something about the person.

Format (documented in docs/scan.md, "Reviewed posts: the baseline file"):

    {"schema": "postcheck.baseline", "version": 1,
     "entries": [{"fingerprint": "...", "platform": "x", "post_id": "123",
                  "text_sha256": "...", "rules": ["rule-id"], "rules_version": "...",
                  "reason": "...", "reviewed": "2026-12-06"}]}

An entry whose `rules` holds one rule id and whose `finding` is true marks one finding as
reviewed rather than the whole post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

BASELINE_SCHEMA = "postcheck.baseline"
BASELINE_VERSION = 1
#: Written into new entries so the file shows at a glance which reviews still need a reason.
REASON_PLACEHOLDER = "TODO: say why this post is acceptable"

_MAX_BYTES = 64 * 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class BaselineError(Exception):
    """The baseline file can't be used; the message is one line for the CLI."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(platform: str, post_id: str | None, text_sha256: str, rules: Iterable[str]) -> str:
    """Stable across runs and machines: only the inputs, in a fixed order, feed the hash.

    Rule ids are sorted and de-duplicated because the engine's finding order follows severity,
    which may shift between versions without the set of findings changing.
    """
    parts = [platform, post_id or "", text_sha256, ",".join(sorted(set(rules)))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class Entry:
    fingerprint: str
    platform: str
    post_id: str
    text_sha256: str
    rules: list[str]
    rules_version: str
    reason: str = REASON_PLACEHOLDER
    reviewed: str = ""
    finding: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "platform": self.platform,
            "post_id": self.post_id,
            "text_sha256": self.text_sha256,
            "rules": self.rules,
            "rules_version": self.rules_version,
            "reason": self.reason,
            "reviewed": self.reviewed,
        }
        if self.finding:
            out["finding"] = True
        return out


@dataclass
class Verdict:
    """What the baseline says about one post's findings."""

    post: bool = False
    rules: set[str] = field(default_factory=set)


@dataclass
class Baseline:
    entries: dict[str, Entry] = field(default_factory=dict)
    #: Entries that matched a post in this scan (by fingerprint and rules version).
    used: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        name = path.name
        items = _entry_list(name, _parse(name, _read(path)))
        out = cls()
        for i, item in enumerate(items, 1):
            entry = _entry(item)
            if entry is None:
                raise BaselineError(f"{name}: baseline entry {i} is malformed")
            out.entries[entry.fingerprint] = entry
        return out

    def check(
        self, platform: str, post_id: str | None, text: str, rules: list[str], rules_version: str
    ) -> Verdict:
        """Which of this post's findings were reviewed under the same text and rules."""
        verdict = Verdict()
        if not self.entries or not rules:
            return verdict
        digest = text_hash(text)
        whole = self.entries.get(fingerprint(platform, post_id, digest, rules))
        if whole is not None and not whole.finding and whole.rules_version == rules_version:
            self.used.add(whole.fingerprint)
            verdict.post = True
            verdict.rules = set(rules)
            return verdict
        for rule in set(rules):
            one = self.entries.get(fingerprint(platform, post_id, digest, [rule]))
            if one is not None and one.finding and one.rules_version == rules_version:
                self.used.add(one.fingerprint)
                verdict.rules.add(rule)
        verdict.post = verdict.rules == set(rules)
        return verdict

    def add(  # noqa: PLR0913  check()'s post key, plus the date tests pin
        self,
        platform: str,
        post_id: str | None,
        text: str,
        rules: list[str],
        rules_version: str,
        today: dt.date | None = None,
    ) -> bool:
        """Record a post as reviewed, keeping the reason of an entry that is already there.

        True when the entry is new or renewed for these rules.
        """
        digest = text_hash(text)
        fp = fingerprint(platform, post_id, digest, rules)
        if fp in self.entries and self.entries[fp].rules_version == rules_version:
            return False
        old = self.entries.get(fp)
        self.entries[fp] = Entry(
            fingerprint=fp,
            platform=platform,
            post_id=post_id or "",
            text_sha256=digest,
            rules=sorted(set(rules)),
            rules_version=rules_version,
            # Same post, same findings, newer rules: the person's reason still applies.
            reason=old.reason if old is not None else REASON_PLACEHOLDER,
            reviewed=(today or dt.date.today()).isoformat(),
        )
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": BASELINE_SCHEMA,
            "version": BASELINE_VERSION,
            "entries": [
                e.to_json()
                for e in sorted(self.entries.values(), key=lambda e: (e.platform, e.post_id))
            ],
        }

    def save(self, path: Path) -> None:
        from postcheck.private_files import AtomicPrivateFile

        try:
            with AtomicPrivateFile(path, newline="\n") as out:
                json.dump(self.to_json(), out.handle, ensure_ascii=False, indent=1)
                out.handle.write("\n")
        except OSError as exc:
            raise BaselineError(
                f"{path.name}: cannot write the baseline file ({exc.strerror})"
            ) from None


def _read(path: Path) -> bytes:
    name = path.name
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise BaselineError(f"{name}: baseline file larger than 64 MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(
            f"{name}: no such baseline file (create it with --update-baseline)"
        ) from None
    except IsADirectoryError:
        raise BaselineError(f"{name}: is a folder, not a baseline file") from None
    except OSError as exc:
        raise BaselineError(f"{name}: cannot read the baseline file ({exc.strerror})") from None


def _parse(name: str, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BaselineError(f"{name}: not a baseline file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{name}: not a baseline file (bad JSON at line {exc.lineno}: {exc.msg})"
        ) from None


def _entry_list(name: str, data: Any) -> list[Any]:
    """The entries of a baseline document, once its schema and version are ones we read."""
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        raise BaselineError(f'{name}: not a baseline file (no "schema": "{BASELINE_SCHEMA}")')
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"{name}: baseline version {version!r} is not supported "
            f"(this postcheck reads version {BASELINE_VERSION})"
        )
    items = data.get("entries")
    if not isinstance(items, list):
        raise BaselineError(f'{name}: baseline file has no "entries" list')
    return items


def _entry(item: Any) -> Entry | None:
    if not isinstance(item, dict):
        return None
    fp, digest, rules = item.get("fingerprint"), item.get("text_sha256"), item.get("rules")
    strings = ("platform", "post_id", "rules_version")
    if not (_is_hash(fp) and _is_hash(digest)) or not isinstance(rules, list):
        return None
    if not all(isinstance(item.get(k), str) for k in strings):
        return None
    if not rules or not all(isinstance(r, str) for r in rules):
        return None
    reason, reviewed, finding = (
        item.get("reason", ""),
        item.get("reviewed", ""),
        item.get("finding", False),
    )
    if (
        not isinstance(reason, str)
        or not isinstance(reviewed, str)
        or not isinstance(finding, bool)
    ):
        return None
    if finding and len(rules) != 1:
        return None
    # The fingerprint must be what its own fields give, or a hand edit would silently hide a
    # different post (or none): recomputing catches both typos and tampering.
    if fingerprint(item["platform"], item["post_id"], digest, rules) != fp:
        return None
    return Entry(
        fingerprint=fp,
        platform=item["platform"],
        post_id=item["post_id"],
        text_sha256=digest,
        rules=sorted(set(rules)),
        rules_version=item["rules_version"],
        reason=reason,
        reviewed=reviewed,
        finding=finding,
    )


def _is_hash(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX

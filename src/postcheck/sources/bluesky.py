"""Bluesky repository export (a CAR file of DAG-CBOR blocks), decoded with libipld.

Records sit in the repository's Merkle Search Tree: the record key of each post (the last
part of its at:// URI, needed to build its link) is not in the record itself but in the tree,
where every entry stores only the suffix after the bytes it shares with the previous key.
The tree is walked from the signed commit named in the CAR header. Post text can show links
shortened; the full address is in the post's link facets and is put back (byte offsets).
If the file is cut short, every block before the damage is still used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postcheck.shapes import Kind, Platform, Post
from postcheck.sources.authors import author_from
from postcheck.sources.base import Profile, Reader, Sniff, SourceError, parse_date

POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"
_NO_TEXT = {
    "app.bsky.feed.repost": "reposts (the repository has only the reposted post's address)",
    "app.bsky.feed.like": "likes (the repository has only the liked post's address)",
    "app.bsky.graph.follow": "follows (no text)",
    "app.bsky.graph.block": "blocks (no text)",
}
#: Decoding errors of one block; libipld raises RecursionError for deep nesting.
_BLOCK_ERRORS = (ValueError, TypeError, KeyError, OverflowError, RecursionError)


def _varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("varint runs past the end")
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _cid_end(buf: bytes | memoryview, pos: int) -> int:
    """End offset of the binary CID starting at pos (CIDv1; v0 is a bare sha2-256 hash)."""
    if buf[pos] == 0x12 and buf[pos + 1] == 0x20:
        return pos + 34
    _, p = _varint(buf, pos)  # version
    _, p = _varint(buf, p)  # codec
    _, p = _varint(buf, p)  # hash function
    size, p = _varint(buf, p)
    return p + size


def decode_car(data: bytes) -> tuple[dict[str, Any], dict[bytes, Any], str | None]:
    """(header, blocks by binary CID, damage note). Tolerates a truncated tail.

    libipld gives links (CBOR tag 42) as binary CIDs, the same bytes that key the blocks.
    """
    import libipld

    try:
        header, raw_blocks = libipld.decode_car(data)
        return header, dict(raw_blocks), None
    except _BLOCK_ERRORS:
        pass
    # Damaged: walk the CAR framing block by block and keep what decodes.
    view = memoryview(data)
    try:
        hlen, pos = _varint(view, 0)
        header = libipld.decode_dag_cbor(bytes(view[pos : pos + hlen]))
    except (*_BLOCK_ERRORS, IndexError):
        raise SourceError("not a readable Bluesky repository (CAR header damaged)") from None
    if not isinstance(header, dict):
        raise SourceError("not a readable Bluesky repository (CAR header damaged)")
    pos += hlen
    blocks: dict[bytes, Any] = {}
    notes = []
    undecoded = 0
    while pos < len(view):
        try:
            blen, start = _varint(view, pos)
            end = start + blen
            if end > len(view):
                raise ValueError("block runs past the end of the file")
            cid_end = _cid_end(view, start)
            cid = bytes(view[start:cid_end])
        except (ValueError, TypeError, IndexError) as exc:
            notes.append(f"repository cut short or damaged after {len(blocks)} blocks ({exc})")
            break
        pos = end
        try:
            blocks[cid] = libipld.decode_dag_cbor(bytes(view[cid_end:end]))
        except _BLOCK_ERRORS:
            undecoded += 1  # its framing is sound: the blocks after it still count
    if undecoded:
        notes.insert(0, f"{undecoded} block(s) could not be decoded (damaged or nested too deep)")
    return header, blocks, "; ".join(notes) or None


class BlueskyReader(Reader):
    format = "bluesky"
    platform = Platform.bluesky
    label = "Bluesky repository (CAR)"
    finds = ("posts", "replies", "quotes", "profile")
    sniff = Sniff(shapes=(("car", 5),))

    def __init__(self, archive: Any, stats: Any = None, name: str | None = None) -> None:
        super().__init__(archive, stats)
        self._name = name
        self._repo: tuple[str, dict[bytes, Any], bytes] | None = None

    def _car_name(self) -> str:
        if self._name:
            return self._name
        from postcheck.sources.sniff import is_car

        for n in self.archive.names():
            if n.lower().endswith(".car") or is_car(self.archive, n):
                self._name = n
                return n
        raise SourceError("no Bluesky repository (.car) found")

    def _load(self) -> tuple[str, dict[bytes, Any], bytes]:
        if self._repo is None:
            name = self._car_name()
            header, blocks, note = decode_car(self.archive.read_bytes(name))
            if note:
                self.stats.lose(f"{name}: {note}")
            roots = header.get("roots") or []
            commit = blocks.get(roots[0]) if roots else None
            if not isinstance(commit, dict) or "data" not in commit:
                raise SourceError(f"{name}: repository commit block missing")
            self._repo = (str(commit.get("did") or ""), blocks, bytes(commit["data"]))
            self.stats.files.append(name)
        return self._repo

    def records(self) -> Iterator[tuple[str, Any]]:
        """(record key, record) in key order, walking the Merkle Search Tree."""
        _, blocks, root = self._load()
        self._walked: set[Any] = set()
        yield from self._walk(blocks, root, 0, set())
        # A damaged tree hides records that are still in the file: report them too (without
        # their key, so without a link) rather than lose them.
        for cid, rec in blocks.items():
            if cid not in self._walked and isinstance(rec, dict) and rec.get("$type") == POST:
                self.stats.repair("posts found outside the damaged tree (no link)")
                yield f"{POST}/", rec

    def _walk(
        self, blocks: dict[bytes, Any], cid: bytes, depth: int, seen: set[bytes]
    ) -> Iterator[tuple[str, Any]]:
        """The records under one tree node; `seen` stops a damaged tree that loops."""
        if cid in seen or depth > 64:
            self.stats.skip("repository tree loops or is too deep")
            return
        seen.add(cid)
        node = blocks.get(cid)
        if not isinstance(node, dict):
            self.stats.skip("repository tree node missing (damaged file)")
            return
        if node.get("l"):
            yield from self._walk(blocks, node["l"], depth + 1, seen)
        prev = b""
        for e in node.get("e") or []:
            try:
                # Keys are prefix-compressed: each shares its first `p` bytes with the last.
                key = prev[: int(e["p"])] + bytes(e["k"])
            except (KeyError, TypeError, ValueError):
                self.stats.skip("repository tree entry damaged")
                continue
            prev = key
            rec = blocks.get(e.get("v"))
            if rec is None:
                self.stats.skip("record block missing (damaged file)")
            else:
                self._walked.add(e.get("v"))
                yield key.decode("utf-8", "replace"), rec
            if e.get("t"):
                yield from self._walk(blocks, e["t"], depth + 1, seen)

    def read_profile(self) -> Profile | None:
        did, _blocks, _ = self._load()
        url = f"https://bsky.app/profile/{did}" if did else None
        for key, rec in self.records():
            if key.startswith(PROFILE + "/") and isinstance(rec, dict):
                bio = str(rec.get("description") or "")
                name = rec.get("displayName")
                return Profile(
                    platform=Platform.bluesky,
                    author=author_from(bio=bio),
                    handle=did,
                    name=name if isinstance(name, str) else None,
                    texts=(("bio", bio),) if bio else (),
                    url=url,
                )
        if not did:
            return None
        # The signed commit names the account even when it never set up a profile or
        # posted: an empty account reads as zero posts, not as an unreadable export.
        return Profile(platform=Platform.bluesky, author=author_from(), handle=did, url=url)

    def posts(self) -> Iterator[Post]:
        did, _, _ = self._load()
        self.profile()
        for key, rec in self.records():
            collection, _, rkey = key.partition("/")
            if collection in _NO_TEXT:
                self.stats.ignore(_NO_TEXT[collection])
                continue
            if collection != POST:
                if collection != PROFILE:
                    self.stats.ignore("other records without post text (lists, settings)")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                self.stats.skip("post record without text")
                continue
            text = expand_facets(rec["text"], rec.get("facets"))
            embed = rec.get("embed") or {}
            alt = [
                i.get("alt")
                for i in (embed.get("images") or [])
                if isinstance(i, dict) and i.get("alt")
            ]
            if alt:
                text += "\n" + "\n".join(f"[image: {a}]" for a in alt)
            post = self.make_post(
                text,
                kind=Kind.reply if rec.get("reply") else Kind.post,
                date=parse_date(rec.get("createdAt")),
                url=f"https://bsky.app/profile/{did}/post/{rkey}" if did and rkey else None,
                id=f"at://{did}/{POST}/{rkey}" if rkey else None,
            )
            if post is not None:
                yield post


def expand_facets(text: str, facets: Any) -> str:
    """Put back full link addresses where the visible text shortens them."""
    if not facets:
        return text
    raw = text.encode("utf-8")
    edits = []
    for f in facets:
        try:
            start, end = int(f["index"]["byteStart"]), int(f["index"]["byteEnd"])
        except (KeyError, TypeError, ValueError):
            continue
        for feat in f.get("features") or []:
            link = feat.get("$type") == "app.bsky.richtext.facet#link" and feat.get("uri")
            if link and 0 <= start < end <= len(raw):
                edits.append((start, end, str(feat["uri"]).encode("utf-8")))
    for start, end, uri in sorted(edits, reverse=True):
        shown = raw[start:end].decode("utf-8", "replace").rstrip(".…")
        if shown.removeprefix("https://").removeprefix("http://") not in uri.decode():
            continue  # link text that isn't the address (e.g. "this"): keep what was written
        raw = raw[:start] + uri + raw[end:]
    return raw.decode("utf-8", "replace")

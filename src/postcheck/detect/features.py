"""Hashed word and character n-gram features, computed with numpy only.

The same function builds the features when a model is trained (scikit-learn reads them as a
sparse matrix) and when it runs (the package multiplies them by the shipped weights), so what
the model learnt is exactly what it sees at run time: there is no second implementation to
drift. Hashes are a fixed polynomial over code points (not Python's salted `hash`), so they
are the same in every process and on every machine.

Feature space: word 1-2-grams hashed into `WORD_DIM` buckets and character 2-5-grams (within
the whole normalised text, spaces included) into `CHAR_DIM` buckets. Values are sublinear term
counts (1 + log n), L2-normalised per block so long and short posts weigh alike.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

from postcheck.detect.base import fold

WORD_BITS = 18
CHAR_BITS = 19
WORD_DIM = 1 << WORD_BITS
CHAR_DIM = 1 << CHAR_BITS
DIM = WORD_DIM + CHAR_DIM
CHAR_NS = (2, 3, 4, 5)
#: Version of the feature definition; a model trained on another version refuses to load.
FEATURES_VERSION = "ngram-hash-1"

_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEED = {n: np.uint64(0xCBF29CE484222325 ^ (n * 0x1F1F)) for n in CHAR_NS}

# URLs and @handles carry no meaning of their own in a post; user names especially would let a
# model learn who wrote a tweet rather than what it says.
_SUBST = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<user>@\w+)"
    r"|(?P<rep>(\w)\4{3,})"
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]")


def _subst(m: re.Match[str]) -> str:
    if m.group("url") is not None:
        return " url "
    if m.group("user") is not None:
        return "@user"
    return m.group(4) * 3


def _fold(text: str) -> str:
    # Same result as base.fold; most posts are ASCII, where that is just lower().
    return text.lower() if text.isascii() else fold(text)


def normalise(text: str) -> str:
    """Fold case and diacritics, replace links and handles, squash long letter runs."""
    return _SUBST.sub(_subst, _fold(text))


def normalise_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """`normalise` plus, for each character of the result, its offset in `text`."""
    folded = _fold(text)
    pieces: list[str] = []
    offsets: list[np.ndarray] = []
    pos = 0
    for m in _SUBST.finditer(folded):
        if m.start() > pos:
            pieces.append(folded[pos : m.start()])
            offsets.append(np.arange(pos, m.start()))
        rep = _subst(m)
        pieces.append(rep)
        # Every character of a replacement points into the span it replaced.
        offsets.append(np.minimum(np.arange(m.start(), m.start() + len(rep)), m.end() - 1))
        pos = m.end()
    if pos < len(folded):
        pieces.append(folded[pos:])
        offsets.append(np.arange(pos, len(folded)))
    norm = "".join(pieces)
    off = np.concatenate(offsets) if offsets else np.zeros(0, dtype=np.int64)
    return norm, off.astype(np.int64)


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX
    return h ^ (h >> np.uint64(29))


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _char_buckets(cp: np.ndarray, n: int, m: int) -> np.ndarray:
    """Feature ids of the m character n-grams of code points `cp` (a rolling FNV-style hash).

    Callers wrap it in np.errstate(over="ignore"): the hash wraps around on purpose."""
    h = np.full(m, _SEED[n], dtype=np.uint64)
    for k in range(n):
        h = (h ^ cp[k : k + m]) * _PRIME
    return (_mix(h) >> np.uint64(64 - CHAR_BITS)).astype(np.int64) + WORD_DIM


def char_ngram_ids(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bucket ids of every character n-gram of `text` (already normalised), with positions."""
    cp = _codepoints(" " + text + " ")
    ids, starts, lens = [], [], []
    with np.errstate(over="ignore"):
        for n in CHAR_NS:
            m = len(cp) - n + 1
            if m <= 0:
                continue
            ids.append(_char_buckets(cp, n, m))
            # Positions are in the padded string: subtract the leading space.
            starts.append(np.arange(m, dtype=np.int64) - 1)
            lens.append(np.full(m, n, dtype=np.int64))
    if not ids:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(ids), np.concatenate(starts), np.concatenate(lens)


def _word_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def word_ngram_ids(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bucket ids of word 1- and 2-grams of `text` (already normalised), with char spans."""
    toks = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    if not toks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    h = np.array([_word_hash(t) for t, _, _ in toks], dtype=np.uint64)
    st = np.array([s for _, s, _ in toks], dtype=np.int64)
    en = np.array([e for _, _, e in toks], dtype=np.int64)
    with np.errstate(over="ignore"):
        uni = _mix(h * _PRIME + np.uint64(1))
        bi = _mix((h[:-1] * _PRIME) ^ (h[1:] + np.uint64(0x51ED27)))
    ids = np.concatenate([uni, bi]) >> np.uint64(64 - WORD_BITS)
    starts = np.concatenate([st, st[:-1]])
    ends = np.concatenate([en, en[1:]])
    return ids.astype(np.int64), starts, ends


@dataclass(frozen=True, slots=True)
class SparseRows:
    """A CSR-style sparse matrix: row i holds indices[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_rows: int

    def to_scipy(self):  # training only: returns a scipy matrix
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=(self.n_rows, DIM))


def _block_values(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, counts = np.unique(ids, return_counts=True)
    vals = 1.0 + np.log(counts.astype(np.float64))
    norm = np.sqrt(np.dot(vals, vals))
    return uniq, (vals / norm if norm > 0 else vals)


def featurise_one(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature indices and values of one post (sorted by index)."""
    norm = normalise(text)
    w_ids, _, _ = word_ngram_ids(norm)
    c_ids, _, _ = char_ngram_ids(norm)
    idx_parts, val_parts = [], []
    for ids in (w_ids, c_ids):
        if len(ids):
            u, v = _block_values(ids)
            idx_parts.append(u)
            val_parts.append(v)
    if not idx_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(idx_parts), np.concatenate(val_parts)


def featurise(texts: list[str] | tuple[str, ...]) -> SparseRows:
    """Features of many posts as one sparse matrix, in one vectorised pass.

    Row i equals `featurise_one(texts[i])` (a test checks it); doing all posts at once turns
    thousands of small numpy calls into a few large ones.
    """
    n_docs = len(texts)
    norms = [normalise(t) for t in texts]
    # Word n-grams: regex and crc32 per token in Python, the rest vectorised.
    crc = zlib.crc32
    w_hash: list[int] = []
    n_tok = np.zeros(n_docs, dtype=np.int64)
    for d, norm in enumerate(norms):
        toks = _WORD.findall(norm)
        n_tok[d] = len(toks)
        w_hash.extend([crc(t.encode("utf-8")) for t in toks])
    keys = [np.zeros(0, dtype=np.int64)]
    blocks = [np.zeros(0, dtype=np.int64)]
    if w_hash:
        h = np.array(w_hash, dtype=np.uint64)
        wd = np.repeat(np.arange(n_docs, dtype=np.int64), n_tok)
        with np.errstate(over="ignore"):
            uni = _mix(h * _PRIME + np.uint64(1)) >> np.uint64(64 - WORD_BITS)
            ok = wd[1:] == wd[:-1]  # bigram i-1,i within one doc
            bi = _mix((h[:-1] * _PRIME) ^ (h[1:] + np.uint64(0x51ED27))) >> np.uint64(
                64 - WORD_BITS
            )
        ids = np.concatenate([uni.astype(np.int64), bi[ok].astype(np.int64)])
        docs = np.concatenate([wd, wd[1:][ok]])
        keys.append(docs * DIM + ids)
        blocks.append(docs * 2)
    # Character n-grams over all posts at once: each post padded with spaces, n-grams that
    # would run into the next post dropped.
    padded = [" " + n + " " for n in norms]
    lengths = np.array([len(p) for p in padded], dtype=np.int64)
    if n_docs:
        cp = _codepoints("".join(padded))
        ends = np.cumsum(lengths)
        pos_doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        with np.errstate(over="ignore"):
            for n in CHAR_NS:
                m = len(cp) - n + 1
                if m <= 0:
                    continue
                docs = pos_doc[:m]
                ok = np.arange(m, dtype=np.int64) + n <= ends[docs]
                ids = _char_buckets(cp, n, m)[ok]
                keys.append(docs[ok] * DIM + ids)
                blocks.append(docs[ok] * 2 + 1)
    key = np.concatenate(keys)
    uniq, first_idx, counts = np.unique(key, return_index=True, return_counts=True)
    block = np.concatenate(blocks)[first_idx]
    vals = 1.0 + np.log(counts.astype(np.float64))
    norm2 = np.bincount(block, weights=vals * vals, minlength=2 * n_docs)
    vals = vals / np.sqrt(norm2[block])
    doc = uniq // DIM
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc, minlength=n_docs), out=indptr[1:])
    return SparseRows(indptr, (uniq % DIM).astype(np.int32), vals, n_docs)


def feature_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every feature occurrence in `text` as (feature id, value, start, end) in `text` offsets.

    The value is the share of that feature's normalised weight carried by this occurrence, so
    summing `weight[id] * value` over occurrences gives back the model's score.
    """
    norm, off = normalise_with_offsets(text)
    out_ids, out_vals, out_s, out_e = [], [], [], []
    w_ids, w_s, w_e = word_ngram_ids(norm)
    c_ids, c_s, c_len = char_ngram_ids(norm)
    c_e = c_s + c_len
    for ids, s, e in ((w_ids, w_s, w_e), (c_ids, c_s, c_e)):
        if not len(ids):
            continue
        _, inv, counts = np.unique(ids, return_inverse=True, return_counts=True)
        vals = 1.0 + np.log(counts.astype(np.float64))
        vals = vals / np.sqrt(np.dot(vals, vals))
        share = vals[inv] / counts[inv]
        s = np.clip(s, 0, max(len(norm) - 1, 0))
        e = np.clip(e, 1, len(norm))
        if len(off):
            out_s.append(off[s])
            out_e.append(off[e - 1] + 1)
        else:
            out_s.append(s)
            out_e.append(e)
        out_ids.append(ids)
        out_vals.append(share)
    if not out_ids:
        z = np.zeros(0, dtype=np.int64)
        return z, np.zeros(0), z, z
    return (
        np.concatenate(out_ids),
        np.concatenate(out_vals),
        np.concatenate(out_s),
        np.concatenate(out_e),
    )

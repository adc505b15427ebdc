"""The New Zealand posts collected for training: well formed, and never the development set's."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from postcheck.training import nz_dev2, pool


def _collected(path: Path | None = None) -> list[dict]:
    path = path or pool.COLLECTED
    if not path.exists():
        pytest.skip("no collected posts in this checkout")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


# The training file, and the posts held out of training for val (rounds 8-10).
BOTH = pytest.mark.parametrize("path", [pool.COLLECTED, pool.COLLECTED_VAL], ids=["train", "val"])


@BOTH
def test_rows_are_well_formed(path: Path) -> None:
    rows = _collected(path)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["text"].strip() and r["url"].startswith("http"), r["id"]
        if "labels" not in r:
            continue  # reads differ and no third read yet: training leaves it out
        assert set(r["labels"]) <= set(pool.LABELS), r["id"]
        assert not {"political_opinion", "political_mention"} <= set(r["labels"]), r["id"]
        if "political_opinion" in r["labels"]:
            assert r["jurisdiction"] in ("nz", "foreign", "both"), r["id"]
        else:
            assert r["jurisdiction"] is None, r["id"]
        assert r["confidence"] in ("high", "low")
        assert r["reads"] in (1, 2, 3) and len(r["annotators"]) == r["reads"]


@BOTH
def test_nothing_from_the_development_set(path: Path) -> None:
    rows = _collected(path)
    dev = [json.loads(x) for x in nz_dev2.PATH.read_text(encoding="utf-8").splitlines() if x]
    dev_texts = {pool.fold(r["text"]) for r in dev}
    dev_pages = {pool.page_group(r["url"]) for r in dev}
    assert not [r["id"] for r in rows if pool.fold(r["text"]) in dev_texts]
    assert not [r["id"] for r in rows if pool.page_group(r["url"]) in dev_pages]


@BOTH
def test_no_development_post_is_quoted_inside_a_training_post(path: Path) -> None:
    # A page may quote a list of posts, or one post inside a longer one: punctuation and case
    # aside, no training post may hold a development post or be held in one.
    def words(t: str) -> str:
        return " ".join(re.findall(r"\w+", pool.fold(t).lower()))

    dev = [words(json.loads(x)["text"]) for x in nz_dev2.PATH.read_text("utf-8").splitlines() if x]
    clash = [
        r["id"]
        for r in _collected(path)
        for w in [words(r["text"])]
        if any((len(d) >= 30 and d in w) or (len(w) >= 30 and w in d) for d in dev)
    ]
    assert not clash


def test_one_page_one_split() -> None:
    rows = _collected()
    splits = defaultdict(set)
    for r in rows:
        source = f"nz-posts-train:{r['id']}"
        splits[pool.group_of(source)].add(pool.split_of(source))
    assert all(len(s) == 1 for s in splits.values())
    assert len(splits) > 1


def test_a_reddit_thread_is_one_page_under_any_mirror() -> None:
    a = "https://redlib.example/r/newzealand/comments/1abc23/some_title/"
    b = "https://old.reddit.com/r/NewZealand/comments/1ABC23/?sort=top"
    assert pool.page_group(a) == pool.page_group(b)
    assert pool.page_group("https://www.rnz.co.nz/news/x?utm=1#c") == "rnz.co.nz/news/x"
    assert pool.page_group("https://www.rnz.co.nz/news/x") != pool.page_group(
        "https://www.rnz.co.nz/news/y"
    )


def test_labelled_rows_join_the_pool_with_their_weight() -> None:
    from postcheck.training import multilabel

    labelled = [r for r in _collected() if "labels" in r]
    if not labelled:
        pytest.skip("nothing labelled yet")
    row = next(
        r for r in pool._from_collected() if r.source == f"nz-posts-train:{labelled[0]['id']}"
    )
    assert row.labels == frozenset(labelled[0]["labels"])
    base = multilabel.LOW_CONFIDENCE_WEIGHT if row.confidence == "low" else 1.0
    assert multilabel.row_weight(row) == pytest.approx(base * multilabel.COLLECTED_WEIGHT)


def test_the_training_file_is_rebuilt_from_the_raw_reads(tmp_path, monkeypatch) -> None:
    # The committed reads are the source: merging rounds 1-7 again gives the same file.
    import runpy
    import shutil
    import sys

    # Copies, so the merge's disagreements file lands in tmp_path, not in the repository.
    reads = pool.COLLECTED.parent / "reads"
    rounds = [
        str(shutil.copytree(reads / f"round{n}", tmp_path / f"round{n}")) for n in range(1, 8)
    ]
    out = tmp_path / "out" / "nz-posts-train-v1.jsonl"
    monkeypatch.setattr(pool, "COLLECTED", out)
    monkeypatch.setattr(sys, "argv", ["nz_posts_train_merge.py", *rounds])
    script = Path(__file__).resolve().parents[1] / "scripts" / "nz_posts_train_merge.py"
    runpy.run_path(str(script), run_name="__main__")
    committed = Path(__file__).resolve().parents[1] / "data" / "nz-posts" / out.name
    assert out.read_bytes() == committed.read_bytes()


def test_the_held_file_is_rebuilt_from_the_raw_reads(tmp_path, monkeypatch) -> None:
    # Rounds 8-10 merged after the training file (its posts count as taken) give the held file.
    import runpy
    import shutil
    import sys

    reads = pool.COLLECTED.parent / "reads"
    rounds = [str(shutil.copytree(reads / f"round{n}", tmp_path / f"round{n}")) for n in (8, 9, 10)]
    out = tmp_path / "out" / pool.COLLECTED_VAL.name
    argv = ["x", *rounds, "--first-round", "8", "--after", str(pool.COLLECTED), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    script = Path(__file__).resolve().parents[1] / "scripts" / "nz_posts_train_merge.py"
    runpy.run_path(str(script), run_name="__main__")
    assert out.read_bytes() == pool.COLLECTED_VAL.read_bytes()
    assert out.with_suffix(".agreement.json").read_bytes() == (
        pool.COLLECTED_VAL.with_suffix(".agreement.json").read_bytes()
    )


def test_held_posts_are_val_only_and_never_trained_on() -> None:
    from postcheck.training import multilabel

    held = _collected(pool.COLLECTED_VAL)
    trained = {pool.fold(r["text"]) for r in _collected()}
    assert not [r["id"] for r in held if pool.fold(r["text"]) in trained]
    assert {r["round"] for r in held} == {8, 9, 10}
    rows = [r for r in pool._from_collected() if r.source.startswith("nz-posts-val:")]
    # Most serve as val; a page hashed to the locked dev-test, or whose other posts are
    # trained on, waits.
    assert len(held) * 0.7 < len(rows) < len(held)
    assert {pool.split_of(r.source) for r in rows} == {"val"}
    for r in rows:
        assert pool.is_collected(r)
        base = multilabel.LOW_CONFIDENCE_WEIGHT if r.confidence == "low" else 1.0
        assert multilabel.row_weight(r) == pytest.approx(base * multilabel.COLLECTED_WEIGHT)
    train_pages = {
        pool.group_of(f"nz-posts-train:{r['id']}")
        for r in _collected()
        if pool.split_of(f"nz-posts-train:{r['id']}") == "train"
    }
    assert not [r.source for r in rows if pool.group_of(r.source) in train_pages]
    waiting = {r["id"] for r in held} - {r.source.split(":")[1] for r in rows}
    for pid in waiting:
        group = pool.group_of(f"nz-posts-val:{pid}")
        assert pool.held_split(pid) is None
        assert pool._hashed_split(group) == "devtest" or group in train_pages


@pytest.mark.usefixtures("shared_datasets")
def test_no_copy_of_a_development_tweet_is_trained_on() -> None:
    # The same headline or petition is tweeted many times with other links: a copy of a
    # development tweet under another id is the development set too.
    assert pool.copy_key("RT @nzherald: Jacinda Ardern on Budget https://t.co/x1") == pool.copy_key(
        "Jacinda Ardern on Budget http://dlvr.it/RWcMmH"
    )
    keys = pool.nz_dev_keys()
    assert len(keys) > 400
    assert not [r.source for r in pool.rows() if pool.copy_key(r.text) in keys]


def test_every_trained_disagreement_had_a_third_read() -> None:
    # The third-read batches come from scripts/nz_posts_reads.py: each post the two reads
    # disagree on must have been settled by a third reader before it trains anything.
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import nz_posts_reads
    from annotation_merge import read_jsonl

    reads = pool.COLLECTED.parent / "reads"
    trained = {r["id"] for r in read_jsonl(pool.COLLECTED)}
    for work in sorted(reads.glob("round*")):
        settled = {r["id"] for f in work.glob("third/*.out.jsonl") for r in read_jsonl(f)}
        unsettled = {r["id"] for r in nz_posts_reads.disagreements(work)} - settled
        assert not unsettled & trained, work.name
        assert settled, work.name
        # A round read but not yet merged (it waits for a retrain that beats the shipped
        # models) must be whole already: the next merge must not find a post half settled.
        ids = {r["id"] for f in work.glob("part*.jsonl") for r in read_jsonl(f)}
        if not ids & trained:
            assert not unsettled, work.name

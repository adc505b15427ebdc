"""The fast `disrespect` model learns from tweets the transformer labelled (`training.distil`)."""

from __future__ import annotations

from pathlib import Path

from postcheck.detect.trained import MODELS_DIR


def test_transfer_tweets_are_fixed_and_exclude_what_they_must(shared_datasets: Path) -> None:
    from postcheck.training import data, distil

    val = {e.text.strip() for e in data.tweeteval("offensive", "val")}
    rows = distil.transfer_texts(val)
    assert rows == distil.transfer_texts(val)  # the same order every run
    texts = [t for _, t in rows]
    assert len(texts) == len(set(texts)) > 20_000
    assert not val & set(texts)  # validation tweets never become training rows
    sources = {s.split(":")[0] for s, _ in rows}
    assert sources <= {
        "tweeteval/hate",
        "tweeteval/emotion",
        "tweeteval/irony",
        "tweettopic",
        "davidson",
    } | {f"tweeteval/stance/{t}" for t in data.STANCE_TARGETS}
    # Only train splits: no text of a set's validation split slips in.
    hate_val = {e.text.strip() for e in data.tweeteval("hate", "val")}
    assert not hate_val & set(texts) - {e.text.strip() for e in data.tweeteval("hate", "train")}


def test_shipped_fast_model_says_it_was_taught() -> None:
    card = (MODELS_DIR / "disrespect.md").read_text(encoding="utf-8")
    assert "Distilled from the transformer" in card
    assert "(labelled by the transformer)" in card  # its data table lists those rows
    assert "tweeteval/offensive:train" in card

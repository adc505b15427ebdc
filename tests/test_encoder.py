"""The transformer stage of the disrespect cascade: artefacts, run time and cascade wiring."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from postcheck.detect import encoder as enc_mod
from postcheck.detect import trained
from postcheck.detect.encoder import EncoderMeta, EncoderModel, encoder_for
from postcheck.detect.trained import MODELS_DIR, ModelError

CLEAR = "Lovely morning for a walk along the waterfront with the dog."
NASTY = "You're a pathetic idiot, shut up and go away."


@pytest.fixture(autouse=True)
def _fresh_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The mode is read once per process; tests that change it must re-read it, and leave
    # the default behind for the tests after them.
    monkeypatch.delenv("POSTCHECK_ENCODER", raising=False)
    enc_mod.reset_mode()
    yield
    monkeypatch.delenv("POSTCHECK_ENCODER", raising=False)
    enc_mod.reset_mode()


def _set_mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("POSTCHECK_ENCODER", mode)
    enc_mod.reset_mode()


@pytest.fixture(scope="module")
def enc() -> EncoderModel:
    model = encoder_for("disrespect")
    assert model is not None, "the package ships a disrespect encoder"
    return model


def test_artefacts_are_small_and_carry_a_card(enc: EncoderModel) -> None:
    onnx_path = MODELS_DIR / "disrespect.encoder.onnx"
    assert onnx_path.stat().st_size < 10_000_000
    card = (MODELS_DIR / "disrespect.encoder.md").read_text(encoding="utf-8")
    for must in ("Validation scores", "Licences", "tweeteval/offensive", "Trained:"):
        assert must in card
    fast, thorough = enc.point("fast"), enc.point("thorough")
    lo, hi = fast.band
    ngram = trained.model_for("disrespect")
    assert ngram is not None
    # The band straddles the n-gram model's own threshold: the unsure posts are the ones
    # near its decision, and outside the band its decision stands.
    assert 0.0 <= lo <= ngram.threshold <= hi <= 1.0
    assert thorough.band == (0.0, 1.0)
    for pt in (fast, thorough):
        assert 0.0 < pt.weight <= 1.0 and 0.0 < pt.threshold < 1.0
    # Reading every post is at least as accurate on validation as reading the band.
    assert thorough.scores["macro_f1"] >= fast.scores["macro_f1"]


def test_encoder_separates_abuse_from_ordinary_posts(enc: EncoderModel) -> None:
    logits = enc.logits([CLEAR, NASTY, "have a great weekend everyone"])
    assert logits[1] > logits[0] and logits[1] > logits[2]


def test_batching_and_order_do_not_change_scores(enc: EncoderModel) -> None:
    texts = [NASTY, CLEAR, "meh", "what a load of rubbish from the council, idiots the lot of them"]
    together = enc.logits(texts)
    apart = np.array([enc.logits([t])[0] for t in texts])
    reversed_ = enc.logits(texts[::-1])[::-1]
    # Each text runs on its own, so its score never depends on its neighbours.
    assert np.array_equal(together, apart)
    assert np.array_equal(together, reversed_)


def test_pruned_vocabulary_still_tokenises_anything(enc: EncoderModel) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(MODELS_DIR / "disrespect.encoder.tokenizer.json"))
    vocab = tok.get_vocab()
    for text in (
        "Kia ora koutou, mōrena e te whānau!",
        "zxqvbnm floccinaucinihilipilification 12345 @user #hashtag",
        "Ngā mihi nui ki a koutou katoa",
    ):
        enc_ = tok.encode(text)
        assert "[UNK]" not in enc_.tokens, text
        assert all(i < len(vocab) for i in enc_.ids)
    assert enc_.tokens[0] == "[CLS]" and enc_.tokens[-1] == "[SEP]"


def test_cascade_reads_only_unsure_posts_and_says_so() -> None:
    texts = [CLEAR, NASTY, "Have a great weekend everyone, ka kite!", "you absolute muppet lol"]
    readings = trained.score_cascade(texts, ["disrespect"])["disrespect"]
    enc = encoder_for("disrespect")
    assert enc is not None
    model = trained.model_for("disrespect")
    assert model is not None
    ngram = model.score_many(texts)
    assert list(readings.stage) == list(enc.in_band(ngram))
    # Outside the band the n-gram model's score and threshold stand unchanged.
    out = ~readings.stage
    assert np.allclose(readings.prob[out], ngram[out])
    assert np.all(readings.threshold[out] == model.threshold)
    assert np.all(readings.threshold[readings.stage] == enc.point("fast").threshold)


def test_thorough_mode_reads_every_post(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [CLEAR, NASTY, "Have a great weekend everyone, ka kite!"]
    _set_mode(monkeypatch, "thorough")
    readings = trained.score_cascade(texts, ["disrespect"])["disrespect"]
    assert readings.stage.all()
    # Scores cached under one mode are never served under another.
    thorough = trained.cached_scores(NASTY)["disrespect"]
    _set_mode(monkeypatch, "off")
    off = trained.cached_scores(NASTY)["disrespect"]
    assert thorough[2] is True and off[2] is False


def test_an_unknown_mode_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_mode(monkeypatch, "turbo")
    with pytest.raises(ModelError, match="POSTCHECK_ENCODER"):
        enc_mod.current_mode()


def test_cli_thorough_flag_and_bad_mode(tmp_path: Path) -> None:
    import os

    exe = Path(sys.executable).with_name("postcheck")
    env = {**os.environ, "POSTCHECK_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run(
        [str(exe), "check", "--thorough", "--format", "json", NASTY],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    evidence = json.dumps(report)
    assert "+encoder" in evidence  # the transformer read it, and the report says so
    bad = subprocess.run(
        [str(exe), "check", NASTY],
        capture_output=True,
        text=True,
        env={**env, "POSTCHECK_ENCODER": "turbo"},
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "POSTCHECK_ENCODER" in bad.stderr


def test_combine_rises_with_the_encoder(enc: EncoderModel) -> None:
    ng = np.zeros(5)
    probs = enc.combine(ng, np.linspace(-4, 4, 5))
    assert np.all(np.diff(probs) >= 0) and np.all((probs >= 0) & (probs <= 1))


def test_missing_or_damaged_files_are_model_errors(tmp_path: Path) -> None:
    card = tmp_path / "x.encoder.json"
    card.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        EncoderMeta.load(card)
    good = json.loads((MODELS_DIR / "disrespect.encoder.json").read_text(encoding="utf-8"))
    bad_band = json.loads(json.dumps(good))
    bad_band["modes"]["fast"]["band"] = [0.9, 0.1]
    card.write_text(json.dumps(bad_band), encoding="utf-8")
    with pytest.raises(ModelError):
        EncoderMeta.load(card)
    card.write_text(json.dumps(good), encoding="utf-8")
    meta = EncoderMeta.load(card)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00not an onnx model")
    shutil.copy(MODELS_DIR / "disrespect.encoder.tokenizer.json", tmp_path / "tok.json")
    model = EncoderModel(meta, broken, tmp_path / "tok.json")
    with pytest.raises(ModelError):
        model.logits(["hello"])


def test_encoder_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_mode(monkeypatch, "off")
    assert enc_mod.encoder_for("disrespect") is None
    readings = trained.score_cascade([NASTY], ["disrespect"])["disrespect"]
    assert not readings.stage.any()


def _modules_after(code: str) -> set[str]:
    prog = (
        "import sys, postcheck\n"
        f"{code}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('onnxruntime', 'tokenizers', 'torch', 'transformers', 'sklearn', 'scipy'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in out.stdout.strip().split(",") if m}


def _bulk(text: str) -> str:
    return (
        "from postcheck.engine import default_engine\n"
        "from postcheck.model import Post\n"
        f"list(default_engine().check_many([Post(text={text!r})]))"
    )


def test_in_bulk_a_clear_post_never_loads_onnxruntime() -> None:
    assert _modules_after(_bulk(CLEAR)) == set()


def _unsure_text() -> str:
    """A post from the project's own sets that the n-gram model is unsure of."""
    from postcheck.training import data

    texts = [r.text for n in data.PROJECT_SETS for r in data.project_rows(n, "val")]
    texts += ["you absolute muppet lol", "what a load of rubbish", "shut up", "this is crap"]
    enc = encoder_for("disrespect")
    model = trained.model_for("disrespect")
    assert enc is not None and model is not None
    picked = [t for t, b in zip(texts, enc.in_band(model.score_many(texts)), strict=True) if b]
    assert picked, "some ordinary posts fall in the band, or the band reads nothing"
    return picked[0]


def test_an_unsure_post_loads_the_encoder_but_no_training_library() -> None:
    for code in (_bulk(_unsure_text()), f"postcheck.check({CLEAR!r})"):  # one draft: always
        loaded = _modules_after(code)
        assert "onnxruntime" in loaded
        assert not loaded & {"torch", "transformers", "sklearn", "scipy"}


def test_one_draft_is_read_thoroughly_and_bulk_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    assert enc_mod.current_mode() == "fast"
    assert enc_mod.single_post_mode() == "thorough"
    with enc_mod.reading("thorough"):
        assert enc_mod.current_mode() == "thorough"
        readings = trained.score_cascade([CLEAR], ["disrespect"])["disrespect"]
        assert readings.stage.all()
    assert enc_mod.current_mode() == "fast"
    # An explicit $POSTCHECK_ENCODER wins over the single-post default.
    _set_mode(monkeypatch, "off")
    assert enc_mod.single_post_mode() == "off"
    with pytest.raises(ModelError), enc_mod.reading("turbo"):
        pass


def test_cli_single_draft_reads_thoroughly(tmp_path: Path) -> None:
    import os

    exe = Path(sys.executable).with_name("postcheck")
    env = {k: v for k, v in os.environ.items() if k != "POSTCHECK_ENCODER"}
    env["POSTCHECK_CONFIG_DIR"] = str(tmp_path)
    out = subprocess.run(
        [str(exe), "check", "--format", "json", NASTY], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1, out.stderr
    assert "+encoder" in out.stdout
    fast = subprocess.run(
        [str(exe), "check", "--format", "json", NASTY],
        capture_output=True,
        text=True,
        env={**env, "POSTCHECK_ENCODER": "off"},
    )
    assert "+encoder" not in fast.stdout

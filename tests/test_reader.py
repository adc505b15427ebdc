"""The multi-label reader and the cascade around it: artefacts, run time and wiring."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from postcheck.detect import encoder as enc_mod
from postcheck.detect import trained
from postcheck.detect.base import Doc
from postcheck.detect.reader import SIGNAL_LABELS, Reader, load_reader
from postcheck.detect.trained import MODELS_DIR, ModelError
from postcheck.engine import default_engine
from postcheck.shapes import Post

CLEAR = "Lovely morning for a walk along the waterfront with the dog."
NASTY = "You're a pathetic idiot, shut up and go away."
POLITICAL = "Luxon and his cronies are wrecking the country, vote them out."


@pytest.fixture(autouse=True)
def _fresh_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Each test starts from the defaults, whatever the environment running the suite says.
    monkeypatch.delenv("POSTCHECK_ENCODER", raising=False)
    yield


def _set_mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("POSTCHECK_ENCODER", mode)


@pytest.fixture(scope="module")
def reader() -> Reader:
    r = load_reader()
    assert r is not None, "the package ships the multi-label reader"
    return r


def test_artefacts_are_small_and_carry_a_card(reader: Reader) -> None:
    assert (MODELS_DIR / "signals.encoder.onnx").stat().st_size < 16_000_000
    card = (MODELS_DIR / "signals.md").read_text(encoding="utf-8")
    for must in ("Validation scores", "Licences", "agreement", "Trained:", "dev-test"):
        assert must in card
    for label in ("political_opinion", "disrespect", "profanity", "persuasion"):
        assert reader.has(label) and 0.0 < reader.threshold(label) < 1.0
    # Every student has a band that straddles its own threshold: the unsure posts are the
    # ones near its decision, and outside the band its decision stands.
    for name in ("political", "disrespect", "persuasion", "hate"):
        model = trained.model_for(name)
        band = reader.band(name)
        assert model is not None and band is not None
        assert 0.0 <= band[0] <= model.threshold <= band[1] <= 1.0


def test_reader_separates_what_it_should(reader: Reader) -> None:
    p = reader.probs([CLEAR, NASTY, POLITICAL, "have a great weekend everyone"])
    dis, pol = reader.column("disrespect"), reader.column("political_opinion")
    assert p[1, dis] > max(p[0, dis], p[3, dis])
    assert p[2, pol] > max(p[0, pol], p[3, pol], p[1, pol])


def test_batching_and_order_do_not_change_scores(reader: Reader) -> None:
    texts = [NASTY, CLEAR, "meh", "what a load of rubbish from the council, idiots the lot of them"]
    together = reader.probs(texts)
    apart = np.vstack([reader.probs([t]) for t in texts])
    reversed_ = reader.probs(texts[::-1])[::-1]
    # Each text runs on its own, so its score never depends on its neighbours.
    assert np.array_equal(together, apart)
    assert np.array_equal(together, reversed_)


WEEKEND = (
    "Had a lovely weekend with the whanau up at the bach. We walked the coastal track on "
    "Saturday morning, the kids found a heap of shells and the dog chased every seagull on "
    "the beach. Sunday was slower: pancakes, a long swim, then a barbecue with the neighbours "
    "who brought the best pavlova I have had in years. "
)


def test_a_long_post_is_read_to_its_end(reader: Reader) -> None:
    # The reader's window is 96 tokens; an insult after two paragraphs used to go unread,
    # and one draft (which trusts the reader) was called fine.
    long = WEEKEND * 2 + NASTY
    assert reader.windows(WEEKEND * 2) > 1
    dis = reader.column("disrespect")
    probs, complete = reader.read([WEEKEND * 2, long, NASTY])
    assert complete.all()
    assert probs[1, dis] >= reader.threshold("disrespect") > probs[0, dis]
    assert probs[1, dis] == pytest.approx(probs[2, dis], abs=0.2)


def test_past_the_readers_reach_a_firing_student_keeps_its_reading(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postcheck.detect import reader as reader_mod

    _set_mode(monkeypatch, "thorough")
    monkeypatch.setattr(reader_mod, "MAX_WINDOWS", 1)
    # Said three times, so the student's last piece is the political sentence and not the
    # weekend, and the student fires on it.
    text = WEEKEND * 3 + " ".join([POLITICAL] * 3)
    model = trained.model_for("political")
    assert model is not None and model.score_many([text])[0] < model.threshold
    assert trained.score_cascade([text], mode="fast")["political"].prob[0] >= model.threshold
    out = trained.score_cascade([text])
    pol = out["political"]
    # The reader saw only the weekend; the student read the whole post and stays.
    assert pol.prob[0] >= pol.threshold[0]
    assert not pol.stage[0]


def test_leetspeak_is_read_as_the_word_it_spells(reader: Reader) -> None:
    plain, leet = reader.probs(["Worst Finance Minister ever", "W0rst F1nance M1nister ever"])
    assert np.allclose(plain, leet)


def test_in_bulk_leetspeak_that_hides_a_word_is_read(reader: Reader) -> None:
    # The students read the text as written: unread, this post was called fine in a scan.
    hidden = "W0rst Pr1me M1n1ster in a generation, absolute cl0wn"
    assert trained.disguised(hidden)
    out = trained.score_cascade([hidden, "Stuck on SH1 again #covid19nz"])
    assert out["political"].stage[0] and out["political"].prob[0] >= reader.threshold(
        "political_opinion"
    )
    # Digits that spell no known word ("SH1", "covid19nz") send nothing to the reader.
    assert not trained.disguised("Stuck on SH1 again #covid19nz")


def test_cascade_reads_only_unsure_posts_and_says_so(reader: Reader) -> None:
    texts = [CLEAR, NASTY, "Have a great weekend everyone, ka kite!", "you absolute muppet lol"]
    out = trained.score_cascade(texts)
    names = [n for n in out if trained.model_for(n) is not None]
    unsure = np.zeros(len(texts), dtype=bool)
    for n in names:
        model = trained.model_for(n)
        band = reader.band(n)
        assert model is not None
        if band is not None:
            p = model.score_many(texts)
            unsure |= (p >= band[0]) & (p <= band[1])
    for n in names:
        assert list(out[n].stage) == list(unsure)
    # Outside the band every student's score and threshold stand unchanged.
    keep = ~unsure
    dis = trained.model_for("disrespect")
    assert dis is not None
    assert np.allclose(out["disrespect"].prob[keep], dis.score_many(texts)[keep])
    assert np.all(out["disrespect"].threshold[keep] == dis.threshold)
    assert np.all(out["disrespect"].threshold[unsure] == reader.threshold("disrespect"))


def test_thorough_mode_reads_every_post_and_every_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [CLEAR, NASTY, "Have a great weekend everyone, ka kite!"]
    _set_mode(monkeypatch, "thorough")
    out = trained.score_cascade(texts)
    assert out["disrespect"].stage.all()
    # Signals no student covers come from the reader alone.
    assert {"harassment", "jurisdiction_nz", "jurisdiction_foreign"} <= set(out)
    assert set(out) <= set(SIGNAL_LABELS)
    # The same text read in two modes in one process gives each mode's reading.
    thorough = Doc.of(Post(text=NASTY), mode="thorough").readings()["disrespect"]
    off = Doc.of(Post(text=NASTY), mode="off").readings()["disrespect"]
    assert thorough[2] is True and off[2] is False


def test_an_unknown_mode_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_mode(monkeypatch, "turbo")
    with pytest.raises(ModelError, match="POSTCHECK_ENCODER"):
        enc_mod.mode_for()
    with pytest.raises(ModelError, match="POSTCHECK_ENCODER"):
        trained.score_cascade([CLEAR])
    with pytest.raises(ModelError, match="encoder mode"):
        trained.score_cascade([CLEAR], mode="turbo")


def test_reader_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_mode(monkeypatch, "off")
    out = trained.score_cascade([NASTY])
    assert not out["disrespect"].stage.any()
    assert "harassment" not in out


def test_missing_or_damaged_files_are_model_errors(tmp_path: Path) -> None:
    (tmp_path / "signals.encoder.json").write_text("{not json", encoding="utf-8")
    shutil.copy(MODELS_DIR / "signals.encoder.tokenizer.json", tmp_path)
    (tmp_path / "signals.encoder.onnx").write_bytes(b"\x00not an onnx model")
    with pytest.raises(ModelError):
        load_reader(models_dir=tmp_path)
    card = json.loads((MODELS_DIR / "signals.encoder.json").read_text(encoding="utf-8"))
    (tmp_path / "signals.encoder.json").write_text(json.dumps(card), encoding="utf-8")
    broken = load_reader(models_dir=tmp_path)
    assert broken is not None
    with pytest.raises(ModelError):
        broken.probs(["hello"])
    card["reads"] = "for_encoder/99"
    (tmp_path / "signals.encoder.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match="preparation"):
        load_reader(models_dir=tmp_path)
    (tmp_path / "signals.encoder.onnx").unlink()
    with pytest.raises(ModelError, match="missing"):
        load_reader(models_dir=tmp_path)


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
        "from postcheck.shapes import Post\n"
        f"list(default_engine().check_many([Post(text={text!r})]))"
    )


def _read_in_bulk(text: str) -> bool:
    return any(bool(r.stage[0]) for r in trained.score_cascade([text]).values())


def test_in_bulk_a_clear_post_never_loads_onnxruntime() -> None:
    assert not _read_in_bulk(CLEAR)
    assert _modules_after(_bulk(CLEAR)) == set()


def test_an_unsure_post_loads_the_reader_but_no_training_library() -> None:
    candidates = [
        "you absolute muppet lol",
        "what a load of rubbish",
        "shut up",
        "this is crap",
        "the minister should resign",
        "my boss is a joke",
        "vote them out",
        "so sick of this government",
        # Read in bulk by the models retrained on 2026-12-07, whose bands are narrower.
        "the minister is useless",
        "my boss is a bit of a clown",
        "typical Labour",
    ]
    unsure = [t for t in candidates if _read_in_bulk(t)]
    assert unsure, "some of these fall in a band, or the bands read nothing"
    for code in (_bulk(unsure[0]), f"postcheck.check({CLEAR!r})"):  # one draft: always
        loaded = _modules_after(code)
        assert "onnxruntime" in loaded
        assert not loaded & {"torch", "transformers", "sklearn", "scipy"}


def test_one_draft_is_read_thoroughly_and_bulk_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    assert enc_mod.mode_for() == "fast"
    assert enc_mod.mode_for(single=True) == "thorough"
    assert enc_mod.mode_for(thorough=True) == "thorough"
    assert trained.score_cascade([CLEAR], mode="thorough")["disrespect"].stage.all()
    assert not trained.score_cascade([CLEAR])["disrespect"].stage.all()
    # The engine reads one draft the way its door asks, and in bulk otherwise.
    engine = default_engine()
    drafted = engine.check(Post(text=CLEAR), mode=enc_mod.mode_for(single=True))
    bulk = engine.check(Post(text=CLEAR))
    assert any("+encoder" in e for s in drafted.signals for e in s.evidence)
    assert not any("+encoder" in e for s in bulk.signals for e in s.evidence)
    # An explicit $POSTCHECK_ENCODER wins over the single-post default.
    _set_mode(monkeypatch, "off")
    assert enc_mod.mode_for(single=True) == "off"
    with pytest.raises(ModelError):
        enc_mod.check_mode("turbo")


def test_cli_single_draft_reads_thoroughly_and_bad_mode_is_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("postcheck")
    env = {k: v for k, v in os.environ.items() if k != "POSTCHECK_ENCODER"}
    env["POSTCHECK_CONFIG_DIR"] = str(tmp_path)
    out = subprocess.run(
        [str(exe), "check", "--format", "json", NASTY], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1, out.stderr
    assert "+encoder" in out.stdout  # the reader read it, and the report says so
    off = subprocess.run(
        [str(exe), "check", "--format", "json", NASTY],
        capture_output=True,
        text=True,
        env={**env, "POSTCHECK_ENCODER": "off"},
    )
    assert "+encoder" not in off.stdout
    bad = subprocess.run(
        [str(exe), "check", NASTY],
        capture_output=True,
        text=True,
        env={**env, "POSTCHECK_ENCODER": "turbo"},
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "POSTCHECK_ENCODER" in bad.stderr


def test_a_post_a_confirmed_student_fires_on_is_read_in_bulk(reader: Reader) -> None:
    """The card's confirmed students (chosen on val: `students.choose_confirmed`) have a band
    from their threshold up, so whatever they fire on is the reader's to call. The grievance
    student fires on people praising their job; the reader does not."""
    card = json.loads((MODELS_DIR / "signals.encoder.json").read_text(encoding="utf-8"))
    confirmed = card["bulk"]["confirmed"]
    assert "grievance" in confirmed
    for name in confirmed:
        model = trained.model_for(name)
        assert model is not None
        assert reader.band(name) == (pytest.approx(model.threshold, abs=1e-4), 1.0)
    texts = [
        "I love my job. I work with a great set of colleagues",
        "great work life balance some understanding managers",
        "Varied shifts, always something to do.",
        "My manager is useless and the pay is a joke, worst job I've had",
    ]
    student = trained.model_for("grievance")
    assert student is not None
    fires = student.score_many(texts) >= student.threshold
    assert fires.sum() >= 2, "the grievance student fires on some of these"
    out = trained.score_cascade(texts)["grievance"]
    assert out.stage[fires].all()
    # What the reader read takes the reader's threshold; the praise is no longer a grievance.
    assert np.all(out.threshold[fires] == reader.threshold("grievance"))
    assert not (out.prob[:3] >= out.threshold[:3]).any()

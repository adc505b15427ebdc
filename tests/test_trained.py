"""Shipped models: loading, runtime/training agreement, calibration, explanations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from postcheck.detect import features, trained
from postcheck.detect.trained import LinearModel, ModelError, model_for
from postcheck.training.students import STUDENTS

MODEL_NAMES = tuple(STUDENTS)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_loads_with_its_card(name: str) -> None:
    model = model_for(name)
    assert model is not None, f"no shipped model for {name}"
    assert model.name == name and model.version
    assert 0.0 < model.threshold < 1.0
    path = trained.MODELS_DIR / f"{name}.npz"
    assert path.stat().st_size < 10 * 1024 * 1024
    card = (trained.MODELS_DIR / "signals.md").read_text(encoding="utf-8")
    assert "Validation scores" in card and "Licences" in card and f"| {name} |" in card
    assert model_for(name) is model  # cached


def test_unknown_signal_has_no_model() -> None:
    assert model_for("harassment") is None  # too rare for a student: the reader alone
    assert model_for("no-such-signal") is None


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_runtime_reproduces_training_probabilities(name: str) -> None:
    """int8 numpy weights + numpy featuriser agree with the float64 scikit-learn model."""
    model = model_for(name)
    assert model is not None
    probes = model.meta["probes"]
    texts = [t for t, _ in probes]
    want = np.array([p for _, p in probes])
    got = model.score_rows(features.featurise(texts))
    # int8 rounding moves a probability near the middle by up to about 0.02 on a long probe
    # (0.022 on one persuasion probe at 0.41); the decision check below is the guarantee.
    assert np.max(np.abs(got - want)) < 0.03, list(zip(texts, got, want, strict=True))
    t = model.linear.threshold
    clear = np.abs(want - t) > 0.01  # away from the threshold the decision must not change
    assert np.array_equal((got >= t)[clear], (want >= t)[clear])


def test_scipy_view_of_features_matches_numpy_scoring() -> None:
    """The sparse matrix scikit-learn trains on is the one the runtime multiplies."""
    pytest.importorskip("scipy")
    model = model_for("disrespect")
    assert model is not None
    texts = ["you absolute muppet", "nice day for it", "", "Ngā mihi, e hoa!"]
    rows = features.featurise(texts)
    x = rows.to_scipy()
    assert x.shape == (4, features.DIM)
    want = x @ model.linear.weights.astype(np.float64) + model.linear.bias
    assert np.allclose(model.linear.decision(rows), want, atol=1e-4)


def test_featuriser_is_deterministic_and_bounded() -> None:
    a = features.featurise_one("Kia ora koutou! The Nats & Labour... https://x.nz/y @bob")
    b = features.featurise_one("Kia ora koutou! The Nats & Labour... https://x.nz/y @bob")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].min() >= 0 and a[0].max() < features.DIM
    # Handles and links are replaced: who is mentioned must not change the features.
    c = features.featurise_one("Kia ora koutou! The Nats & Labour... https://z.com @alice")
    assert np.array_equal(a[0], c[0])
    empty = features.featurise([""])
    idx, _ = features.featurise_one("")
    assert empty.n_rows == 1 and np.array_equal(empty.indices, idx)


def test_batch_rows_equal_single_rows() -> None:
    texts = ["", " ", "a", "🙂 kia ora", "Ōtautahi — the Nats!!", "x " * 300, "@a https://b.c d"]
    rows = features.featurise(texts)
    for i, t in enumerate(texts):
        idx, val = features.featurise_one(t)
        a, b = rows.indptr[i], rows.indptr[i + 1]
        assert np.array_equal(rows.indices[a:b], idx), t
        assert np.allclose(rows.data[a:b], val), t


def test_feature_spans_point_into_the_original_text() -> None:
    text = "Ōtautahi: see https://example.org/x — you IDIOT!!!!!!"
    ids, vals, starts, ends = features.feature_spans(text)
    assert len(ids) and (starts >= 0).all() and (ends <= len(text)).all() and (starts < ends).all()
    # Occurrence shares add back up to each feature's value.
    idx, val = features.featurise_one(text)
    total = {int(i): 0.0 for i in idx}
    for i, v in zip(ids, vals, strict=True):
        total[int(i)] += float(v)
    assert np.allclose([total[int(i)] for i in idx], val)


def test_explain_returns_the_words_that_drove_the_score() -> None:
    model = model_for("disrespect")
    assert model is not None
    text = "Honestly you are a pathetic idiot and everyone knows it"
    spans = model.explain(text, top_k=3)
    assert spans and all(0 <= s < e <= len(text) for s, e, _ in spans)
    words = {text[s:e].lower() for s, e, _ in spans}
    assert words & {"idiot", "pathetic"}
    assert all(w > 0 for _, _, w in spans)
    assert model.explain("", 3) == []


def test_score_many_matches_score_all_and_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from postcheck.detect.base import Doc
    from postcheck.shapes import Post

    monkeypatch.setenv("POSTCHECK_ENCODER", "off")  # the students alone
    texts = ["The Greens have lost the plot", "lovely weather in Napier"]
    model = model_for("political")
    assert model is not None
    direct = model.score_many(texts)
    together = trained.score_all(texts)["political"]
    assert np.allclose(direct, together)
    doc = Doc.of(Post(text=texts[0]), mode="off")
    assert doc.readings()["political"][0] == pytest.approx(direct[0])
    assert doc.readings() is doc.readings()  # one pass per post, shared by its detectors
    assert trained.batch_scores(texts)[1]["political"][0] == pytest.approx(direct[1])
    assert model.score_many([]).shape == (0,)


@pytest.mark.usefixtures("shared_datasets")
@pytest.mark.parametrize("name", ["political", "disrespect", "profanity", "grievance"])
def test_calibration_is_sane_on_pool_validation(name: str) -> None:
    from postcheck.training import pool
    from postcheck.training.students import STUDENTS

    model = model_for(name)
    assert model is not None
    rows = pool.rows("val")
    p = model.score_many([r.text for r in rows])
    y = np.array([r.y(STUDENTS[name]) for r in rows])
    assert ((p >= 0) & (p <= 1)).all()
    # Positives score higher than negatives on average, and probabilities beat a coin.
    assert p[y == 1].mean() > p[y == 0].mean() + 0.3
    # Expected calibration error over 10 bins: the probabilities mean what they say.
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        abs(p[bins == b].mean() - y[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    assert ece < 0.1, ece


def test_damaged_or_mismatched_artefacts_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError):
        LinearModel.load(bad)
    src = trained.MODELS_DIR / "disrespect.npz"
    with np.load(src) as z:
        meta = json.loads(str(z["meta"]))
        weights = z["weights"]
    meta["features"] = "something-else"
    other = tmp_path / "other.npz"
    np.savez_compressed(other, weights=weights, meta=np.array(json.dumps(meta)))
    with pytest.raises(ModelError, match="retrain"):
        LinearModel.load(other)
    short = tmp_path / "short.npz"
    shutil.copy(src, short)
    np.savez_compressed(short, weights=weights[:10], meta=np.array(json.dumps(meta)))
    with pytest.raises(ModelError):
        LinearModel.load(short)


def test_recentre_keeps_order_and_moves_threshold_to_half() -> None:
    t = 0.3
    ps = np.linspace(0, 1, 21)
    rs = [trained.recentre(float(p), t) for p in ps]
    assert rs == sorted(rs)
    assert trained.recentre(t, t) == pytest.approx(0.5)
    assert trained.recentre(0.0, t) == 0.0 and trained.recentre(1.0, t) == pytest.approx(1.0)


def test_checking_a_post_loads_no_training_libraries() -> None:
    """Training libraries (scikit-learn, scipy, torch, transformers) stay out of the process."""
    import subprocess
    import sys

    code = (
        "import sys, postcheck\n"
        "postcheck.check('The Nats are useless, vote them out. Call me on 021 555 0199')\n"
        "bad = [m for m in ('sklearn', 'scipy', 'torch', 'transformers') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_students_learn_the_teacher_as_decisions_or_as_confidence() -> None:
    """Hard targets: each transfer text once, the teacher's decision at its threshold. Soft
    targets: each twice, a positive weighted by the re-centred probability and a negative by
    the rest, so a text the teacher was unsure of pulls both ways and a sure one one way."""
    from scipy.sparse import csr_matrix

    from postcheck.training.students import TEACHER_WEIGHT, _with_teacher

    x = csr_matrix(np.eye(5))  # two labelled pool rows, then three transfer texts
    y, w = np.array([1, 0]), np.array([1.0, 3.0])
    prob = np.array([0.9, 0.6, 0.1])
    hy, hw, hx = _with_teacher(x, y, w, (prob, 0.6), soft=False)
    assert hy.tolist() == [1, 0, 1, 1, 0]
    assert hw.tolist() == [1.0, 3.0] + [TEACHER_WEIGHT] * 3
    assert hx.shape == (5, 5)

    sy, sw, sx = _with_teacher(x, y, w, (prob, 0.6), soft=True)
    assert sy.tolist() == [1, 0, 1, 1, 1, 0, 0, 0]
    assert sx.shape == (8, 5)
    # Each transfer row appears as a positive and as a negative, in the same order.
    assert (sx[2:5] != x[2:5]).nnz == 0 and (sx[5:8] != x[2:5]).nnz == 0
    q = sw[2:5] / TEACHER_WEIGHT
    assert q[1] == pytest.approx(0.5)  # at the teacher's threshold: no lean either way
    assert q[0] == pytest.approx(0.5 + 0.5 * 0.3 / 0.4) and q[2] == pytest.approx(0.5 * 0.1 / 0.6)
    assert np.allclose(sw[2:5] + sw[5:8], TEACHER_WEIGHT)  # each text weighs what a hard one does


def test_transfer_texts_hold_no_measured_text(shared_datasets: Path) -> None:
    """The teacher reads only train-side texts the pool has not labelled: never a P-Stance val
    tweet, a New Zealand development tweet, or a pool val or dev-test text."""
    from postcheck.training import pool
    from postcheck.training.data import pstance
    from postcheck.training.students import MORE_SOURCES, transfer_texts

    labelled = {r.text.lower() for r in pool.rows()}
    extra = transfer_texts(labelled, sources=tuple(MORE_SOURCES))
    assert len(extra) > 60000
    texts_all = {t.lower() for _, t in extra}
    # One set added is a subset of all added (the sample only leaves out what is not named).
    ps = transfer_texts(labelled, sources=("p-stance",))
    assert {s.split(":")[0] for s, _ in ps} > {"p-stance"}
    assert {t.lower() for _, t in ps} <= texts_all
    assert all(pool.split_of(src) == "train" for src, _ in extra)
    assert not any(src.startswith("p-stance:val") for src, _ in extra)
    texts = {t.lower() for _, t in extra}
    assert not texts & labelled
    assert not any(pool.copies_nz_dev(t) for t in texts)
    measured = {pool.fold(e.text).lower() for e in pstance("val")}
    assert not texts & measured


def test_val_choices_can_weigh_rows_as_training_does() -> None:
    """A row of weight 3 counts as three rows; the guard caps how many quiet texts may fire."""
    from postcheck.training.linear import best_threshold, f1_stats

    y = np.array([1, 1, 0, 0])
    pred = np.array([1, 0, 1, 0])
    assert f1_stats(y, pred)["f1"] == pytest.approx(0.5)
    # The missed positive weighs three: P 1/2, R 1/4.
    assert f1_stats(y, pred, np.array([1.0, 3.0, 1.0, 1.0]))["f1"] == pytest.approx(1 / 3)
    assert f1_stats(y, pred, np.ones(4)) == f1_stats(y, pred)

    prob = np.array([0.9, 0.4, 0.6, 0.1])
    t, f = best_threshold(y, prob, "f1")
    assert t == 0.4 and f == pytest.approx(0.8)  # of the tied thresholds, the nearest 0.5
    # Weigh the quiet text at 0.6 heavily and the best threshold rises above it.
    t, f = best_threshold(y, prob, "f1", weight=np.array([1.0, 1.0, 10.0, 1.0]))
    assert t > 0.6 and f == pytest.approx(2 / 3)
    # A guard that may not fire at all keeps the threshold above every quiet text's score.
    t, _ = best_threshold(y, prob, "f1", guard=(np.array([0.7]), 0.0))
    assert t > 0.7


def test_the_reader_confirms_a_student_only_where_val_gains_within_the_read_cap() -> None:
    """A student whose false alarms the reader would undo is confirmed; one where the reader
    agrees anyway is not (nothing gained), nor one that would read too many more posts."""
    from postcheck.training.students import MAX_CONFIRMED_EXTRA, Cascade, choose_confirmed

    names = ("grievance", "profanity")

    def cascade(grievance_alarms: int, reader_right: bool = True) -> Cascade:
        # Row 0 a grievance; row 1 praise the grievance student takes for one (and so many
        # rows from row 3 on as `grievance_alarms` says); row 2 profane; 100 rows in all.
        prob = np.full((100, 2), 0.1)
        prob[0, 0] = prob[2, 1] = 0.9
        prob[1, 0] = 0.9
        prob[3 : 2 + grievance_alarms, 0] = 0.9
        reader = np.zeros((100, 2), dtype=bool)
        reader[0, 0] = reader[2, 1] = True
        ys = {"grievance": np.zeros(100, int), "profanity": np.zeros(100, int)}
        ys["grievance"][0] = ys["profanity"][2] = 1
        return Cascade(
            names,
            prob,
            np.array([0.5, 0.5]),
            np.zeros(100, bool),
            reader if reader_right else ~reader,
            ys,
            np.ones(100, bool),
        )

    assert cascade(1).f1s([]) == pytest.approx((5 / 6, 5 / 6))
    assert cascade(1).f1s(["grievance"]) == pytest.approx((1.0, 1.0))
    chosen, score = choose_confirmed(cascade(1), lambda _: None)
    assert chosen == ("grievance",) and score == pytest.approx(1.0)
    # Reading every post the student fires on would read too many more: not confirmed.
    assert choose_confirmed(cascade(int(MAX_CONFIRMED_EXTRA * 100) + 1), lambda _: None)[0] == ()
    # A confirmation that would lower the F1 (here on pool and NZ posts alike) is not made.
    assert choose_confirmed(cascade(1, reader_right=False), lambda _: None)[0] == ()


def test_a_capped_students_band_reaches_deeper_only_while_val_gains_within_the_read_cap() -> None:
    """The political student's band may start below the shared one, a step at a time, while
    each step raises the cascade's F1 and the reading stays within its budget (CAPPED)."""
    from postcheck.training.students import CAPPED, Cascade, widen_capped

    def cascade(opinions: int, extra_misses: int = 0) -> Cascade:
        # Threshold 0.6, shared band from 0.9·t (0.54). Rows 0..opinions-1 are opinions the
        # student scores 0.5 (under the band, inside a band from 0.8·t = 0.48), which the
        # reader gets right; `extra_misses` more rows score 0.5 with no opinion in them, which
        # the reader also gets right. Row 99 is an opinion the student fires on.
        n = 200
        prob = np.full((n, 1), 0.1)
        prob[: opinions + extra_misses, 0] = 0.5
        prob[99, 0] = 0.9
        y = np.zeros(n, int)
        y[:opinions] = 1
        y[99] = 1
        return Cascade(
            ("political",),
            prob,
            np.array([0.6]),
            np.zeros(n, bool),
            y.astype(bool).reshape(-1, 1),
            {"political": y},
            np.ones(n, bool),
        )

    deeper, score = widen_capped(cascade(2), 0.9, 0.0, (), lambda _: None)
    assert deeper == {"political": 0.8} and score == pytest.approx(1.0)
    # Reading the step would take in too many more posts: the band stays where it was.
    too_many = int(CAPPED["political"] * 200) + 1
    assert widen_capped(cascade(2, too_many), 0.9, 0.0, (), lambda _: None)[0] == {}
    # Nothing to gain (no opinion under the band): no step is taken.
    assert widen_capped(cascade(0, 2), 0.9, 0.0, (), lambda _: None)[0] == {}


def test_each_capped_student_spends_its_own_read_budget() -> None:
    """Disrespect's deeper band is judged against its own budget, counted from the reading
    after political's turn, so political's widening neither spends nor enlarges it."""
    from postcheck.training.students import CAPPED, Cascade, widen_capped

    n = 1000
    names = ("political", "disrespect")
    prob = np.full((n, 2), 0.1)
    y = {k: np.zeros(n, int) for k in names}
    # Political: 20 opinions under the shared band (0.54), inside a band from 0.8·t (0.48).
    prob[:20, 0] = 0.5
    y["political"][:20] = 1
    # Disrespect: posts under its band as well, more than political's budget allows but
    # within disrespect's own.
    k = int(CAPPED["political"] * n) + 10
    assert k <= CAPPED["disrespect"] * n
    prob[100 : 100 + k, 1] = 0.5
    y["disrespect"][100 : 100 + k] = 1
    cascade = Cascade(
        names,
        prob,
        np.array([0.6, 0.6]),
        np.zeros(n, bool),
        np.column_stack([y[k_] for k_ in names]).astype(bool),
        y,
        np.ones(n, bool),
    )
    deeper, _ = widen_capped(cascade, 0.9, 0.0, (), lambda _: None)
    assert deeper == {"political": 0.8, "disrespect": 0.8}


def test_a_reader_threshold_is_chosen_only_on_enough_positives() -> None:
    # Nine confidential posts in val once chose 0.175 at F1 0.08; too few to choose on.
    import numpy as np

    from postcheck.training.multilabel import MIN_POSITIVES, best_threshold

    rng = np.random.default_rng(0)
    few = np.zeros(400)
    few[: MIN_POSITIVES - 1] = 1
    p = np.where(few == 1, 0.3, 0.1) + rng.uniform(0, 0.05, 400)
    assert best_threshold(few, p)[0] == 0.5
    many = np.zeros(400)
    many[: MIN_POSITIVES + 10] = 1
    p = np.where(many == 1, 0.3, 0.1) + rng.uniform(0, 0.05, 400)
    t, f = best_threshold(many, p)
    assert 0.1 < t <= 0.3 and f == 1.0

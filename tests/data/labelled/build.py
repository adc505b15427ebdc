"""Build the project's labelled JSONL sets from the hand-written sources in `src/`.

    python tests/data/labelled/build.py

Hand-written lines (`src/<set>.<split>.txt`, one `label|text` per line) become
`<set>.<split>.jsonl`. For the train split only, `<set>.train-gen.jsonl` adds variations made
by combining hand-written pieces (subjects x predicates, hard-negative frames): marked
`"note": "generated"`. Validation and test files are hand-written only. Output is
deterministic (fixed seed), so re-running it changes nothing unless a source changed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 7

LABELS = {
    "political": {"o": "opinion", "m": "mention", "e": "everyday"},
    "grievance": {"g": "grievance", "w": "work_positive", "n": "neutral"},
    "confidential": {"c": "confidential", "p": "public", "n": "neutral"},
}

# --- pieces for generated training variations --------------------------------------------

POL_SUBJECTS = [
    "The Nats",
    "National",
    "Labour",
    "The Greens",
    "ACT",
    "NZ First",
    "TPM",
    "Te Pāti Māori",
    "This government",
    "The coalition",
    "Luxon",
    "Hipkins",
    "Seymour",
    "Winston",
    "Willis",
    "The Opposition",
    "The Minister",
    "Chris Bishop",
    "Chippy",
    "Luxon's cabinet",
    "The Labour caucus",
    "Swarbrick",
]
POL_PREDICATES = [
    "{s} should be ashamed of themselves.",
    "{s} have completely lost the plot.",
    "{s} are doing a brilliant job, credit where it's due.",
    "I'll never vote for {s} again.",
    "Honestly {s} are the only ones making sense right now.",
    "{s} can't be trusted with the economy.",
    "Can't wait to see {s} booted out at the election.",
    "{s} are wrecking the country.",
    "{s} have no plan and no clue.",
    "Say what you like, {s} got this one right.",
    "Typical {s}, all talk and no delivery.",
    "Sick of {s} and their lies.",
    "Thank goodness for {s}, finally some common sense.",
    "{s} are a disgrace.",
]
POL_TOPICS = [
    "Three Waters",
    "co-governance",
    "the Treaty Principles Bill",
    "fast-track",
    "the public service job cuts",
    "the cost of living crisis",
    "the tax cuts",
    "the gang patch ban",
    "charter schools",
    "the ferry cancellation",
    "pay equity changes",
    "the Regulatory Standards Bill",
    "the new Māori ward rules",
    "return to office rules",
]
POL_TOPIC_OPINION = [
    "{t} is a disaster and everyone knows it.",
    "{t} is exactly what this country needed.",
    "Scrap {t} now.",
    "Anyone defending {t} needs their head read.",
    "So proud of everyone marching against {t}.",
    "{t} is the government's worst mistake.",
    "Good riddance to {t}.",
]
POL_TOPIC_MENTION = [
    "RNZ has an explainer on {t} today.",
    "Submissions on {t} close next week.",
    "Select committee hearings on {t} are on Parliament TV this afternoon.",
    "The Herald reports the latest on {t}.",
    "Reading the official summary of {t}.",
    "There's a public meeting about {t} at the library on Tuesday.",
]
POL_SUBJECT_MENTION = [
    "{s} will hold a press conference at 3pm.",
    "{s} released a statement this morning, per Stuff.",
    "{s} spoke at the conference in Wellington today.",
    "Watching {s} on Q+A this morning.",
    "Interview with {s} on Morning Report at 7.10.",
]
EVERYDAY = [
    "Heading to {p} National Park for the long weekend.",
    "The labour market in {c} is tight for builders, says my brother.",
    "Act now and book your {c} holiday, sale ends Sunday!",
    "Kia ora whānau, hui at the marae in {c} on Saturday.",
    "Loving the mahi and the kaupapa of our team in {c}.",
    "Rain again in {c}. Typical.",
    "Labour Day weekend in {c}, who's keen for a barbecue?",
    "Great rugby game in {c} last night, what a try!",
    "Our national team played so well in {c} tonight.",
    "Ngā mihi to the whānau who helped at the {c} working bee.",
    "The greens at the {c} golf course are perfect today.",
    "Best pie in {c}? Asking for a friend.",
]
PLACES = ["Tongariro", "Egmont", "Abel Tasman", "Fiordland", "Kahurangi", "Arthur's Pass"]
CITIES = [
    "Wellington",
    "Auckland",
    "Christchurch",
    "Dunedin",
    "Hamilton",
    "Tauranga",
    "Napier",
    "Nelson",
    "Rotorua",
    "Whanganui",
    "Invercargill",
    "Gisborne",
]

GRIEVANCE_SUBJ = [
    "My manager",
    "My boss",
    "Our director",
    "Leadership at my work",
    "HR",
    "The CE",
    "My team leader",
    "Senior management",
    "My employer",
    "The Ministry",
    "Our agency",
]
GRIEVANCE_PRED = [
    "{s} ignored our concerns about workload again.",
    "{s} just announced another restructure with no consultation.",
    "{s} refuses to give us a pay rise for the fourth year running.",
    "{s} is making everyone come back to the office five days a week for no reason.",
    "Can't stand how {s} treats junior staff.",
    "{s} keeps cutting jobs and piling on more work.",
    "{s} has made this the most toxic place I've worked.",
    "{s} declined my leave again. Burnt out.",
]
POSITIVE_PRED = [
    "{s} backed our team all the way this year, grateful.",
    "{s} organised a great team day today.",
    "{s} approved my flexible work request, so good for the whānau.",
    "{s} gave us a shout-out at the all-staff hui. Proud.",
    "Really good chat with {s} about my development.",
]

CONF_LEAD = [
    "Not public yet, but",
    "Can't say much, but",
    "Embargoed until Friday:",
    "From the internal briefing:",
    "Off the record,",
    "Don't share this, but",
    "Haven't announced it yet, but",
    "Saw the draft Cabinet paper at work:",
]
CONF_FACT = [
    "the agency is cutting 90 jobs next month.",
    "the Minister is scrapping the grant scheme.",
    "the new hospital in the region is being cancelled.",
    "Budget funding for our programme was declined.",
    "the regional office is closing in June.",
    "the review found the system lost thousands of records.",
    "the fees are going up 30% from April.",
]
PUBLIC_LEAD = [
    "Published today:",
    "The Minister announced this morning that",
    "Per the Beehive release,",
    "As reported on RNZ,",
    "Our annual report, now online, says",
]


def _gen_political(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for s in POL_SUBJECTS:
        for p in rng.sample(POL_PREDICATES, 5):
            out.append(("opinion", p.format(s=s)))
        for p in rng.sample(POL_SUBJECT_MENTION, 2):
            out.append(("mention", p.format(s=s)))
    for t in POL_TOPICS:
        for p in rng.sample(POL_TOPIC_OPINION, 3):
            text = p.format(t=t)
            out.append(("opinion", text[0].upper() + text[1:]))
        for p in rng.sample(POL_TOPIC_MENTION, 3):
            out.append(("mention", p.format(t=t)))
    for frame in EVERYDAY:
        for _ in range(6):
            out.append(("everyday", frame.format(p=rng.choice(PLACES), c=rng.choice(CITIES))))
    return out


def _gen_grievance(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for s in GRIEVANCE_SUBJ:
        for p in rng.sample(GRIEVANCE_PRED, 4):
            out.append(("grievance", p.format(s=s)))
        for p in rng.sample(POSITIVE_PRED, 3):
            out.append(("work_positive", p.format(s=s)))
    return out


def _gen_confidential(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for lead in CONF_LEAD:
        for fact in rng.sample(CONF_FACT, 4):
            out.append(("confidential", f"{lead} {fact}"))
    for lead in PUBLIC_LEAD:
        for fact in rng.sample(CONF_FACT, 4):
            out.append(("public", f"{lead} {fact}"))
    return out


GENERATORS = {
    "political": _gen_political,
    "grievance": _gen_grievance,
    "confidential": _gen_confidential,
}


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    rng = random.Random(SEED)
    for name, labels in LABELS.items():
        seen: set[str] = set()
        for split in ("train", "val", "test"):
            rows = []
            src = HERE / "src" / f"{name}.{split}.txt"
            for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                code, _, text = line.partition("|")
                if code not in labels or not text.strip():
                    raise SystemExit(f"{src}:{n}: expected '<label>|<text>'")
                key = text.strip().lower()
                if key in seen:
                    raise SystemExit(f"{src}:{n}: duplicate of an earlier example")
                seen.add(key)
                rows.append({"text": text.strip(), "label": labels[code], "note": "hand-written"})
            _write(HERE / f"{name}.{split}.jsonl", rows)
        gen = [
            {"text": t, "label": lab, "note": "generated"}
            for lab, t in GENERATORS[name](rng)
            if t.lower() not in seen
        ]
        _write(HERE / f"{name}.train-gen.jsonl", gen)


if __name__ == "__main__":
    main()

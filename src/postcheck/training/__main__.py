"""`python -m postcheck.training train`: retrain every shipped model from the labelled pool.

One command, fixed seeds. Reads the shared datasets and annotation pool in place (never copied
into the repository) and the project's added labels (`data/annotation/`), and writes into
`src/postcheck/models/`:

1. the multi-label reader (`signals.encoder.*`): MiniLM fine-tuned on the pool's train split,
   epoch chosen on val, then each threshold chosen on the shipped 4-bit reader over val with
   rows weighted as in training (about 40 minutes on 2 cores);
2. the n-gram students (`<signal>.npz`), learnt from the pool and from the reader's reading of
   15,853 unlabelled real train-split texts (`students.py --wide-transfer`: every source set's,
   66,748; tried and not shipped, docs/judgement.md);
3. the cascade's bands (into the reader's card) and the model card `signals.md`.
"""

from __future__ import annotations

import argparse
import sys

from postcheck.training.data import DatasetMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m postcheck.training")
    sub = parser.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="train the reader and the students, write the model card")
    tr.add_argument(
        "--students-only",
        action="store_true",
        help="keep the shipped reader (choosing its thresholds again); retrain the n-gram "
        "students, bands and card",
    )
    tr.add_argument("--epochs", type=int, default=3)
    sub.add_parser("card", help="rewrite the model card from the shipped artefacts")
    args = parser.parse_args(argv)
    try:
        import scipy  # noqa: F401  (training-only dependencies: fail early and clearly)
        import sklearn  # noqa: F401

        from postcheck.training import card, multilabel, students
    except ImportError as exc:  # scikit-learn, torch etc. live in the `train` extra
        print(
            f"error: training needs the train extra (pip install -e '.[train]'): {exc}",
            file=sys.stderr,
        )
        return 2
    try:
        if args.cmd == "train":
            if args.students_only:
                # The reader stays; its operating point is chosen again on val.
                multilabel.choose_thresholds()
            else:
                multilabel.main(["--epochs", str(args.epochs)])
            students.train(use_teacher=True)
            students.choose_bands()
        card.write()
        card.write_data_card()
    except DatasetMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

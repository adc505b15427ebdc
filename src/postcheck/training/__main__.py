"""`python -m postcheck.training train [--only NAME ...]`: train every shipped model.

Reads the shared datasets in place and the project's labelled sets, fixes every seed, and
writes `src/postcheck/models/<name>.npz` plus a model card `<name>.md` beside each.
"""

from __future__ import annotations

import argparse
import sys

from postcheck.training.data import DatasetMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m postcheck.training")
    sub = parser.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="train every model and write artefacts + model cards")
    tr.add_argument("--only", nargs="*", default=None, help="train only these models")
    tr.add_argument(
        "--no-encoders",
        action="store_true",
        help="skip fine-tuning the transformer stages (about 30 minutes each on 2 cores)",
    )
    sub.add_parser("list", help="list the model specs")
    args = parser.parse_args(argv)

    try:
        import scipy  # noqa: F401  (training-only dependencies: fail early and clearly)
        import sklearn  # noqa: F401

        from postcheck.training import specs
    except ImportError as exc:  # scikit-learn etc. live in the `train` extra
        print(
            f"error: training needs the train extra (pip install -e '.[train]'): {exc}",
            file=sys.stderr,
        )
        return 2
    if args.cmd == "list":
        for spec in specs.SPECS:
            print(f"{spec.name:18} {spec.description}")
        from postcheck.training.cascade import ENCODER_SPECS

        for enc in ENCODER_SPECS:
            print(f"{enc.name:18} transformer stage: {enc.description}")
        return 0
    try:
        if args.no_encoders:
            specs.train_all(args.only)
        else:
            try:
                from postcheck.training import cascade
            except ImportError as exc:
                print(f"error: encoders need the train extra: {exc}", file=sys.stderr)
                return 2
            specs.train_all(args.only, later=cascade.students(args.only))
            cascade.train_all(args.only)
    except DatasetMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

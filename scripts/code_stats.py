"""Module sizes and long functions: the figures issue 13 asks to keep in view.

    python scripts/code_stats.py [--top 15] [--max-lines 80]

Prints the largest modules under src/ by line count and every function longer than
--max-lines, with its reason: the comment that opens its body (after the docstring). Exits 1
when a long function gives no reason, so it can run as a check.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def reason(lines: list[str], fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The comment that opens a function's body (after its docstring, if any): where a long
    function says why it is long."""
    body = fn.body
    start = body[0].end_lineno or body[0].lineno
    first_code = body[0].lineno
    if not (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
        start = fn.lineno
    elif len(body) > 1:
        first_code = body[1].lineno
    else:
        return ""
    said = [
        line.strip().lstrip("#").strip()
        for line in lines[start : first_code - 1]
        if line.strip().startswith("#")
    ]
    return " ".join(said)


def functions(path: Path) -> list[tuple[str, int, int, str]]:
    """(qualified name, first line, length in lines, reason) of every function in a module."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    out: list[tuple[str, int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                out.append((name, child.lineno, length, reason(lines, child)))
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
        (length, f"{p.relative_to(ROOT)}:{line}", name, why)
        for p in files
        for name, line, length, why in functions(p)
        if length > args.max_lines
    ]
    unexplained = [row for row in long if not row[3]]
    print(
        f"\nfunctions over {args.max_lines} lines: {len(long)} "
        f"({len(unexplained)} without a reason)"
    )
    for length, where, name, why in sorted(long, reverse=True):
        print(f"  {length:>5}  {where}  {name}")
        if why:
            print(f"         why: {why}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Human-readable report: verdict first, then each finding with the words highlighted."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from postcheck.guidance import Edition, editions
from postcheck.report.spans import Mark, segments
from postcheck.shapes import Finding, Report, Risk

STYLE = {
    Risk.none: "bold green",
    Risk.low: "bold yellow",
    Risk.medium: "bold dark_orange",
    Risk.high: "bold red",
}


def highlighted(text: str, report: Report) -> Text:
    out = Text(text)
    marks = (Mark(s.start, s.end, f.level.rank) for f in report.findings for s in f.spans)
    for seg in segments(text, marks):
        if seg.rank is not None:
            style = STYLE[Risk.from_rank(seg.rank)].replace("bold ", "")
            out.stylize(f"reverse {style}", seg.start, seg.end)
    return out


def render_text(report: Report, text: str, console: Console, *, verbose: bool = False) -> None:
    _print_head(report, console)
    if report.out_of_scope:
        for n in report.notes:
            console.print(f"  {escape(n)}", style="dim")
        return
    if any(f.spans for f in report.findings):
        console.print()
        console.print(Text("  ") + highlighted(text, report))
    ed = editions()[report.edition]
    for i, f in enumerate(report.findings, 1):
        _print_finding(console, i, f, ed)
    for n in report.notes:
        console.print()
        console.print(f"Note: {escape(n)}", style="dim")
    if verbose:
        console.print()
        for s in report.signals:
            mark = "fired" if s.fired else ("unsure" if s.uncertain else "")
            console.print(f"   signal {s.name:<18} {s.score:0.2f} {mark}", style="dim")
    console.print()
    console.print(
        f"edition {report.edition} | rules {report.rules_version} | postcheck "
        f"{report.postcheck_version}",
        style="dim",
    )


def _print_head(report: Report, console: Console) -> None:
    """The verdict line and the one-sentence summary."""
    verdict = report.verdict.upper() if report.out_of_scope else report.verdict.capitalize()
    head = Text()
    head.append(f"{verdict}", style=STYLE[report.risk] if not report.out_of_scope else "bold cyan")
    if not report.out_of_scope:
        head.append(
            "  (no risk found)" if report.risk == Risk.none else f"  ({report.risk.value} risk)"
        )
    if report.id:
        head.append(f"  [{report.id}]", style="dim")
    console.print(head)
    console.print(report.summary)


def _print_finding(console: Console, i: int, f: Finding, ed: Edition) -> None:
    """Finding number `i`: what it is, the words, the guidance behind it and what to do."""
    console.print()
    title = Text(f"{i}. ")
    title.append(f"[{f.level.value}] ", style=STYLE[f.level])
    title.append(f.title, style="bold")
    title.append(f"  ({f.rule})", style="dim")
    console.print(title)
    console.print(f"   {escape(f.message.strip())}")
    if f.spans:
        words = ", ".join(f'"{s.text}"' for s in f.spans)
        console.print(f"   Words: {escape(words)}", style="dim")
    elif f.whole_post:
        console.print("   Words: the post as a whole (no single words decide it)", style="dim")
    heading = f.clause.heading + (f" | {f.clause.heading_mi}" if f.clause.heading_mi else "")
    console.print(
        f"   Guidance: {escape(ed.title)}, section {f.clause.section}, {escape(heading)}",
    )
    console.print(f"   {f.clause.url}", style="dim")
    for law in f.law:
        console.print(f"   Also: {escape(law.title)}", style="dim")
    console.print(f"   Why: {escape(f.why.strip())}")
    for e in f.escalations:
        console.print(f"   Raised: {escape(e)}", style="dim")
    for e in f.lowered:
        console.print(f"   Lowered: {escape(e)}", style="dim")
    for fx in f.fix:
        console.print(f"   - {escape(fx)}")
    if f.rewrite:
        console.print(f"   Try instead: {escape(f.rewrite)}")

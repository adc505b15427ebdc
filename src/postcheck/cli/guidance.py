"""Reading the guidance itself: `guidance`, `explain`, `rules`, `elections` and `schema`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from postcheck.cli.options import EditionOpt, checked_edition, fail

if TYPE_CHECKING:
    from postcheck.guidance import Rule


class GuidanceFormat(StrEnum):
    """`guidance` has no per-post findings, so no jsonl or sarif: refused, not ignored."""

    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the guidance commands to the main app."""
    app.command()(guidance)
    app.command()(explain)
    app.command(name="rules")(list_rules)
    app.command()(elections)
    app.command()(schema)


def guidance(
    edition: EditionOpt = None,
    format: Annotated[GuidanceFormat, typer.Option("--format", "-f", help="text or json.")] = (
        GuidanceFormat.text
    ),
) -> None:
    """List the guidance clauses, both editions side by side (or one with --edition)."""
    from rich.table import Table

    from postcheck.guidance import editions, rules

    edition = checked_edition(edition)
    eds = editions()
    chosen = [eds[edition]] if edition else [eds["state-servants"], eds["public-servants"]]
    by_clause: dict[str, list[str]] = {}
    for r in rules():
        for c in r.clauses:
            by_clause.setdefault(c, []).append(r.id)
    if format == GuidanceFormat.json:
        data = {
            "editions": [e.model_dump(mode="json") for e in chosen],
            "rules_by_clause": by_clause,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    for e in chosen:
        dates = f"{e.applies_from or '...'} to {e.applies_to or 'now'}"
        console.print(f"[bold]{e.title}[/bold]" + (f" | {e.title_mi}" if e.title_mi else ""))
        console.print(f"  {e.id}: applies {dates}; {e.url}", style="dim")
    table = Table(show_lines=True)
    table.add_column("clause")
    for e in chosen:
        table.add_column(e.id)
    table.add_column("rules")
    for clause in chosen[-1].clauses:
        row = [f"{clause.id}\n({clause.section})"]
        for e in chosen:
            cl = e.clause(clause.id)
            head = cl.heading + (f"\n{cl.heading_mi}" if cl.heading_mi else "")
            row.append(f"[bold]{head}[/bold]\n{cl.paraphrase}")
        row.append("\n".join(by_clause.get(clause.id, [])))
        table.add_row(*row)
    console.print(table)


def explain(
    rule: Annotated[str, typer.Argument(help="Rule id, e.g. political-work-linked.")],
    edition: EditionOpt = None,
) -> None:
    """Print one rule: its clause, level, reasoning, fixes and examples."""
    from postcheck.guidance import rule as get_rule
    from postcheck.guidance import rules

    try:
        r = get_rule(rule)
    except KeyError:
        fail(f"unknown rule {rule!r} (see `postcheck rules`): " + ", ".join(x.id for x in rules()))
    edition = checked_edition(edition)

    console = Console(highlight=False)
    console.print(f"[bold]{r.id}[/bold]: {r.title}  (level: {r.level.value})")
    console.print(r.message.strip())
    console.print()
    _print_clauses(console, r, edition)
    _print_law(console, r)
    console.print()
    _print_reasoning(console, r)
    console.print()
    _print_examples(console, r)


def _print_clauses(console: Console, r: Rule, edition: str | None) -> None:
    """The rule's clauses in the chosen edition, or in every edition when none was chosen."""
    from postcheck.guidance import editions

    eds = editions()
    for ed in [eds[edition]] if edition else eds.values():
        for cid in r.clauses:
            c = ed.clause(cid)
            mi = f" | {c.heading_mi}" if c.heading_mi else ""
            console.print(f"Clause ({ed.id} {c.section}) {c.heading}{mi}")
            console.print(f"  {c.paraphrase}", style="dim")


def _print_law(console: Console, r: Rule) -> None:
    """The law the rule cites, as in force today."""
    import datetime as dt

    from postcheck.guidance import law_for

    for ref in r.law:
        inst = law_for(ref, dt.date.today())
        if inst:
            console.print(f"Law: {inst.title}: {inst.paraphrase}")


def _print_reasoning(console: Console, r: Rule) -> None:
    console.print(f"Why: {r.why.strip()}")
    console.print("Fix:")
    for f in r.fix:
        console.print(f"  - {f}")
    if r.escalate:
        console.print("Raised or lowered when:")
        for esc in r.escalate:
            console.print(f"  {esc.by:+d} level{'s' if abs(esc.by) > 1 else ''}: {esc.because}")


def _print_examples(console: Console, r: Rule) -> None:
    console.print(f"When: {json.dumps(r.when_data)}", style="dim")
    console.print("Flags:")
    for ex in r.examples.flag:
        console.print(f"  + {ex.text}  {json.dumps(ex.context) if ex.context else ''}")
    console.print("Passes:")
    for ex in r.examples.pass_:
        console.print(f"  - {ex.text}  {json.dumps(ex.context) if ex.context else ''}")


def list_rules() -> None:
    """List every rule with its level and clauses."""
    from postcheck.guidance import rules

    for r in rules():
        print(f"{r.id:<32} {r.level.value:<7} {','.join(r.clauses):<40} {r.title}")


def elections() -> None:
    """List the election calendar (add your own in elections.yaml in the config dir)."""
    from postcheck.guidance import elections as all_elections
    from postcheck.guidance import user_config_dir

    for e in all_elections():
        print(
            f"{e.polling_day}  pre-election from {e.pre_election_from}  "
            f"polls close {e.polls_close.strftime('%H:%M')}  {e.name}"
        )
    print(f"(add future elections in {user_config_dir() / 'elections.yaml'})", file=sys.stderr)


def schema() -> None:
    """Print the JSON Schema of the versioned Report format."""
    from postcheck.report.json import json_schema

    print(json.dumps(json_schema(), indent=2))

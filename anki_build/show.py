"""Text for people: the tables and summary lines the commands print (JSON comes from each result's
`to_json`). Kept apart from `cli.py` so that the CLI stays a thin shell and the wording is in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .console import Console

if TYPE_CHECKING:
    from .commands.build import BuildSummary
    from .commands.init import Created
    from .identity import Plan

KINDS = ("concept", "formula", "qa", "cloze", "derivation")


def width(text: str) -> int:
    """Terminal columns of `text` (a CJK character takes two)."""
    from wcwidth import wcswidth

    columns = wcswidth(text)
    return columns if columns >= 0 else sum(max(wcswidth(ch), 0) for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def human_size(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def problems(warnings: int, errors: int) -> str:
    """`2 warnings, 1 error`, leaving out a zero; `no problems` for none."""
    parts = [count(warnings, "warning")] if warnings else []
    parts += [count(errors, "error")] if errors else []
    return ", ".join(parts) or "no problems"


def diagnostics(console: Console, summary: BuildSummary) -> None:
    for diagnostic in summary.diagnostics:
        console.diagnostic(diagnostic, as_error=summary.strict)


def table(console: Console, summary: BuildSummary) -> None:
    columns = max([width(name) for name in summary.by_chapter] + [7])
    console.say(f"  {pad('chapter', columns)}  " + "  ".join(KINDS))
    for name, counts in summary.by_chapter.items():
        console.say(f"  {pad(name, columns)}  " + "  ".join(f"{counts.get(k, 0):>{len(k)}}" for k in KINDS))
    console.say(f"  {pad('total', columns)}  " + "  ".join(f"{summary.by_kind.get(k, 0):>{len(k)}}" for k in KINDS))


def plan_counts(console: Console, plan: Plan) -> None:
    counts = plan.counts()
    console.say("  import: " + ", ".join(f"{counts[name]} {name}" for name in counts))


def plan(console: Console, plan: Plan) -> None:
    """Every note the import touches, then what the user has to do by hand in Anki."""
    for item in plan.new:
        console.say(f"  new        {short(item.front)}  ({item.source})")
    for item in plan.changed:
        console.say(f"  changed    {short(item.front)}  ({item.source})")
    for item in plan.renamed:
        console.say(f"  renamed    {short(item.old_front, 40)} → {short(item.front, 40)}  ({item.source})")
    for item in plan.moved:
        where = f"{item.old_deck} → {item.deck}" if item.old_deck != item.deck else f"retagged in {item.deck}"
        console.say(f"  moved      {short(item.front, 40)}: {where}")
    for item in plan.readded:
        console.say(f"  re-added   {short(item.front)}  ({item.source}; keeps its history)")
    for item in plan.paused:
        console.say(f"  paused     {short(item.front)}  ({item.deck}; its file has cards: false)")
    for item in plan.removed:
        console.say(f"  removed    {short(item.front)}  ({item.deck})")
    if plan.moved:
        console.say(
            "Anki's importer never moves or retags existing notes whose fields did not change: move the cards "
            "above in the browser, or use `anki-build install`."
        )
    if plan.removed:
        console.say("Anki's importer never deletes notes. To delete the removed ones, search for this in the browser:")
        console.say(f"  {plan.removed_search()}")


def built(console: Console, summary: BuildSummary, *, with_table: bool) -> None:
    """The deck written, its chapter table (a watched rebuild leaves it out) and what an import will do."""
    if summary.output is None:
        return
    if summary.created_folder:
        console.say(f"created the folder {summary.created_folder}")
    console.say(
        f"{summary.deck}: {count(summary.notes, 'note')} → {summary.output_shown} "
        f"({human_size(summary.size)}, {count(summary.media, 'media file')})"
    )
    if with_table:
        table(console, summary)
    if summary.plan is not None:
        if console.verbose:
            plan(console, summary.plan)
        plan_counts(console, summary.plan)
        if with_table and not console.verbose and (summary.plan.removed or summary.plan.moved):
            console.say("  (`anki-build build --plan`, or --verbose, lists them)")


def outcome(console: Console, summary: BuildSummary, *, planned: bool = False) -> None:
    """The last line: what was found and what was (not) written. A failure is printed even with --quiet."""
    found = problems(summary.warnings, summary.errors)
    if summary.withheld:
        warned = summary.warnings
        why = f"{count(warned, 'warning')} " + ("counts as an error" if warned == 1 else "count as errors")
        if summary.errors:
            why = f"{count(summary.errors, 'error')}" + (f", and {why}" if warned else "")
        console.fail(
            f"anki-build: error: --strict: {why}; nothing written (the previous deck and lock are as they were)"
        )
    elif summary.output is None and not (planned and not summary.errors):
        console.fail(f"anki-build: error: {found}; nothing written")
    elif summary.errors and summary.output is not None:
        console.say(f"{found}: the notes with errors are left out of {summary.output_shown}", err=True)
    else:
        console.say(found)


def verbose_stats(console: Console, summary: BuildSummary) -> None:
    if summary.stats:
        stats = summary.stats
        console.detail(
            f"files: {stats.get('parsed', 0)} parsed, {stats.get('reused', 0)} unchanged (from the cache), "
            f"{stats.get('by_workers', 0)} in worker processes; {stats.get('seconds', 0):.2f} s"
        )


def created(console: Console, result: Created, why_kept: str) -> None:
    for path in result.written:
        console.say(f"created {path}")
    for path in result.kept:
        console.say(f"kept    {path} ({why_kept})")

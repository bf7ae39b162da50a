"""The command line: thin wrappers around `anki_build.commands`.

Only click is imported at start-up; each command imports its stage modules when it runs,
so `anki-build --help` stays fast and never loads sympy or the Anki backend.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__

if TYPE_CHECKING:
    from .commands.build import BuildSummary
    from .identity import Plan
    from .progress import TerminalProgress

KINDS = ("concept", "formula", "qa", "cloze", "derivation")


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _human_size(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _notes_dir(notes_dir: Path | None) -> tuple[Path, str]:
    from .config import find_notes_root, shown_path

    if notes_dir is None:
        found = find_notes_root(Path.cwd())
        if found is None:
            raise click.UsageError("no anki-build.toml here or in ./notes; pass NOTES_DIR")
        return found, shown_path(found).rstrip("/") or "."
    if not notes_dir.is_dir():
        raise click.BadParameter(f"'{notes_dir}' is not a folder", param_hint="NOTES_DIR")
    return notes_dir, str(notes_dir).rstrip("/") or "."


def _print_diagnostics(summary: BuildSummary) -> None:
    for diagnostic in summary.diagnostics:
        severity = "error" if summary.strict else diagnostic.severity
        click.echo(diagnostic.format().replace(f": {diagnostic.severity}: ", f": {severity}: ", 1), err=True)


def _print_table(summary: BuildSummary) -> None:
    width = max([_width(name) for name in summary.by_chapter] + [7])
    click.echo(f"  {_pad('chapter', width)}  " + "  ".join(f"{k:>{len(k)}}" for k in KINDS))
    for name, counts in summary.by_chapter.items():
        click.echo(f"  {_pad(name, width)}  " + "  ".join(f"{counts.get(k, 0):>{len(k)}}" for k in KINDS))
    click.echo(f"  {_pad('total', width)}  " + "  ".join(f"{summary.by_kind.get(k, 0):>{len(k)}}" for k in KINDS))


def _print_plan_counts(plan: Plan) -> None:
    counts = plan.counts()
    click.echo("  import: " + ", ".join(f"{counts[name]} {name}" for name in counts))


def _print_plan(plan: Plan) -> None:
    """Every note the import touches, then what the user has to do by hand in Anki."""
    for item in plan.new:
        click.echo(f"  new        {_short(item.front)}  ({item.source})")
    for item in plan.changed:
        click.echo(f"  changed    {_short(item.front)}  ({item.source})")
    for item in plan.renamed:
        click.echo(f"  renamed    {_short(item.old_front, 40)} → {_short(item.front, 40)}  ({item.source})")
    for item in plan.moved:
        where = f"{item.old_deck} → {item.deck}" if item.old_deck != item.deck else f"retagged in {item.deck}"
        click.echo(f"  moved      {_short(item.front, 40)}: {where}")
    for item in plan.readded:
        click.echo(f"  re-added   {_short(item.front)}  ({item.source}; keeps its history)")
    for item in plan.paused:
        click.echo(f"  paused     {_short(item.front)}  ({item.deck}; its file has cards: false)")
    for item in plan.removed:
        click.echo(f"  removed    {_short(item.front)}  ({item.deck})")
    if plan.moved:
        click.echo(
            "Anki's importer never moves or retags existing notes whose fields did not change: move the cards "
            "above in the browser, or use `anki-build install`."
        )
    if plan.removed:
        click.echo("Anki's importer never deletes notes. To delete the removed ones, search for this in the browser:")
        click.echo(f"  {plan.removed_search()}")


def _finish(summary: BuildSummary, as_json: bool, extra: dict[str, object] | None = None) -> None:
    if as_json:
        data = summary.to_json()
        data.update(extra or {})
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        sys.exit(summary.exit_code)
    _print_counts(summary)
    sys.exit(summary.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="anki-build")
def main() -> None:
    """Turn a folder of markdown course notes into an Anki deck (.apkg).

    Concepts (**term**: sentence), formulas ($$…$$), questions (Q:/A:, 问：/答：),
    clozes (==highlight==) become notes, one subdeck and one chapter:: tag per chapter.

    Exit codes: 0 ok, 1 errors (or warnings with --strict), 2 usage.
    """


notes_dir_argument = click.argument("notes_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the summary and diagnostics as JSON.")
reset_lock_option = click.option(
    "--reset-lock",
    is_flag=True,
    help="Ignore an unreadable anki-build.lock and write a new one (GUIDs then come from the keys, "
    "the previous deck or the collection).",
)


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[TerminalProgress | None]:
    """A progress line on a terminal's stderr for the duration, gone before the results are printed."""
    from .progress import on_terminal

    shown = on_terminal(quiet)
    try:
        yield shown
    finally:
        if shown is not None:
            shown.clear()


def _cleared(ask: Callable[[list[str]], bool], progress: TerminalProgress | None) -> Callable[[list[str]], bool]:
    """A question asked mid-way: the progress line is wiped first, so the prompt stands alone."""

    def asked(listed: list[str]) -> bool:
        if progress is not None:
            progress.clear()
        return ask(listed)

    return asked


def _output_option(default_help: str):  # type: ignore[no-untyped-def]
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=default_help)


def _check_output(output: Path | None) -> None:
    if output is not None and output.suffix.lower() != ".apkg":
        raise click.BadParameter("the output file must end in .apkg", param_hint="-o/--output")


@main.command()
@notes_dir_argument
@_output_option("Where to write the .apkg  [default: decks/<deck>.apkg beside NOTES_DIR]")
@click.option("--plan", "plan_only", is_flag=True, help="Only list what an import would do; write nothing.")
@click.option(
    "--explain",
    "explain_target",
    metavar="FILE[:LINE[-LINE]]",
    help="Show which rule made each note of FILE (near LINE, or in a line range), and why a block made none; "
    "write nothing.",
)
@click.option("--watch", is_flag=True, help="Build again on every save under NOTES_DIR, until Ctrl-C.")
@reset_lock_option
@strict_option
@json_option
def build(
    notes_dir: Path | None,
    output: Path | None,
    plan_only: bool,
    explain_target: str | None,
    watch: bool,
    reset_lock: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Build NOTES_DIR into an Anki package.

    Without NOTES_DIR, builds the project configured in the current folder: the folder
    itself or ./notes, whichever holds anki-build.toml. Besides the .apkg, a build writes
    one file: anki-build.lock in NOTES_DIR, which keeps note identity (commit it).
    """
    from .commands.build import build as run_build

    root, display = _notes_dir(notes_dir)
    if watch and (plan_only or explain_target is not None):
        raise click.UsageError("--watch builds the deck: it does not go with --plan or --explain")
    if explain_target is not None:
        _explain(root, display, explain_target, as_json)
    _check_output(output)
    if watch:
        _watch(root, display, output, strict, reset_lock, as_json)
    with _progress(as_json) as progress:
        summary = run_build(
            root, display, output, strict=strict, plan_only=plan_only, reset_lock=reset_lock, progress=progress
        )
    if not as_json:
        _print_diagnostics(summary)
        if plan_only and summary.plan is not None:
            click.echo(f"{summary.deck}: {summary.notes} notes (plan only, nothing written)")
            _print_plan(summary.plan)
            _print_plan_counts(summary.plan)
        elif summary.output is not None:
            _print_built(summary, table=True)
    _finish(summary, as_json)


def _print_built(summary: BuildSummary, *, table: bool) -> None:
    """The deck written, its chapter table (a watched rebuild leaves it out) and what an import will do."""
    from .config import shown_path

    assert summary.output is not None
    click.echo(
        f"{summary.deck}: {summary.notes} notes → {shown_path(summary.output)} "
        f"({_human_size(summary.size)}, {summary.media} media files)"
    )
    if table:
        _print_table(summary)
    if summary.plan is not None:
        _print_plan_counts(summary.plan)
        if table and (summary.plan.removed or summary.plan.moved):
            click.echo("  (run `anki-build build --plan` before a build to list them)")


def _print_counts(summary: BuildSummary) -> None:
    click.echo(
        f"{summary.warnings} warning(s), {summary.errors} error(s)"
        + (" (--strict: warnings count as errors)" if summary.strict and summary.warnings else ""),
        err=summary.output is None and summary.plan is None,
    )


def _watch(root: Path, display: str, output: Path | None, strict: bool, reset_lock: bool, as_json: bool) -> None:
    """One build per batch of saves; `--json` prints one JSON object per line. Ctrl-C ends it (exit 0)."""
    import time

    from .commands.build import rebuilds
    from .progress import on_terminal

    progress = on_terminal(as_json)
    for n, summary in enumerate(
        rebuilds(root, display, output, strict=strict, reset_lock=reset_lock, progress=progress)
    ):
        if progress is not None:
            progress.clear()
        if as_json:
            click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
            continue
        if n:
            click.echo(f"── {time.strftime('%H:%M:%S')} rebuilt after a save")
        _print_diagnostics(summary)
        if summary.output is not None:
            _print_built(summary, table=False)
        _print_counts(summary)
        if n == 0:
            click.echo(f"watching {display} for saves (Ctrl-C stops)")
    sys.exit(0)


def _explain(root: Path, display: str, target: str, as_json: bool) -> None:
    from .commands.explain import explain

    rows, problem = explain(root, display, target)
    if problem:
        raise click.BadParameter(problem, param_hint="--explain")
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows], ensure_ascii=False, indent=2))
        sys.exit(0)
    for row in rows:
        click.echo(f"{row.path}:{row.line}: {row.rule or '-'}: {row.message}")
    made = sum(1 for row in rows if row.message.split(" ", 2)[1:2] == ["note"])
    click.echo(f"{made} note(s) in these lines; rule names can be switched off under [rules] in anki-build.toml")
    sys.exit(0)


@main.command()
@notes_dir_argument
@click.option("--render", is_flag=True, help="Render every card in headless Chromium with Anki's MathJax instead.")
@click.option(
    "--engine",
    type=click.Choice(["chromium", "webkit", "all"]),
    default="chromium",
    show_default=True,
    help="With --render: Chromium (AnkiDroid's WebView), WebKitGTK (like AnkiMobile's WKWebView), or both.",
)
@strict_option
@json_option
def check(notes_dir: Path | None, render: bool, engine: str, strict: bool, as_json: bool) -> None:
    """Check every derivation in NOTES_DIR with sympy, step by step.

    A derivation is a display block right after a `<!-- check: … -->` comment (see the README).
    Prints each row with its file:line and verdict (proved, plausible, refuted with a
    counterexample, unsupported, timeout). Exit 1 if any step is refuted.

    With --render, instead typesets both sides of every card at 390×844 in headless Chromium
    with Anki's own MathJax 3.2.2 and configuration, day and night, and reports at the note's
    file:line what a reader would see: TeX errors, undefined macros, math MathJax did not pick
    up, visible cloze syntax, broken images, page overflow and network requests (errors);
    formulas still wider than the screen after the card fits them, text contrast below WCAG
    AA, text under 12 px and sides taller than 3 screens (warnings; errors with --strict).
    Needs Chromium and the Anki backend (pip install 'anki-build[anki]').
    """
    if render:
        _render_check(notes_dir, as_json, strict, ("chromium", "webkit") if engine == "all" else (engine,))
    from .commands.check import check as run_check

    root, display = _notes_dir(notes_dir)
    summary = run_check(root, display)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        sys.exit(summary.exit_code)
    marks = {"proved": "✓", "plausible": "~", "refuted": "✗", "unsupported": "?", "timeout": "⏱", "skipped": "-"}
    for block in summary.blocks:
        click.echo(
            f"{block.path}:{block.line}: derivation: {block.verdict}" + (f" ({block.error})" if block.error else "")
        )
        for row in block.rows:
            point = ", ".join(f"{k} = {v}" for k, v in row.counterexample.items())
            note = f" — {row.detail}" if row.detail else ""
            note += f" at {point}" if point else ""
            note += f" (depends on the refuted step at line {row.depends_on_refuted})" if row.depends_on_refuted else ""
            click.echo(
                f"  {block.path}:{row.line}: {marks.get(row.verdict, '?')} {row.verdict}: {_short(row.text, 70)}{note}"
            )
    for diagnostic in summary.diagnostics:
        if not diagnostic.code.startswith(("step-", "derivation-")):
            click.echo(diagnostic.format(), err=True)
    counts = summary.counts()
    click.echo(f"{len(summary.blocks)} derivation(s): " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    sys.exit(summary.exit_code)


@main.command()
@notes_dir_argument
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("preview"),
    show_default=True,
    help="Folder to write the gallery into (index.html, media, MathJax).",
)
def preview(notes_dir: Path | None, out: Path) -> None:
    """Write an offline HTML gallery of every card: front and back, day and night, at phone width.

    Uses the same MathJax 3.2.2 and configuration as Anki; open OUTPUT/index.html in a browser.
    Needs the Anki backend (pip install 'anki-build[anki]').
    """
    from .commands.preview import preview as run_preview
    from .config import shown_path
    from .phone.assets import AssetsUnavailable
    from .phone.cards import BackendUnavailable

    root, display = _notes_dir(notes_dir)
    try:
        result, diagnostics = run_preview(root, display, out)
    except (BackendUnavailable, AssetsUnavailable) as exc:
        click.echo(f"anki-build: {exc}", err=True)
        sys.exit(2)
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)  # type: ignore[attr-defined]
    if result is None:
        sys.exit(1)
    click.echo(f"{result.cards} cards → {shown_path(result.index)}")


@main.command()
@notes_dir_argument
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
def serve(notes_dir: Path | None, port: int) -> None:
    """Serve the cards at http://127.0.0.1:PORT/ and rebuild on every save.

    One page per note file shows its cards as Anki renders them, front and back, day and night, at phone
    width, with that file's diagnostics; the open page follows the file you save and marks the changed
    cards. Nothing is written under NOTES_DIR. Needs the Anki backend (pip install 'anki-build[anki]').
    """
    from .commands.serve import serve as run_serve
    from .phone.assets import AssetsUnavailable
    from .phone.cards import BackendUnavailable

    root, display = _notes_dir(notes_dir)
    try:
        run_serve(root, display, port, echo=click.echo)
    except (BackendUnavailable, AssetsUnavailable) as exc:
        click.echo(f"anki-build: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"anki-build: error: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)


def _render_check(
    notes_dir: Path | None, as_json: bool, strict: bool = False, engines: tuple[str, ...] = ("chromium",)
) -> None:
    from .commands.check import render as run_render
    from .phone.assets import AssetsUnavailable
    from .phone.browser import BrowserUnavailable
    from .phone.cards import BackendUnavailable

    root, display = _notes_dir(notes_dir)
    try:
        with _progress(as_json) as progress:
            summary = run_render(root, display, strict=strict, engines=engines, progress=progress)
    except (BrowserUnavailable, BackendUnavailable, AssetsUnavailable) as exc:
        click.echo(f"anki-build: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        sys.exit(summary.exit_code)
    for diagnostic in summary.diagnostics:
        shown = diagnostic.format()
        if strict and diagnostic.severity.value == "warning":
            shown = shown.replace(": warning: ", ": error: ", 1)
        click.echo(shown, err=True)
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.counts().items())
    for d in summary.disagreements:
        click.echo(
            f"engines disagree: {d['kind']} on the {d['side']} of {d['card']} ({d['mode']}) only in {d['only_in']}"
        )
    names = " and ".join({"chromium": "Chromium", "webkit": "WebKitGTK"}[e] for e in summary.engines)
    click.echo(
        f"rendered {summary.sides} card sides ({summary.math} formulas) at 390×844, day and night, in {names} "
        f"with Anki's MathJax in {summary.seconds:.1f} s (browser {summary.isolation}, no network"
        + (f"; {summary.reused} side renderings unchanged since an earlier check" if summary.reused else "")
        + "): "
        + (f"{len(summary.problems)} problem(s): {counts}" if summary.problems else "no problems")
        + (f"; {len(summary.disagreements)} disagreement(s) between the engines" if len(summary.engines) > 1 else "")
    )
    sys.exit(summary.exit_code)


@main.command()
@notes_dir_argument
@click.option(
    "--collection",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The Anki collection file (collection.anki2 in your Anki profile folder). Anki must be closed.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete notes that left the markdown (only notes this course's lock created; lists them and asks first).",
)
@click.option("--prune-paused", is_flag=True, help="With --prune, also delete notes of files set to `cards: false`.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before --prune deletes notes.")
@click.option(
    "--prefer",
    type=click.Choice(["notes", "anki"]),
    help="For a note edited both in Anki and in the notes: keep this side (default: keep Anki's and report it).",
)
@reset_lock_option
@_output_option("Also keep the built .apkg here  [default: decks/<deck>.apkg beside NOTES_DIR]")
@strict_option
@json_option
def install(
    notes_dir: Path | None,
    collection: Path,
    prune: bool,
    prune_paused: bool,
    yes: bool,
    prefer: str | None,
    reset_lock: bool,
    output: Path | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Build NOTES_DIR and import it straight into a closed Anki collection.

    Uses Anki's own backend with the desktop importer's defaults (update notes if newer).
    Unlike the .apkg importer it keeps every edit made in Anki to a note whose markdown did
    not change, reports notes edited on both sides (--prefer decides), moves and retags
    cards of notes that changed chapter, and with --prune deletes notes removed from the
    markdown (never a note you made or copied in Anki). Nothing is written if the collection
    is open in Anki. Needs the Anki backend: pip install 'anki-build[anki]'.
    """
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        raise click.UsageError("install needs the Anki backend: pip install 'anki-build[anki]'") from None
    from .commands.install import install as run_install

    root, display = _notes_dir(notes_dir)
    _check_output(output)
    if prune_paused and not prune:
        raise click.BadParameter("--prune-paused only goes with --prune", param_hint="--prune-paused")

    def ask(listed: list[str]) -> bool:
        if not sys.stdin.isatty():
            click.echo(f"--prune would delete {len(listed)} note(s); run again with --yes to delete them:", err=True)
            for line in listed:
                click.echo(f"  {line}", err=True)
            return False
        click.echo(f"--prune will delete {len(listed)} note(s) (with their review history):")
        for line in listed:
            click.echo(f"  {line}")
        return click.confirm("Delete them?", default=False)

    with _progress(as_json) as progress:
        summary, result = run_install(
            root,
            display,
            collection,
            output=output,
            prune=prune,
            prune_paused=prune_paused,
            confirm=None if yes else _cleared(ask, progress),
            prefer=prefer,
            strict=strict,
            reset_lock=reset_lock,
            progress=progress,
        )
    if not as_json:
        _print_diagnostics(summary)
        if result is not None:
            click.echo(
                f"{summary.deck}: {result.new} new, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.kept_anki_edits} edit(s) made in Anki kept, {len(result.conflicts)} conflict(s), "
                f"{result.moved_cards} card(s) moved to their chapter deck, {result.retagged} retagged, "
                f"{result.pruned} note(s) deleted" + (" (--prune declined)" if result.prune_declined else "")
            )
    _finish(summary, as_json, {"install": result.to_json() if result else None})


def run() -> None:
    """The console script: a bug anki-build did not catch is one line on stderr and exit 1, never a traceback
    (set ANKI_BUILD_DEBUG=1 to see it); Ctrl-C exits 130."""
    import os

    try:
        main()
    except KeyboardInterrupt:
        click.echo("anki-build: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("ANKI_BUILD_DEBUG"):
            raise
        from .diagnostics import internal_error

        click.echo(f"anki-build: error: internal-error: {internal_error(exc)}", err=True)
        sys.exit(1)

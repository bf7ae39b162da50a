"""The command line: thin wrappers around `anki_build.commands`.

Only click is imported at start-up; each command imports its stage modules when it runs,
so `anki-build --help` stays fast and never loads sympy or the Anki backend.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .console import Console, output_options

if TYPE_CHECKING:
    from .progress import TerminalProgress


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
@output_options
def build(
    notes_dir: Path | None,
    output: Path | None,
    plan_only: bool,
    explain_target: str | None,
    watch: bool,
    reset_lock: bool,
    strict: bool,
    quiet: bool,
    verbose: bool,
    as_json: bool,
) -> None:
    """Build NOTES_DIR into an Anki package.

    Without NOTES_DIR, builds the project configured in the current folder: the folder
    itself or ./notes, whichever holds anki-build.toml. Besides the .apkg, a build writes
    one file: anki-build.lock in NOTES_DIR, which keeps note identity (commit it). With
    --strict, a build with any warning writes nothing.
    """
    from . import show
    from .commands.build import build as run_build

    console = Console.of(quiet, verbose, as_json)
    root, display = _notes_dir(notes_dir)
    if watch and (plan_only or explain_target is not None):
        raise click.UsageError("--watch builds the deck: it does not go with --plan or --explain")
    if explain_target is not None:
        _explain(root, display, explain_target, console)
    _check_output(output)
    if watch:
        _watch(root, display, output, strict, reset_lock, console)
    with _progress(not console.talks) as progress:
        summary = run_build(
            root, display, output, strict=strict, plan_only=plan_only, reset_lock=reset_lock, progress=progress
        )
    if console.as_json:
        console.data(summary.to_json())
        sys.exit(summary.exit_code)
    show.diagnostics(console, summary)
    if plan_only and summary.plan is not None:
        console.say(f"{summary.deck}: {show.count(summary.notes, 'note')} (plan only, nothing written)")
        show.plan(console, summary.plan)
        show.plan_counts(console, summary.plan)
    show.built(console, summary, with_table=True)
    show.verbose_stats(console, summary)
    show.outcome(console, summary, planned=plan_only)
    sys.exit(summary.exit_code)


def _watch(root: Path, display: str, output: Path | None, strict: bool, reset_lock: bool, console: Console) -> None:
    """One build per batch of saves; `--json` prints one JSON object per line. Ctrl-C ends it (exit 0)."""
    import time

    from . import show
    from .commands.build import rebuilds
    from .progress import on_terminal

    progress = on_terminal(not console.talks)
    for n, summary in enumerate(
        rebuilds(root, display, output, strict=strict, reset_lock=reset_lock, progress=progress)
    ):
        if progress is not None:
            progress.clear()
        if console.as_json:
            console.data(summary.to_json(), lines=True)
            continue
        if n:
            console.say(f"── {time.strftime('%H:%M:%S')} rebuilt after a save")
        show.diagnostics(console, summary)
        show.built(console, summary, with_table=False)
        show.verbose_stats(console, summary)
        show.outcome(console, summary)
        if n == 0:
            console.say(f"watching {display} for saves (Ctrl-C stops)")
    sys.exit(0)


def _explain(root: Path, display: str, target: str, console: Console) -> None:
    from .commands.explain import explain

    rows, problem = explain(root, display, target)
    if problem:
        raise click.BadParameter(problem, param_hint="--explain")
    if console.as_json:
        console.data([row.__dict__ for row in rows])
        sys.exit(0)
    for row in rows:
        console.say(f"{row.path}:{row.line}: {row.rule or '-'}: {row.message}")
    made = sum(1 for row in rows if row.message.split(" ", 2)[1:2] == ["note"])
    console.say(f"{made} note(s) in these lines; rule names can be switched off under [rules] in anki-build.toml")
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
@output_options
def check(
    notes_dir: Path | None, render: bool, engine: str, strict: bool, quiet: bool, verbose: bool, as_json: bool
) -> None:
    """Check every derivation in NOTES_DIR with sympy, step by step.

    A derivation is a display block right after a `<!-- check: … -->` comment (see the README).
    Prints each step with its file:line and verdict (proved, plausible, refuted with a
    counterexample, unsupported, timeout). Exit 1 if any step is refuted.

    With --render, instead typesets both sides of every card at 390×844 in headless Chromium
    with Anki's own MathJax 3.2.2 and configuration, day and night, and reports at the note's
    file:line what a reader would see: TeX errors, undefined macros, math MathJax did not pick
    up, visible cloze syntax, broken images, page overflow and network requests (errors);
    formulas still wider than the screen after the card fits them, text contrast below WCAG
    AA, text under 12 px and sides taller than 3 screens (warnings; errors with --strict).
    Needs Chromium, the Anki backend (pip install 'anki-build[anki]') and `anki-build setup-render`.
    """
    console = Console.of(quiet, verbose, as_json)
    if render:
        _render_check(notes_dir, console, strict, ("chromium", "webkit") if engine == "all" else (engine,))
    from . import show
    from .commands.check import check as run_check

    root, display = _notes_dir(notes_dir)
    summary = run_check(root, display)
    if console.as_json:
        console.data(summary.to_json())
        sys.exit(summary.exit_code)
    marks = {"proved": "✓", "plausible": "~", "refuted": "✗", "unsupported": "?", "timeout": "⏱", "skipped": "-"}
    steps = 0
    for block in summary.blocks:
        steps += len(block.rows)
        fine = block.verdict in ("proved", "skipped")
        if console.talks or not fine:  # with --quiet, only the derivations that need a look
            click.echo(
                f"{block.path}:{block.line}: derivation: {block.verdict}" + (f" ({block.error})" if block.error else "")
            )
        for row in block.rows:
            if console.quiet and row.verdict in ("proved", "skipped"):
                continue
            point = ", ".join(f"{k} = {v}" for k, v in row.counterexample.items())
            note = f" — {row.detail}" if row.detail else ""
            note += f" at {point}" if point else ""
            note += f" (depends on the refuted step at line {row.depends_on_refuted})" if row.depends_on_refuted else ""
            line = f"  {block.path}:{row.line}: {marks.get(row.verdict, '?')} {row.verdict}: "
            click.echo(line + show.short(row.text, 70) + note)
    for diagnostic in summary.diagnostics:
        if not diagnostic.code.startswith(("step-", "derivation-")):
            console.diagnostic(diagnostic)
    if not summary.blocks:
        console.say(
            f"no derivations in {display}: a derivation is a display block right after a "
            "`<!-- check: … -->` comment (see the README)"
        )
    else:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(summary.counts().items()))
        console.say(
            f"{show.count(len(summary.blocks), 'derivation')}, {show.count(steps, 'step')}"
            + (f": {counts}" if counts else "")
        )
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
@output_options
def preview(notes_dir: Path | None, out: Path, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Write an offline HTML gallery of every card: front and back, day and night, at phone width.

    Uses the same MathJax 3.2.2 and configuration as Anki; open OUTPUT/index.html in a browser.
    Needs the Anki backend (pip install 'anki-build[anki]') and `anki-build setup-render`.
    """
    import time

    from .commands.preview import preview as run_preview

    console = Console.of(quiet, verbose, as_json)
    root, display = _notes_dir(notes_dir)
    started = time.perf_counter()
    with _unavailable(console):
        result, diagnostics = run_preview(root, display, out)
    errors = sum(1 for d in diagnostics if str(d.severity) == "error")  # type: ignore[attr-defined]
    if console.as_json:
        console.data(
            {
                "index": str(out / "index.html") if result else None,
                "cards": result.cards if result else 0,
                "warnings": len(diagnostics) - errors,
                "errors": errors,
                "exit_code": 0 if result else 1,
                "diagnostics": [d.to_json() for d in diagnostics],  # type: ignore[attr-defined]
            }
        )
        sys.exit(0 if result else 1)
    for diagnostic in diagnostics:
        console.diagnostic(diagnostic)  # type: ignore[arg-type]
    if result is None:
        console.fail("anki-build: error: the deck did not build; no gallery written")
        sys.exit(1)
    console.say(f"{result.cards} cards → {out / 'index.html'}")
    console.detail(f"built and rendered in {time.perf_counter() - started:.1f} s")


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
@output_options
def serve(notes_dir: Path | None, port: int, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Serve the cards at http://127.0.0.1:PORT/ and rebuild on every save.

    One page per note file shows its cards as Anki renders them, front and back, day and night, at phone
    width, with that file's diagnostics; the open page follows the file you save and marks the changed
    cards. Nothing is written under NOTES_DIR. With --json, prints one JSON object per event (serving,
    rebuilt). Needs the Anki backend (pip install 'anki-build[anki]') and `anki-build setup-render`.
    """
    from .commands.serve import serve as run_serve

    console = Console.of(quiet, verbose, as_json)
    root, display = _notes_dir(notes_dir)

    def on_event(event: dict[str, object]) -> None:
        if console.as_json:
            console.data(event, lines=True)
        elif event["event"] == "serving":
            click.echo(  # the address is the result, shown even with --quiet
                f"serving {event['cards']} cards from {event['files']} files at {event['url']} "
                "(rebuilt on save; Ctrl-C stops)"
            )
        else:
            problems = int(event["warnings"]) + int(event["errors"])  # type: ignore[call-overload]
            failure = f" ({event['failure']})" if event["failure"] else ""
            line = (
                f"{event['time']} {event['file']}: rebuilt in {event['seconds']:.2f} s, {event['cards']} cards, "
                f"{event['warnings']} warning(s), {event['errors']} error(s){failure}"
            )
            if problems or failure:
                console.fail(line)
            else:
                console.say(line)
            if console.verbose:
                for diagnostic in event["diagnostics"]:  # type: ignore[attr-defined]
                    console.detail(
                        f"{diagnostic['path']}:{diagnostic['line']}:{diagnostic['col']}: {diagnostic['severity']}: "
                        f"{diagnostic['code']}: {diagnostic['message']}"
                    )

    with _unavailable(console):
        try:
            run_serve(root, display, port, on_event=on_event, show_progress=console.talks)
        except OSError as exc:
            console.fail(f"anki-build: error: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}")
            sys.exit(1)


@contextlib.contextmanager
def _unavailable(console: Console) -> Iterator[None]:
    """A missing browser, Anki backend or MathJax: one line saying how to get it, exit 2."""
    from .phone.assets import AssetsUnavailable
    from .phone.browser import BrowserUnavailable
    from .phone.cards import BackendUnavailable

    try:
        yield
    except (BrowserUnavailable, BackendUnavailable, AssetsUnavailable) as exc:
        console.fail(f"anki-build: {exc}")
        sys.exit(2)


def _render_check(
    notes_dir: Path | None, console: Console, strict: bool = False, engines: tuple[str, ...] = ("chromium",)
) -> None:
    from .commands.check import render as run_render

    root, display = _notes_dir(notes_dir)
    with _unavailable(console), _progress(not console.talks) as progress:
        summary = run_render(root, display, strict=strict, engines=engines, progress=progress)
    if console.as_json:
        console.data(summary.to_json())
        sys.exit(summary.exit_code)
    for diagnostic in summary.diagnostics:
        console.diagnostic(diagnostic, as_error=strict and diagnostic.severity.value == "warning")
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.counts().items())
    for d in summary.disagreements:
        console.say(
            f"engines disagree: {d['kind']} on the {d['side']} of {d['card']} ({d['mode']}) only in {d['only_in']}"
        )
    names = " and ".join({"chromium": "Chromium", "webkit": "WebKitGTK"}[e] for e in summary.engines)
    line = (
        f"rendered {summary.sides} card sides ({summary.math} formulas) at 390×844, day and night, in {names} "
        f"with Anki's MathJax in {summary.seconds:.1f} s (browser {summary.isolation}, no network"
        + (f"; {summary.reused} side renderings unchanged since an earlier check" if summary.reused else "")
        + "): "
        + (f"{len(summary.problems)} problem(s): {counts}" if summary.problems else "no problems")
        + (f"; {len(summary.disagreements)} disagreement(s) between the engines" if len(summary.engines) > 1 else "")
    )
    (console.fail if summary.exit_code else console.say)(line)
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
@output_options
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
    quiet: bool,
    verbose: bool,
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
    from . import show
    from .commands.install import install as run_install

    console = Console.of(quiet, verbose, as_json)
    root, display = _notes_dir(notes_dir)
    _check_output(output)
    if prune_paused and not prune:
        raise click.BadParameter("--prune-paused only goes with --prune", param_hint="--prune-paused")

    def ask(listed: list[str]) -> bool:
        if not sys.stdin.isatty():
            console.fail(f"--prune would delete {len(listed)} note(s); run again with --yes to delete them:")
            for line in listed:
                console.fail(f"  {line}")
            return False
        click.echo(f"--prune will delete {len(listed)} note(s) (with their review history):")
        for line in listed:
            click.echo(f"  {line}")
        return click.confirm("Delete them?", default=False)

    with _progress(not console.talks) as progress:
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
    if console.as_json:
        data = summary.to_json()
        data["install"] = result.to_json() if result else None
        console.data(data)
        sys.exit(summary.exit_code)
    show.diagnostics(console, summary)
    if result is not None:
        console.say(
            f"{summary.deck}: {result.new} new, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.kept_anki_edits} edit(s) made in Anki kept, {len(result.conflicts)} conflict(s), "
            f"{result.moved_cards} card(s) moved to their chapter deck, {result.retagged} retagged, "
            f"{result.pruned} note(s) deleted" + (" (--prune declined)" if result.prune_declined else "")
        )
        if summary.plan is not None and console.verbose:
            show.plan(console, summary.plan)
    show.verbose_stats(console, summary)
    if summary.withheld:
        show.outcome(console, summary)
        console.fail("anki-build: nothing was imported")
    elif result is None:
        console.fail(
            f"anki-build: error: {show.count(summary.errors, 'error')}, {show.count(summary.warnings, 'warning')}; "
            "nothing was imported"
        )
    else:
        show.outcome(console, summary)
    sys.exit(summary.exit_code)


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="The language of the first chapter and of the card prompts.",
)
@click.option("--deck", help="The deck's name in Anki  [default: the folder's name]")
@output_options
def init(directory: Path, language: str, deck: str | None, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Create a notes project in DIRECTORY (default: here).

    Writes notes/anki-build.toml (every key, commented), a first chapter that shows each way of
    writing a note, and a .gitignore for the built decks. Refuses to overwrite any file.
    """
    from . import show
    from .commands.init import init_project
    from .diagnostics import Diagnostic, Severity

    console = Console.of(quiet, verbose, as_json)
    shown = str(directory).rstrip("/") or "."
    if directory.exists() and not directory.is_dir():
        raise click.BadParameter(f"'{directory}' is not a folder", param_hint="DIRECTORY")
    if deck is not None and (not deck.strip() or any(ord(ch) < 32 for ch in deck)):
        raise click.BadParameter("must be a non-empty name without control characters", param_hint="--deck")
    try:
        created = init_project(directory, shown, language, deck.strip() if deck else None)
    except OSError as exc:
        console.fail(f"anki-build: error: cannot write in {shown}: {exc.strerror or exc}")
        sys.exit(1)
    if console.as_json:
        console.data(created.to_json())
        sys.exit(1 if created.refused else 0)
    if created.refused:
        for path in created.refused:
            message = "this file exists; init never overwrites a file"
            console.diagnostic(Diagnostic(path, 1, 1, Severity.ERROR, "init-refused", message))
        console.fail("anki-build: error: nothing written")
        sys.exit(1)
    show.created(console, created, "add the line `/decks/` to it")
    console.say("next:")
    if shown != ".":
        console.say(f"  cd {shown}")
    console.say("  anki-build build          # writes decks/<deck>.apkg: open it in Anki")
    console.say("  anki-build serve          # the cards as a phone shows them, rebuilt on every save")
    console.say("  anki-build install --collection PATH/collection.anki2   # or import straight into Anki")


@main.command("init-templates")
@notes_dir_argument
@click.option(
    "--only",
    multiple=True,
    metavar="FILE",
    help="Copy only this card file (repeatable), e.g. --only fields/concept.html.j2.",
)
@click.option("--list", "list_only", is_flag=True, help="List the card files and which ones the project overrides.")
@output_options
def init_templates(
    notes_dir: Path | None, only: tuple[str, ...], list_only: bool, quiet: bool, verbose: bool, as_json: bool
) -> None:
    """Copy the packaged card templates and CSS into NOTES_DIR/cards/ to edit.

    A file in NOTES_DIR/cards/ replaces the packaged file of the same name (the rest stay packaged):
    fields/*.html.j2 are the Jinja2 templates that make each note's fields, basic/ and cloze/ the Anki
    card templates, style.css the cards' CSS. Files already there are kept. Copy only what you will change:
    the others then follow anki-build's updates.
    """
    from . import show
    from .commands.init import init_templates as run_init_templates
    from .notetypes import TEMPLATE_FILES

    console = Console.of(quiet, verbose, as_json)
    root, display = _notes_dir(notes_dir)
    unknown = [name for name in only if name not in TEMPLATE_FILES]
    if unknown:
        raise click.BadParameter(
            f"'{unknown[0]}' is not a card file; the card files are {', '.join(TEMPLATE_FILES)}", param_hint="--only"
        )
    if list_only:
        from .config import load_config
        from .diagnostics import Report

        cards = load_config(root, display, Report()).cards
        rows = [
            {"file": name, "from": cards.origins[name], "overridden": name in cards.overridden}
            for name in TEMPLATE_FILES
        ]
        if console.as_json:
            console.data(rows)
        else:
            for row in rows:
                click.echo(f"{row['file']:<28} {'project: ' + str(row['from']) if row['overridden'] else 'packaged'}")
        sys.exit(0)
    try:
        created = run_init_templates(root, display, only)
    except OSError as exc:
        console.fail(f"anki-build: error: cannot write the card files: {exc.strerror or exc}")
        sys.exit(1)
    if console.as_json:
        console.data(created.to_json())
        sys.exit(0)
    show.created(console, created, "already there")
    console.say("edit them, then `anki-build build`: the next import restyles the cards and keeps their reviews")


@main.command("setup-render")
@click.option(
    "--from-wheel",
    "wheel",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Take Anki's MathJax from this aqt wheel file instead of downloading it (for a machine without "
    "network: `pip download aqt==VERSION --no-deps` elsewhere).",
)
@output_options
def setup_render(wheel: Path | None, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Set up what check --render, preview and serve need, once, ahead of time.

    Downloads the pinned `aqt` wheel (Anki's desktop app, 4.4 MB) with pip and keeps only Anki's
    MathJax 3.2.2 and its configuration, in the cache folder ($ANKI_BUILD_CACHE_DIR, else
    ~/.cache/anki-build); nothing else is installed. With --from-wheel FILE nothing is downloaded:
    the file is checked against the published wheel's sha256. Also reports whether headless Chromium
    and the Anki backend are installed, and how to install them. Exit 1 if anything is missing.
    """
    from .commands.setup_render import setup_render as run_setup_render
    from .phone.assets import AQT_VERSION, MATHJAX_VERSION

    console = Console.of(quiet, verbose, as_json)
    result = run_setup_render(wheel, announce=lambda line: console.say(line, err=True))
    if console.as_json:
        console.data(result.to_json())
        sys.exit(result.exit_code)
    how = {
        "cache": "already there",
        "pip": f"downloaded the aqt {AQT_VERSION} wheel with pip",
        "wheel": f"from {wheel}",
    }
    labels = {"chromium": "Chromium", "backend": "Anki backend", "webkit": "WebKitGTK (for --engine webkit)"}
    for name in result.files:
        console.detail(f"extracted {name}")
    console.detail(f"cache folder: {result.cache}")
    if result.mathjax.ok:
        console.say(f"Anki's MathJax {MATHJAX_VERSION}: {result.mathjax.found} ({how.get(result.source or '', '')})")
    else:
        console.fail(f"anki-build: error: {result.mathjax.error}")
    for part in (result.chromium, result.backend, result.webkit):
        if part.ok:
            console.say(f"{labels[part.name]}: {part.found}")
        elif part.required:
            console.fail(f"anki-build: error: {labels[part.name]}: {part.error}; {part.fix}")
        else:
            console.say(f"{labels[part.name]}: not installed (optional; {part.fix})")
    if result.exit_code:
        missing = [p.name for p in result.parts if p.required and not p.ok]
        console.fail(f"anki-build: error: rendering is not ready ({', '.join(missing)} missing)")
    else:
        console.say("ready: check --render, preview and serve need no network from now on")
    sys.exit(result.exit_code)


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

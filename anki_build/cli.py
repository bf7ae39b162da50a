"""The command line: thin wrappers around `anki_build.commands`.

Only click is imported at start-up; each command imports its stage modules when it runs,
so `anki-build --help` stays fast and never loads sympy or the Anki backend.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__

if TYPE_CHECKING:
    from .commands.build import BuildSummary


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _print_summary(summary: BuildSummary) -> None:
    from .commands.build import shown_path

    assert summary.output is not None
    kinds = ("concept", "formula", "qa", "cloze")
    width = max([_width(name) for name in summary.by_chapter] + [7])
    click.echo(
        f"{summary.deck}: {summary.notes} notes → {shown_path(summary.output)} "
        f"({_human_size(summary.size)}, {summary.media} media files)"
    )
    click.echo(f"  {_pad('chapter', width)}  " + "  ".join(f"{k:>7}" for k in kinds))
    for name, counts in summary.by_chapter.items():
        click.echo(f"  {_pad(name, width)}  " + "  ".join(f"{counts.get(k, 0):>7}" for k in kinds))
    click.echo(f"  {_pad('total', width)}  " + "  ".join(f"{summary.by_kind.get(k, 0):>7}" for k in kinds))


def _human_size(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="anki-build")
def main() -> None:
    """Turn a folder of markdown course notes into an Anki deck (.apkg).

    Concepts (**term**: sentence), formulas ($$…$$), questions (Q:/A:, 问：/答：),
    clozes (==highlight==) become notes, one subdeck and one chapter:: tag per chapter.

    Exit codes: 0 ok, 1 errors (or warnings with --strict), 2 usage.
    """


@main.command()
@click.argument("notes_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the .apkg  [default: decks/<deck>.apkg beside NOTES_DIR]",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary and diagnostics as JSON on stdout.")
def build(notes_dir: Path | None, output: Path | None, strict: bool, as_json: bool) -> None:
    """Build NOTES_DIR into an Anki package.

    Without NOTES_DIR, builds the project configured in the current folder: the folder
    itself or ./notes, whichever holds anki-build.toml.
    """
    from .commands.build import build as run_build
    from .commands.build import find_notes_root, shown_path

    if notes_dir is None:
        notes_dir = find_notes_root(Path.cwd())
        if notes_dir is None:
            raise click.UsageError("no anki-build.toml here or in ./notes; pass NOTES_DIR")
        display = shown_path(notes_dir)
    else:
        if not notes_dir.is_dir():
            raise click.BadParameter(f"'{notes_dir}' is not a folder", param_hint="NOTES_DIR")
        display = str(notes_dir)
    if output is not None and output.suffix.lower() != ".apkg":
        raise click.BadParameter("the output file must end in .apkg", param_hint="-o/--output")

    summary = run_build(notes_dir, display.rstrip("/") or ".", output, strict=strict)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        sys.exit(summary.exit_code)
    for diagnostic in summary.diagnostics:
        severity = "error" if strict else diagnostic.severity
        click.echo(diagnostic.format().replace(f": {diagnostic.severity}: ", f": {severity}: ", 1), err=True)
    if summary.output is not None:
        _print_summary(summary)
    click.echo(
        f"{summary.warnings} warning(s), {summary.errors} error(s)"
        + (" (--strict: warnings count as errors)" if strict and summary.warnings else ""),
        err=summary.output is None,
    )
    sys.exit(summary.exit_code)

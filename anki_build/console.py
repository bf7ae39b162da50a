"""What a command prints, in one place: `--quiet`, `--verbose`, `--json` and colour mean the same everywhere.

Results go to stdout, diagnostics and failures to stderr. `--quiet` leaves only diagnostics and failures;
`--verbose` adds detail (timings, cache use, every note an import touches); `--json` prints one JSON
document (or one per line for a watch) and nothing else on stdout. Colour only on a terminal, never with
`NO_COLOR` set or `TERM=dumb`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .diagnostics import Diagnostic

F = TypeVar("F", bound=Callable[..., Any])
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow"}


def output_options(command: F) -> F:
    """`-q/--quiet`, `-v/--verbose` and `--json`, for every command."""
    command = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(command)
    command = click.option(
        "-v", "--verbose", is_flag=True, help="Say more: timings, cache use, every note an import touches."
    )(command)
    return click.option("-q", "--quiet", is_flag=True, help="Print only warnings, errors and failures.")(command)


def colour_wanted() -> bool | None:
    """False when the user asked for none; None lets click colour a terminal and strip colour elsewhere."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    return None


@dataclass(frozen=True)
class Console:
    quiet: bool = False
    verbose: bool = False
    as_json: bool = False

    @classmethod
    def of(cls, quiet: bool, verbose: bool, as_json: bool) -> Console:
        if quiet and verbose:
            raise click.UsageError("--quiet and --verbose do not go together")
        return cls(quiet=quiet, verbose=verbose, as_json=as_json)

    @property
    def talks(self) -> bool:
        """Whether normal (non-JSON, non-quiet) output is printed."""
        return not self.quiet and not self.as_json

    def say(self, text: str = "", *, err: bool = False) -> None:
        """A result line: hidden by --quiet and --json."""
        if self.talks:
            click.echo(text, err=err, color=colour_wanted())

    def detail(self, text: str) -> None:
        """A --verbose line, on stderr so that it never mixes into a result a script reads."""
        if self.verbose and not self.as_json:
            click.echo(click.style(text, dim=True), err=True, color=colour_wanted())

    def fail(self, text: str) -> None:
        """A failure the user must see, whatever the flags (with --json too: it goes to stderr)."""
        click.echo(self.coloured(text), err=True, color=colour_wanted())

    def diagnostic(self, diagnostic: Diagnostic, *, as_error: bool = False) -> None:
        if self.as_json:
            return
        severity = "error" if as_error else str(diagnostic.severity)
        line = diagnostic.format().replace(f": {diagnostic.severity}: ", f": {severity}: ", 1)
        click.echo(self.coloured(line), err=True, color=colour_wanted())

    def data(self, value: object, *, lines: bool = False) -> None:
        """The --json document (`lines`: one compact object per line, for a stream of results)."""
        click.echo(json.dumps(value, ensure_ascii=False, indent=None if lines else 2))

    @staticmethod
    def coloured(line: str) -> str:
        """`path:line:col: error: …` with its severity in colour; other lines as they are."""
        for severity, colour in _SEVERITY_COLOUR.items():
            marker = f": {severity}: "
            if marker in line:
                head, tail = line.split(marker, 1)
                return f"{head}: {click.style(severity, fg=colour, bold=True)}: {tail}"
            if line.startswith(f"anki-build: {severity}:"):
                return line.replace(severity, click.style(severity, fg=colour, bold=True), 1)
        return line

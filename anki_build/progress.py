"""Progress of long work, as one self-rewriting line on a terminal and nothing anywhere else.

Stages take an optional `Progress` callback (what, done, total) and know nothing about terminals;
the CLI passes `on_terminal()`, which is None when stderr is piped or `--json` is asked for.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, int, int], None]

_EVERY = 0.1  # seconds between redraws: smooth to a person, free for the build


class TerminalProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < _EVERY and done < total:
            return
        self.last = now
        width = 24
        filled = width * done // total if total else width
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(f"\r\x1b[2K{what} {bar} {done}/{total}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def on_terminal(quiet: bool = False, stream: TextIO | None = None) -> TerminalProgress | None:
    """A progress line on stderr when it is a terminal (and not `quiet`), else None."""
    out = stream or sys.stderr
    if quiet or not out.isatty():
        return None
    return TerminalProgress(out)

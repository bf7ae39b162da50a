"""`anki-build build --explain FILE[:LINE[-LINE]]`: which rule made each note of a file, and why a block made none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..config import load_config
from ..diagnostics import Report


@dataclass(frozen=True)
class Row:
    path: str
    line: int
    rule: str
    message: str


def explain(root: Path, display_root: str, target: str) -> tuple[list[Row], str | None]:
    """The explanations for `target` (`FILE`, `FILE:LINE` or `FILE:FIRST-LAST`, FILE relative to the notes
    folder or to here). A single line shows the blocks around it, a range exactly those lines."""
    from ..parse import parse_project

    match = re.fullmatch(r"(.+?):(\d+)(?:-(\d+))?", target)
    wanted = match[1] if match else target
    if match and match[3]:
        first, last = sorted((int(match[2]), int(match[3])))
    elif match:
        first, last = int(match[2]) - 8, int(match[2]) + 8
    else:
        first, last = None, None
    report = Report()
    config = load_config(root, display_root, report)
    project = parse_project(root, display_root, config, report)
    candidates = [Path(wanted).resolve(), (root / wanted).resolve()]
    files = {display: rows for display, rows in project.explanations.items()}
    chosen = next(
        (
            display
            for display in files
            if any((root.resolve() / display_relative(display, display_root)) == c for c in candidates)
        ),
        None,
    )
    if chosen is None:
        return [], f"'{wanted}' is not a notes file of {display_root} (or it makes no notes at all)"
    rows = [Row(chosen, e.line, e.rule, e.message) for e in files[chosen]]  # type: ignore[attr-defined]
    if first is not None and last is not None:
        rows = [r for r in rows if first <= r.line <= last]
    return sorted(rows, key=lambda r: r.line), None


def display_relative(display: str, display_root: str) -> str:
    prefix = display_root.rstrip("/") + "/"
    return display.removeprefix(prefix) if display_root not in ("", ".") else display

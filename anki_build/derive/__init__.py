"""Derivations in the notes, checked step by step with sympy.

`syntax` splits a checkable block into rows without importing sympy; `latex` turns one side
of a row into a sympy expression or refuses it; `steps` decides each row; `worker` runs the
checks in a killable process with time limits and a cache. The build and `anki-build check`
only import sympy (in the worker) when a project has checkable derivations.
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Report
from ..structure import Note, NoteKind, Project
from .results import PLAUSIBLE, REFUTED, TIMEOUT, UNSUPPORTED, BlockResult
from .syntax import Block, parse_directive, split_rows

__all__ = ["BlockResult", "check_project", "derivation_blocks"]


def derivation_blocks(notes: Project | list[Note]) -> list[tuple[Note, Block]]:
    blocks = []
    for note in notes.notes if isinstance(notes, Project) else notes:
        if note.kind is not NoteKind.DERIVATION:
            continue
        directive = parse_directive(note.check)
        tex = note.check_tex or next((t.content for t in note.back.tokens if t.type == "math_block"), "")
        if directive is None or directive.nocheck or not tex.strip():
            continue
        path, line = note.location.path, note.location.line
        blocks.append(
            (note, Block(tex=tex, directive=directive, path=path, line=line, rows=split_rows(tex, note.check_line)))
        )
    return blocks


def check_project(
    project: Project | list[Note],
    report: Report,
    *,
    cache: Path | None = None,
    step_limit: float = 5.0,
    block_limit: float = 30.0,
) -> dict[int, BlockResult]:
    """Check every derivation (in a worker process); report problems at the row's line. `id(note)` → result."""
    blocks = derivation_blocks(project)
    if not blocks:
        return {}
    from .worker import Checker

    with Checker(step_limit=step_limit, block_limit=block_limit, cache=cache) as checker:
        raw = checker.check([block for _, block in blocks])
    results: dict[int, BlockResult] = {}
    for (note, block), data in zip(blocks, raw, strict=True):
        result = BlockResult.from_json(data)
        results[id(note)] = result
        if result.error:
            code = "derivation-timeout" if result.verdict == TIMEOUT else "derivation-unsupported"
            report.warning(block.path, block.line, 1, code, result.error)
        for row in result.rows:
            if row.verdict == REFUTED:
                point = ", ".join(f"{k} = {v}" for k, v in row.counterexample.items())
                report.warning(
                    block.path,
                    row.line,
                    1,
                    "step-refuted",
                    f"this step is wrong: {row.detail}" + (f" at {point}" if point else ""),
                )
            elif row.verdict in (UNSUPPORTED, TIMEOUT) and not result.error:
                report.warning(block.path, row.line, 1, f"step-{row.verdict}", row.detail)
            elif row.verdict == PLAUSIBLE:
                report.warning(block.path, row.line, 1, "step-plausible", row.detail)
    return results

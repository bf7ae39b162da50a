"""`anki-build check`: every derivation row with its verdict; exit 1 when a step is refuted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import load_config
from ..derive import BlockResult, check_project
from ..derive.results import REFUTED
from ..diagnostics import Diagnostic, Report
from ..parse import parse_project


@dataclass
class CheckSummary:
    blocks: list[BlockResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def refuted(self) -> int:
        return sum(1 for b in self.blocks for r in b.rows if r.verdict == REFUTED)

    @property
    def exit_code(self) -> int:
        config_errors = any(d.code.startswith("config") for d in self.diagnostics)
        return 1 if self.refuted or config_errors else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for block in self.blocks:
            for row in block.rows:
                out[row.verdict] = out.get(row.verdict, 0) + 1
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "derivations": [b.to_json() for b in self.blocks],
            "counts": self.counts(),
            "exit_code": self.exit_code,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def check(root: Path, display_root: str, *, cache: Path | None = None) -> CheckSummary:
    report = Report()
    config = load_config(root, display_root, report)
    if report.errors:
        return CheckSummary(diagnostics=report.sorted())
    project = parse_project(root, display_root, config, report, containing="check")
    results = check_project(project, report, cache=cache)
    return CheckSummary(blocks=list(results.values()), diagnostics=report.sorted())

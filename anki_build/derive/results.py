"""What the checker says about a derivation, as plain data (no sympy), for the cache, the CLI and cards."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PROVED, PLAUSIBLE, REFUTED, UNSUPPORTED, TIMEOUT, SKIPPED = (
    "proved",
    "plausible",
    "refuted",
    "unsupported",
    "timeout",
    "skipped",
)
SEVERITY = {PROVED: 0, SKIPPED: 0, PLAUSIBLE: 1, UNSUPPORTED: 2, TIMEOUT: 3, REFUTED: 4}


@dataclass
class RowResult:
    line: int
    text: str
    verdict: str
    detail: str = ""
    counterexample: dict[str, str] = field(default_factory=dict)
    depends_on_refuted: int | None = None  # line of an earlier refuted row this one builds on
    seconds: float = 0.0


@dataclass
class BlockResult:
    path: str
    line: int
    rows: list[RowResult]
    error: str = ""

    @property
    def verdict(self) -> str:
        """The worst verdict of the block (a block with no checkable row is unsupported)."""
        checked = [r.verdict for r in self.rows if r.verdict != SKIPPED]
        if self.error:
            return TIMEOUT if "time" in self.error else UNSUPPORTED
        return max(checked, key=SEVERITY.__getitem__) if checked else UNSUPPORTED

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "verdict": self.verdict,
            "error": self.error,
            "rows": [asdict(r) for r in self.rows],
        }

    @classmethod
    def from_json(cls, data: dict) -> BlockResult:  # type: ignore[type-arg]
        return cls(
            path=data["path"],
            line=data["line"],
            error=data.get("error", ""),
            rows=[RowResult(**r) for r in data["rows"]],
        )

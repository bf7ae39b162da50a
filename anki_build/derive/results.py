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
EVERY_SIZE = "equal for every size where the shapes fit and the inverses exist"  # a matrix row's proof
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
    def from_json(cls, data: object) -> BlockResult:
        """Read what `to_json` wrote; anything else (a foreign or damaged cache entry) is a ValueError."""
        if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
            raise ValueError("not a derivation result")
        path, line, error = data.get("path", ""), data.get("line", 0), data.get("error", "")
        if not (isinstance(path, str) and _is_int(line) and isinstance(error, str)):
            raise ValueError("not a derivation result")
        return cls(path=path, line=line, error=error, rows=[_row(r) for r in data["rows"]])


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _row(data: object) -> RowResult:
    if not isinstance(data, dict) or set(data) - set(RowResult.__dataclass_fields__):
        raise ValueError("not a derivation row")
    row = RowResult(**data)
    ok = (
        _is_int(row.line)
        and isinstance(row.text, str)
        and row.verdict in SEVERITY
        and isinstance(row.detail, str)
        and isinstance(row.counterexample, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in row.counterexample.items())
        and (row.depends_on_refuted is None or _is_int(row.depends_on_refuted))
        and isinstance(row.seconds, int | float)
    )
    if not ok:
        raise ValueError("not a derivation row")
    return row

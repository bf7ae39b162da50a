"""One diagnostics model for the whole tool: ``path:line:col: severity: code: message``.

Every stage reports problems into a :class:`Report` it is handed; nothing is printed
or raised from inside a stage, so the CLI decides how (text or JSON) and whether
warnings count as errors (``--strict``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.code}: {self.message}"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


@dataclass
class Report:
    """Collects diagnostics from every stage, in the order they were found."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int, col: int, severity: Severity, code: str, message: str) -> None:
        self.items.append(Diagnostic(path, max(line, 1), max(col, 1), severity, code, message))

    def warning(self, path: str, line: int, col: int, code: str, message: str) -> None:
        self.add(path, line, col, Severity.WARNING, code, message)

    def error(self, path: str, line: int, col: int, code: str, message: str) -> None:
        self.add(path, line, col, Severity.ERROR, code, message)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        """In file order, each once: a broken card template, say, reports the same line for every note."""
        return sorted(dict.fromkeys(self.items), key=lambda d: (d.path, d.line, d.col, d.code))


def internal_error(exc: BaseException) -> str:
    """The message for a bug caught at a file or note boundary: what failed, and that it is ours."""
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
    return f"anki-build failed here ({type(exc).__name__}: {exc}{where}); this is a bug, please report it"

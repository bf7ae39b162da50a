"""``anki-build.toml``: read and validated once, at the edge, into a frozen :class:`Config`.

Stages receive the validated object and never look at the file themselves.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Report

CONFIG_NAME = "anki-build.toml"
KINDS = ("concept", "formula", "qa", "cloze", "derivation")
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Config:
    deck: str
    language: str = "zh"
    namespace: str = ""
    chapters: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset(KINDS)
    tags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    source: Path | None = field(default=None, compare=False)

    @property
    def guid_namespace(self) -> str:
        """GUIDs hang off this, so renaming the deck does not re-create every note."""
        return self.namespace or self.deck


def _key_position(text: str, key: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(rf"\s*({re.escape(key)})\s*=", line)
        if match:
            return number, match.start(1) + 1
    return 1, 1


def _string_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_config(root: Path, display_root: str, report: Report) -> Config:
    """Read ``root/anki-build.toml`` if present; problems become diagnostics, defaults fill gaps."""
    default = Config(deck=root.resolve().name or "anki-build")
    path = root / CONFIG_NAME
    if not path.is_file():
        return default
    shown = f"{display_root.rstrip('/')}/{CONFIG_NAME}"
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        report.error(shown, 1, 1, "config-encoding", f"config file is not UTF-8 ({exc.reason})")
        return default
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(match[1]), int(match[2])) if match else (1, 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        report.error(shown, line, col, "config-syntax", f"invalid TOML: {message}")
        return default

    values: dict[str, object] = {}

    def bad(key: str, message: str) -> None:
        line, col = _key_position(text, key)
        report.error(shown, line, col, "config-value", f"{key}: {message}")

    for key, value in data.items():
        if key in ("deck", "namespace"):
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
            else:
                bad(key, "must be a non-empty string")
        elif key == "language":
            if value in LANGUAGES:
                values[key] = value
            else:
                bad(key, f"must be one of {', '.join(map(repr, LANGUAGES))}, got {value!r}")
        elif key in ("chapters", "tags", "exclude"):
            items = _string_list(value)
            if items is None:
                bad(key, "must be a list of strings")
            elif key == "tags" and any(re.search(r"\s", t) for t in items):
                bad(key, "tags cannot contain spaces (Anki splits tags on spaces)")
            else:
                values[key] = items
        elif key == "kinds":
            if isinstance(value, dict) and all(k in KINDS and isinstance(v, bool) for k, v in value.items()):
                values[key] = frozenset(k for k in KINDS if value.get(k, True))
            else:
                bad(key, f"must be a table of booleans with keys {', '.join(KINDS)}")
        else:
            import difflib

            line, col = _key_position(text, key)
            known = ("deck", "language", "namespace", "chapters", "kinds", "tags", "exclude")
            hint = difflib.get_close_matches(key, known, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            report.error(shown, line, col, "config-key", f"unknown key '{key}'{suggestion}")
    return Config(**{"deck": default.deck, **values}, source=path)  # type: ignore[arg-type]


def find_notes_root(cwd: Path) -> Path | None:
    """The folder `build` uses with no argument: here, or `notes/`, whichever holds the config."""
    for candidate in (cwd, cwd / "notes"):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)

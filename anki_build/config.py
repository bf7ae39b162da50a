"""``anki-build.toml``: read and validated once, at the edge, into a frozen :class:`Config`.

Stages receive the validated object and never look at the file themselves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Report
from .notetypes import CardFiles, packaged_cards

CONFIG_NAME = "anki-build.toml"
KINDS = ("concept", "formula", "qa", "cloze", "derivation")
LANGUAGES = ("zh", "en", "auto")


@dataclass(frozen=True)
class Config:
    deck: str
    language: str = "auto"  # "auto": each file's prompts in the language it is written in
    namespace: str = ""
    chapters: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset(KINDS)
    tags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_image_mb: float = 10
    rules_off: frozenset[str] = frozenset()  # note rules switched off in `[rules]`
    source: Path | None = field(default=None, compare=False)
    cards: CardFiles = field(default_factory=packaged_cards, compare=False)  # the card files: see render/templates

    @property
    def max_image_bytes(self) -> int:
        return int(self.max_image_mb * 1024 * 1024)

    @property
    def guid_namespace(self) -> str:
        """GUIDs hang off this, so renaming the deck does not re-create every note."""
        return self.namespace or self.deck


KNOWN = ("deck", "language", "namespace", "chapters", "kinds", "tags", "exclude", "max_image_mb", "rules")
MAX_CONFIG_BYTES = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _key_position(text: str, key: str, table: str | None = None) -> tuple[int, int]:
    """Line and column of `key = …`, `key.x = …`, `[key]` or `[[key]]` (inside `[table]` when given)."""
    name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    assignment = re.compile(rf"^\s*({name})\s*[=.]")
    header = re.compile(rf"^\s*\[\[?\s*({name})\s*[\].]")
    inside = table is None
    for number, line in enumerate(text.splitlines(), 1):
        if table is not None and re.match(r"^\s*\[", line):
            inside = bool(re.match(rf"^\s*\[\s*{re.escape(table)}\s*\]", line))
            continue
        match = assignment.match(line) if inside else None
        match = match or (header.match(line) if table is None else None)
        if match is None and table is not None and inside is False:
            match = re.match(rf"^\s*{re.escape(table)}\s*\.\s*({name})\s*=", line)
        if match:
            return number, match.start(1) + 1
    return 1, 1


def _string_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_config(root: Path, display_root: str, report: Report) -> Config:
    """Read ``root/anki-build.toml`` if present and the project's card files; problems become diagnostics,
    defaults fill gaps."""
    from .render.templates import load_cards

    config = _load_settings(root, display_root, report)
    return dataclasses.replace(config, cards=load_cards(root, display_root, report))


def _load_settings(root: Path, display_root: str, report: Report) -> Config:
    from .files import read_regular, why_unreadable

    default = Config(deck=root.resolve().name or "anki-build")
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        return default
    shown = f"{display_root.rstrip('/')}/{CONFIG_NAME}"
    if not path.resolve().is_relative_to(root.resolve()):
        report.error(shown, 1, 1, "config-unreadable", "the config is a symlink to a file outside the notes folder")
        return default
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
        data = tomllib.loads(text)
    except OSError as exc:
        report.error(shown, 1, 1, "config-unreadable", f"cannot read the config: {why_unreadable(exc)}")
        return default
    except UnicodeDecodeError as exc:
        report.error(shown, 1, 1, "config-encoding", f"config file is not UTF-8 ({exc.reason})")
        return default
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(match[1]), int(match[2])) if match else (1, 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        report.error(shown, line, col, "config-syntax", f"invalid TOML: {message}")
        return default
    except RecursionError:
        report.error(shown, 1, 1, "config-syntax", "invalid TOML: values are nested too deeply")
        return default

    values: dict[str, object] = {}

    def bad(key: str, message: str) -> None:
        line, col = _key_position(text, key)
        report.error(shown, line, col, "config-value", f"{key}: {message}")

    for key, value in data.items():
        if key in ("deck", "namespace"):
            if isinstance(value, str) and value.strip() and not _CONTROL.search(value):
                values[key] = value.strip()
            else:
                bad(key, "must be a non-empty string without control characters")
        elif key == "language":
            if value in LANGUAGES:
                values[key] = value
            else:
                bad(key, f"must be one of {', '.join(map(repr, LANGUAGES))}, got {_short(repr(value))}")
        elif key in ("chapters", "tags", "exclude"):
            items = _string_list(value)
            if items is None:
                bad(key, "must be a list of strings")
            elif any(_CONTROL.search(t) for t in items):
                bad(key, "must not contain control characters")
            elif key == "tags" and any(re.search(r"\s", t) or not t for t in items):
                bad(key, "tags cannot be empty or contain spaces (Anki splits tags on spaces)")
            else:
                values[key] = items
        elif key == "kinds":
            if not isinstance(value, dict):
                bad(key, f"must be a table of booleans with keys {', '.join(KINDS)}")
                continue
            for kind, switch in value.items():
                if kind not in KINDS or not isinstance(switch, bool):
                    line, col = _key_position(text, kind, "kinds")
                    problem = "must be true or false" if kind in KINDS else f"unknown kind (known: {', '.join(KINDS)})"
                    report.error(shown, line, col, "config-value", f"kinds.{_short(kind)}: {problem}")
            values[key] = frozenset(k for k in KINDS if value.get(k, True) is not False)
        elif key == "rules":
            from .parse.rules import NAMES  # only projects that switch rules pay for the import

            if not isinstance(value, dict):
                bad(key, "must be a table of booleans, one per rule name (see the README)")
                continue
            for name, switch in value.items():
                if name not in NAMES or not isinstance(switch, bool):
                    import difflib

                    line, col = _key_position(text, name, "rules")
                    hint = difflib.get_close_matches(name, NAMES, n=1)
                    problem = (
                        "must be true or false"
                        if name in NAMES
                        else "unknown rule" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                    )
                    report.error(shown, line, col, "config-value", f"rules.{_short(name)}: {problem}")
            values["rules_off"] = frozenset(name for name, switch in value.items() if switch is False)
        elif key == "max_image_mb":
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1024:
                values[key] = float(value)
            else:
                bad(key, "must be a number of MiB between 0 and 1024")
        else:
            import difflib

            line, col = _key_position(text, key)
            hint = difflib.get_close_matches(key, KNOWN, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            report.error(shown, line, col, "config-key", f"unknown key '{_short(key)}'{suggestion}")
    return Config(**{"deck": default.deck, **values}, source=path)  # type: ignore[arg-type]


def _short(value: object, limit: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def add_namespace(root: Path, namespace: str) -> str | None:
    """Write `namespace = "…"` into anki-build.toml (created if missing), above any table, once; the rest of
    the file stays byte for byte. Returns why it could not, or None."""
    from .files import read_regular, write_atomic

    path = root / CONFIG_NAME
    line = (
        "# Written once by anki-build: the GUIDs of this course's notes hang off it, so another course with\n"
        "# the same deck name never overwrites them. Keep it; do not copy it to another course.\n"
        f"namespace = {json.dumps(namespace, ensure_ascii=False)}\n"
    )
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8") if path.exists() else ""
        before = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"cannot add this course's namespace to {CONFIG_NAME}: {exc}"
    if "namespace" in before:
        return None
    lines = text.splitlines(keepends=True)
    at = next((i for i, raw in enumerate(lines) if re.match(r"^\s*\[", raw)), len(lines))
    head = "".join(lines[:at])
    if head and not head.endswith("\n"):
        head += "\n"
    updated = head + ("\n" if head.strip() else "") + line + ("\n" if at < len(lines) else "") + "".join(lines[at:])
    try:
        after = tomllib.loads(updated)
    except tomllib.TOMLDecodeError as exc:
        return f"cannot add this course's namespace to {CONFIG_NAME}: {exc}"
    if {k: v for k, v in after.items() if k != "namespace"} != before or after.get("namespace") != namespace:
        return f"cannot add this course's namespace to {CONFIG_NAME} without changing what it says"
    try:
        write_atomic(path, updated)
    except OSError as exc:
        return f"cannot write {CONFIG_NAME} ({exc.strerror or exc}); this course's GUIDs use the deck name"
    return None

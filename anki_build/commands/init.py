"""`anki-build init` (a new notes project) and `init-templates` (the packaged card files, to edit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..config import CONFIG_NAME
from ..files import atomic_writer
from ..notetypes import TEMPLATE_FILES, packaged_cards
from ..render.templates import PROJECT_FOLDER

FIRST_CHAPTER = {"zh": "01-入门示例.md", "en": "01-getting-started.md"}
IGNORED = "decks/"


@dataclass
class Created:
    """What a command wrote (paths as the user typed them), what it left alone, and what it refused."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    notes_dir: str = ""

    def to_json(self) -> dict[str, object]:
        return {"written": self.written, "kept": self.kept, "refused": self.refused, "notes_dir": self.notes_dir}


def _starter(name: str) -> str:
    return (files("anki_build") / "starter" / name).read_text(encoding="utf-8")


def _shown(base: str, *parts: str) -> str:
    return "/".join(p for p in (base.rstrip("/") if base not in ("", ".") else "", *parts) if p)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as out:
        out.write(text.encode("utf-8"))


def init_project(target: Path, shown: str, language: str, deck: str | None = None) -> Created:
    """A ready notes project under `target`: `notes/` with a commented config and a first chapter, and a
    `.gitignore` for the built decks. Nothing is written if any of these files exists already."""
    deck_name = deck or re.sub(r"\s+", " ", target.resolve().name).strip() or "My course"
    chapter = FIRST_CHAPTER[language]
    config = _starter(CONFIG_NAME).format(
        deck=deck_name.replace("\\", "\\\\").replace('"', '\\"'),
        language=language,
        first="入门示例" if language == "zh" else "getting-started",
    )
    plan = {
        ("notes", CONFIG_NAME): config,
        ("notes", chapter): _starter(f"chapter.{language}.md"),
    }
    result = Created(notes_dir=_shown(shown, "notes"))
    for parts in plan:
        if (target.joinpath(*parts)).exists() or (target.joinpath(*parts)).is_symlink():
            result.refused.append(_shown(shown, *parts))
    if result.refused:
        return result
    for parts, text in plan.items():
        _write(target.joinpath(*parts), text)
        result.written.append(_shown(shown, *parts))
    ignore = target / ".gitignore"
    if not ignore.exists():
        _write(ignore, f"# built by anki-build; rebuild with `anki-build build`\n/{IGNORED}\n")
        result.written.append(_shown(shown, ".gitignore"))
    else:
        result.kept.append(_shown(shown, ".gitignore"))
    return result


def init_templates(root: Path, shown: str, only: tuple[str, ...] = ()) -> Created:
    """Copy the packaged card files into `root/cards/` to edit; a file already there is kept as it is."""
    cards = packaged_cards()
    result = Created(notes_dir=shown)
    for name in only or TEMPLATE_FILES:
        target = root / PROJECT_FOLDER / name
        where = _shown(shown, PROJECT_FOLDER, name)
        if target.exists() or target.is_symlink():
            result.kept.append(where)
            continue
        _write(target, cards.texts[name])
        result.written.append(where)
    return result

"""The package as users install it: every module of the source tree is in it, and every command runs from it."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import distribution
from pathlib import Path

import pytest

from conftest import INSTALLED, REPO, cli

pytestmark = pytest.mark.skipif(not INSTALLED, reason="only meaningful against the installed wheel")


def _source_files() -> set[str]:
    """What the wheel must carry: every module of `anki_build/` and every file of `cards/` (as anki_build/cards)."""
    wanted = {p.relative_to(REPO).as_posix() for p in (REPO / "anki_build").rglob("*.py")}
    wanted |= {
        "anki_build/cards/" + p.relative_to(REPO / "cards").as_posix()
        for p in (REPO / "cards").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    return wanted


def test_every_module_and_card_file_of_the_source_tree_is_installed() -> None:
    installed = {str(f) for f in distribution("anki-build").files or []}
    missing = sorted(_source_files() - installed)
    assert not missing, f"in the source tree but not in the installed package: {missing}"
    assert "anki_build/phone/browser.py" in installed  # the module a hand-written list once left out


def test_every_subpackage_imports_from_the_installed_package() -> None:
    import importlib

    for path in sorted((REPO / "anki_build").rglob("__init__.py")):
        name = ".".join(path.parent.relative_to(REPO).parts)
        module = importlib.import_module(name)
        assert not Path(module.__file__ or "").resolve().is_relative_to(REPO / "anki_build"), name


def test_every_command_runs_from_the_installed_package(tmp_path: Path, sample_notes: Path) -> None:
    """build, check, install, setup-render, check --render and preview, each once, through the installed script."""
    from anki.collection import Collection

    deck = tmp_path / "deck.apkg"
    built = cli("build", str(sample_notes), "-o", str(deck), "--json")
    assert built.returncode == 0, built.stderr[-2000:]
    assert json.loads(built.stdout)["notes"] > 200 and deck.stat().st_size > 10_000

    checked = cli("check", str(sample_notes), "--json")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert json.loads(checked.stdout)["counts"].get("proved", 0) > 10

    (tmp_path / "col").mkdir()
    collection = tmp_path / "col" / "collection.anki2"
    Collection(str(collection)).close()
    installed = cli("install", str(sample_notes), "--collection", str(collection), "-o", str(deck), "--json")
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert json.loads(installed.stdout)["install"]["new"] > 200

    if shutil.which("chromium") is None:
        pytest.skip("check --render and preview need Chromium (sudo apt-get install chromium)")
    setup = cli("setup-render")  # Anki's MathJax, once, into the session's cache: rendering never downloads it
    assert setup.returncode == 0, setup.stderr[-2000:]
    rendered = cli("check", "--render", str(sample_notes), "--json")
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert json.loads(rendered.stdout)["sides"] > 400
    assert {p["kind"] for p in json.loads(rendered.stdout)["problems"]} <= {"too-wide"}  # contrast, network: none
    gallery = cli("preview", str(sample_notes), "-o", str(tmp_path / "gallery"))
    assert gallery.returncode == 0, gallery.stderr[-2000:]
    assert (tmp_path / "gallery" / "index.html").stat().st_size > 100_000

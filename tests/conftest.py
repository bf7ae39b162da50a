"""Shared helpers: write a small notes project, build it, import it into a real Anki collection."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import anki_build
from anki_build.commands.build import BuildSummary, build
from anki_build.config import load_config
from anki_build.diagnostics import Report
from anki_build.parse import parse_project
from anki_build.structure import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PACKAGE = Path(anki_build.__file__).resolve().parent
INSTALLED = PACKAGE != REPO / "anki_build"  # a wheel in site-packages (a venv may sit inside the checkout)
CHECKOUT_OK = "ANKI_BUILD_TEST_CHECKOUT"


def pytest_report_header(config: pytest.Config) -> str:
    return f"anki_build under test: {PACKAGE} ({'installed wheel' if INSTALLED else 'source checkout'})"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The suite tests the package as users install it; a checkout only when asked for explicitly."""
    if not INSTALLED and os.environ.get(CHECKOUT_OK) != "1":
        pytest.exit(
            f"the tests import anki_build from the checkout ({PACKAGE}); install the wheel as the README says "
            f"(pip install '.[test]', then run pytest), or set {CHECKOUT_OK}=1 to test the checkout on purpose",
            returncode=2,
        )


_NEUTRAL = Path(tempfile.mkdtemp(prefix="anki-build-tests-cwd-"))


def cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the installed `anki-build` console script, from a folder where the checkout is not importable."""
    script = Path(sys.executable).parent / "anki-build"
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        cwd=cwd or _NEUTRAL,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=timeout,
    )


@pytest.fixture(scope="session", autouse=True)
def derivation_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never read or write the user's derivation cache."""
    import os

    folder = tmp_path_factory.mktemp("derivation-cache")
    previous = os.environ.get("ANKI_BUILD_CACHE_DIR")
    os.environ["ANKI_BUILD_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ANKI_BUILD_CACHE_DIR", None)
    else:
        os.environ["ANKI_BUILD_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def render_assets(derivation_cache: Path) -> Path:
    """Anki's MathJax in the session's cache, set up once as users do it: `anki-build setup-render` (which
    downloads the pinned aqt wheel with pip). `check --render`, `preview` and `serve` never download it."""
    import json

    done = cli("setup-render", "--json")
    assert done.stdout, done.stderr[-2000:]
    mathjax = json.loads(done.stdout)["mathjax"]
    if not mathjax["ok"]:
        pytest.fail(f"anki-build setup-render could not set up Anki's MathJax: {mathjax['error']}")
    return Path(mathjax["found"])


@pytest.fixture(scope="session")
def sample_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample `notes/`: builds write its lock file, and the repository's must stay as committed."""
    import shutil

    copy = tmp_path_factory.mktemp("sample") / "notes"
    shutil.copytree(REPO / "notes", copy)
    return copy


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def built_cards(root: Path, deck: Path) -> object:
    """Build `root` into `deck` and read every card's sides back through the real Anki backend (close it after)."""
    from anki_build.commands.build import build
    from anki_build.phone.cards import cards_of

    summary = build(root, "notes", deck, write_lock=False)
    assert summary.output is not None, [d.format() for d in summary.diagnostics]
    return cards_of(summary.output)


@pytest.fixture
def notes(tmp_path: Path) -> Callable[..., Path]:
    """`notes({"01-a.md": "..."})` → a notes folder under tmp_path."""

    def make(files: dict[str, str | bytes], name: str = "notes") -> Path:
        return write_tree(tmp_path / name, files)

    return make


def parse(root: Path) -> tuple[Project, Report]:
    report = Report()
    config = load_config(root, str(root), report)
    return parse_project(root, "notes", config, report), report


@pytest.fixture
def parse_md(notes: Callable[..., Path]) -> Callable[..., tuple[Project, Report]]:
    """Parse one markdown text as `notes/01-test.md`."""

    def run(text: str, extra: dict[str, str | bytes] | None = None) -> tuple[Project, Report]:
        return parse(notes({"01-test.md": text, **(extra or {})}))

    return run


@pytest.fixture
def build_deck(tmp_path: Path) -> Callable[..., BuildSummary]:
    def run(root: Path, out: Path | None = None, **kwargs: object) -> BuildSummary:
        return build(root, "notes", out or tmp_path / "out" / "deck.apkg", **kwargs)  # type: ignore[arg-type]

    return run


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[object]:
    from anki.collection import Collection

    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_apkg(col: object, path: Path) -> dict[str, int]:
    """Import with Anki desktop's defaults (update notes and note types if newer, no merge)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as UC

    opts = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=UC.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=UC.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=opts)).log  # type: ignore[attr-defined]
    return {
        "new": len(log.new),
        "updated": len(log.updated),
        "duplicate": len(log.duplicate),
        "conflicting": len(log.conflicting),
    }


@pytest.fixture
def render_md(notes: Callable[..., Path]) -> Callable[..., tuple[list[object], Report]]:
    """Parse and render one markdown text; returns the rendered notes and the report."""
    from anki_build.render import render_project

    def run(
        text: str, extra: dict[str, str | bytes] | None = None, name: str = "01-test.md"
    ) -> tuple[list[object], Report]:
        project, report = parse(notes({name: text, **(extra or {})}))
        return render_project(project, report).notes, report

    return run


def by_kind(rendered: list[object], kind: str) -> list[object]:
    return [n for n in rendered if n.kind == kind]  # type: ignore[attr-defined]

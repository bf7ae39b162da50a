"""`anki-build setup-render`, for real: pip downloads the pinned aqt wheel into a fresh cache, a wheel file
sets it up with no network at all, and every way it can fail (no network, no pip, a timeout, a wrong or
damaged wheel, an unwritable cache) is one line and exit 1, never a traceback. The commands that render
never download anything: without the assets they say to run setup-render and exit 2."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anki_build.phone import assets
from anki_build.phone.assets import AQT_VERSION, AssetsUnavailable, asset_folder, fetch_mathjax
from conftest import REPO, cli

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
NO_NETWORK = {"PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/", "PIP_FIND_LINKS": ""}
WHEEL_NAME = f"aqt-{AQT_VERSION}-py3-none-any.whl"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The aqt wheel as a user downloads it on another machine, once per session."""
    folder = tmp_path_factory.mktemp("aqt-wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), f"aqt=={AQT_VERSION}"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / WHEEL_NAME


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ANKI_BUILD_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in NO_NETWORK.items():
        monkeypatch.setenv(name, value)


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "internal-error" not in result.stderr, result.stderr


def test_setup_render_downloads_into_a_fresh_cache(fresh_cache: Path) -> None:
    result = cli("setup-render")
    _clean(result)
    assert f"downloading the aqt {AQT_VERSION} wheel" in result.stderr and str(fresh_cache) in result.stderr
    root = asset_folder(fresh_cache)
    assert (root / "_anki/js/mathjax.js").is_file()
    assert (root / "_anki/js/vendor/mathjax/tex-chtml-full.js").stat().st_size > 1_000_000
    assert f"Anki's MathJax 3.2.2: {root} (downloaded the aqt {AQT_VERSION} wheel with pip)" in result.stdout
    assert not list(fresh_cache.glob(".anki-web-*")), "no staging folder is left behind"
    assert result.returncode == (0 if CHROMIUM else 1), result.stderr
    if CHROMIUM:
        assert "ready:" in result.stdout and f"Chromium: {CHROMIUM}" in result.stdout

    again = cli("setup-render", "--json")  # already there: no download, no announcement
    _clean(again)
    data = json.loads(again.stdout)
    assert data["source"] == "cache" and data["files"] == [] and again.stderr.count("downloading") == 0


def test_json_reports_each_part_and_how_to_get_it(fresh_cache: Path, wheel: Path, offline: None) -> None:
    result = cli("setup-render", "--from-wheel", str(wheel), "--json")
    _clean(result)
    data = json.loads(result.stdout)
    assert set(data) == {"cache", "source", "files", "mathjax", "chromium", "backend", "webkit", "exit_code"}
    assert data["cache"] == str(fresh_cache) and data["source"] == "wheel"
    assert "_anki/js/mathjax.js" in data["files"] and len(data["files"]) > 30
    for name in ("mathjax", "chromium", "backend", "webkit"):
        assert set(data[name]) == {"name", "ok", "found", "error", "fix", "required"}, name
    assert data["mathjax"] == {
        "name": "mathjax",
        "ok": True,
        "found": str(asset_folder(fresh_cache)),
        "error": None,
        "fix": None,
        "required": True,
    }
    assert data["backend"]["ok"] and data["backend"]["found"].startswith("anki ")
    assert data["chromium"]["ok"] is (CHROMIUM is not None)
    if CHROMIUM is None:
        assert data["chromium"]["fix"] == "on Debian/Ubuntu: sudo apt-get install chromium"
    assert data["webkit"]["required"] is False  # optional: never the reason for exit 1
    assert data["exit_code"] == result.returncode == (0 if CHROMIUM else 1)


def test_from_wheel_works_with_no_network_and_lists_what_it_extracted(
    fresh_cache: Path, wheel: Path, offline: None
) -> None:
    result = cli("setup-render", "--from-wheel", str(wheel), "-v")
    _clean(result)
    assert "downloading" not in result.stderr
    assert "extracted _anki/js/vendor/mathjax/tex-chtml-full.js" in result.stderr
    assert f"cache folder: {fresh_cache}" in result.stderr
    assert f"(from {wheel})" in result.stdout
    assert (asset_folder(fresh_cache) / "_anki/js/vendor/mathjax/tex-chtml-full.js").is_file()
    # the assets are in place: the gallery renders, still without any network
    if CHROMIUM:
        gallery = cli("preview", str(REPO / "notes"), "-o", str(fresh_cache.parent / "gallery"), "-q")
        _clean(gallery)
        assert gallery.returncode == 0, gallery.stderr[-2000:]


def test_quiet_prints_nothing_when_all_is_there(fresh_cache: Path, wheel: Path, offline: None) -> None:
    result = cli("setup-render", "--from-wheel", str(wheel), "-q")
    _clean(result)
    assert result.stdout == ""
    if CHROMIUM:
        assert result.returncode == 0 and result.stderr == ""
    else:
        assert result.returncode == 1 and "sudo apt-get install chromium" in result.stderr


def test_without_network_the_download_fails_in_one_line_and_says_how_to_work_offline(
    fresh_cache: Path, offline: None
) -> None:
    result = cli("setup-render")
    _clean(result)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "aqt" in line and "error" in line]
    assert len(errors) == 1, result.stderr
    assert f"pip could not download aqt=={AQT_VERSION}" in errors[0]
    assert "--from-wheel FILE" in errors[0] and f"pip download aqt=={AQT_VERSION} --no-deps" in errors[0]
    # MathJax is what is missing (Chromium too, on a machine without it)
    assert re.search(r"rendering is not ready \(mathjax(?:, chromium)? missing\)", result.stderr), result.stderr
    assert not asset_folder(fresh_cache).exists()

    data = json.loads(cli("setup-render", "--json").stdout)
    assert data["mathjax"]["ok"] is False and "pip could not download" in data["mathjax"]["error"]
    assert data["exit_code"] == 1


def test_a_wrong_or_damaged_wheel_is_refused_in_one_line(
    fresh_cache: Path, wheel: Path, tmp_path: Path, offline: None
) -> None:
    missing = cli("setup-render", "--from-wheel", str(tmp_path / WHEEL_NAME))
    _clean(missing)
    assert missing.returncode == 2 and "does not exist" in missing.stderr

    folder = tmp_path / "wheels"
    folder.mkdir()
    truncated = folder / WHEEL_NAME
    truncated.write_bytes(wheel.read_bytes()[:100_000])
    other_version = folder / "aqt-25.2.7-py3-none-any.whl"
    shutil.copy(wheel, other_version)
    not_aqt = folder / "notes.zip"
    not_aqt.write_text("hello", encoding="utf-8")
    for path, expected in (
        (truncated, "sha256 differs"),
        (other_version, "is aqt 25.2.7; anki-build needs aqt 26.9.3"),
        (not_aqt, "is not an aqt wheel"),
    ):
        result = cli("setup-render", "--from-wheel", str(path))
        _clean(result)
        assert result.returncode == 1, (path, result.stderr)
        assert [line for line in result.stderr.splitlines() if expected in line], (expected, result.stderr)
        assert not asset_folder(fresh_cache).exists()


def test_an_unwritable_cache_is_one_line(tmp_path: Path, wheel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("ANKI_BUILD_CACHE_DIR", str(blocker / "cache"))  # a folder inside a file: root cannot either
    result = cli("setup-render", "--from-wheel", str(wheel))
    _clean(result)
    assert result.returncode == 1
    assert f"cannot write Anki's MathJax into the cache {blocker / 'cache'}" in result.stderr


def test_no_pip_and_a_timeout_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = next(p for p in (bare / "bin" / "python", bare / "Scripts" / "python.exe") if p.exists())
    monkeypatch.setattr(assets.sys, "executable", str(python))
    with pytest.raises(AssetsUnavailable, match=r"^pip is not installed in .*--from-wheel FILE`$"):
        fetch_mathjax(tmp_path / "cache")
    monkeypatch.undo()

    monkeypatch.setattr(assets, "PIP_TIMEOUT", 0.01)
    with pytest.raises(AssetsUnavailable, match=r"^pip did not download aqt==26\.9\.3 within 0\.01 s; offline: "):
        fetch_mathjax(tmp_path / "cache")
    assert not asset_folder(tmp_path / "cache").exists()


def test_rendering_commands_never_download_and_say_to_run_setup_render(
    fresh_cache: Path, tmp_path: Path, offline: None
) -> None:
    commands = [["preview", str(REPO / "notes"), "-o", str(tmp_path / "gallery")], ["serve", str(REPO / "notes")]]
    if CHROMIUM:
        commands.append(["check", "--render", str(REPO / "notes")])
    for args in commands:
        result = cli(*args, timeout=120)
        _clean(result)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert "is not set up" in lines[0] and "run `anki-build setup-render`" in lines[0], lines[0]
        assert "`anki-build setup-render --from-wheel FILE`" in lines[0]
        assert not asset_folder(fresh_cache).exists(), args

"""Anki's MathJax bundle and configuration, taken from the pinned `aqt` wheel into the cache.

Nothing is downloaded behind the user's back: `anki-build setup-render` calls `fetch_mathjax` (pip
downloads the wheel, or the user hands over a wheel file fetched elsewhere), and the commands that
render only look the assets up with `mathjax_root`, which says how to set them up when they are missing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

AQT_VERSION = "26.9.3"  # ships MathJax 3.2.2 and the config of Anki 23.10 … 26.x
MATHJAX_VERSION = "3.2.2"
# sha256 of aqt-26.9.3-py3-none-any.whl as published (4.4 MB); a wheel file handed over offline must match it.
WHEEL_SHA256 = "83d60a2494939128138692435ab9c65579338c6902aaba88606bce6b5ccd22d3"
WHEEL_SIZE = "4.4 MB"
PIP_TIMEOUT = 300.0  # seconds for `pip download`
_PREFIX = "_aqt/data/web/js/"
_NEEDED = ("mathjax.js", "vendor/mathjax/tex-chtml-full.js")  # under _PREFIX
_WHEEL_NAME = re.compile(r"^aqt-(?P<version>[^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$", re.IGNORECASE)
SETUP_HINT = "run `anki-build setup-render` (offline: `anki-build setup-render --from-wheel FILE`)"


class AssetsUnavailable(RuntimeError):
    """The MathJax assets are missing or could not be set up; the message (one line) says what to do."""


@dataclass
class Fetched:
    root: Path  # the folder `mathjax_root` returns
    source: str  # "cache" (already there), "pip" (downloaded now) or "wheel" (from a wheel file)
    files: list[str] = field(default_factory=list)  # extracted now, relative to `root`
    wheel: str | None = None  # the wheel file they came from


def asset_folder(cache: Path) -> Path:
    return cache / f"anki-web-{AQT_VERSION}"


def _complete(root: Path) -> bool:
    return all((root / "_anki" / "js" / name).is_file() for name in _NEEDED)


def mathjax_root(cache: Path) -> Path:
    """A folder holding `_anki/js/mathjax.js` and `_anki/js/vendor/mathjax/…`, as Anki serves them.

    Never downloads: raises AssetsUnavailable (saying how to set them up) when they are not in the cache.
    """
    root = asset_folder(cache)
    if _complete(root):
        return root
    raise AssetsUnavailable(f"Anki's MathJax {MATHJAX_VERSION} is not set up in {root}: {SETUP_HINT}")


def fetch_mathjax(cache: Path, wheel: Path | None = None, *, announce: Callable[[str], None] | None = None) -> Fetched:
    """Put Anki's MathJax into the cache: from `wheel` (a file of aqt==AQT_VERSION, checked against its
    published sha256), else with `pip download` unless it is already there. Every failure (no pip, no
    network, a timeout, a wrong or corrupt wheel, an unwritable cache) is one AssetsUnavailable line."""
    root = asset_folder(cache)
    if wheel is None and _complete(root):
        return Fetched(root, "cache")
    if wheel is not None:
        _verify(wheel)
        return Fetched(root, "wheel", _extract(wheel, cache, root, replace=True), str(wheel))
    if announce is not None:
        announce(
            f"downloading the aqt {AQT_VERSION} wheel (Anki's desktop app, {WHEEL_SIZE}) with pip, to keep its "
            f"MathJax {MATHJAX_VERSION} and configuration in {root}"
        )
    try:
        download = tempfile.TemporaryDirectory(prefix="anki-build-aqt-")
    except OSError as exc:
        raise AssetsUnavailable(f"cannot make a temporary folder for the download: {exc.strerror or exc}") from None
    with download:
        got = _pip_download(Path(download.name))
        _verify(got)
        return Fetched(root, "pip", _extract(got, cache, root, replace=False), got.name)


def _offline_hint() -> str:
    return (
        f"on a machine with network, `pip download aqt=={AQT_VERSION} --no-deps`, then "
        "`anki-build setup-render --from-wheel FILE`"
    )


def _pip_download(folder: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-input",
        "--quiet",
        "--disable-pip-version-check",
        "-d",
        str(folder),
        f"aqt=={AQT_VERSION}",
    ]
    env = {**os.environ, "PIP_REQUIRE_VIRTUALENV": "0", "PYTHONWARNINGS": "ignore"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        raise AssetsUnavailable(
            f"pip did not download aqt=={AQT_VERSION} within {PIP_TIMEOUT:g} s; offline: {_offline_hint()}"
        ) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise AssetsUnavailable(f"cannot run pip ({sys.executable} -m pip): {exc}; {_offline_hint()}") from None
    if done.returncode != 0:
        detail = done.stderr or done.stdout or ""
        if "No module named pip" in detail:
            raise AssetsUnavailable(
                f"pip is not installed in {sys.executable} (python -m ensurepip adds it); or {_offline_hint()}"
            )
        raise AssetsUnavailable(
            f"pip could not download aqt=={AQT_VERSION} (Anki's MathJax): {_last_error(detail)}; "
            f"offline: {_offline_hint()}"
        )
    found = sorted(folder.glob("aqt-*.whl"))
    if not found:
        raise AssetsUnavailable(f"pip did not produce the aqt=={AQT_VERSION} wheel; {_offline_hint()}")
    return found[0]


def _last_error(text: str) -> str:
    """pip's reason in one line: its last `ERROR:` line, else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    chosen = (errors or lines or ["no reason given"])[-1].removeprefix("ERROR:").strip()
    return chosen[:300]


def _verify(wheel: Path) -> None:
    """The file is the published aqt==AQT_VERSION wheel: right name, readable, same sha256, a zip with the files."""
    match = _WHEEL_NAME.match(wheel.name)
    if match is None:
        raise AssetsUnavailable(
            f"{wheel} is not an aqt wheel: expected a file named aqt-{AQT_VERSION}-py3-none-any.whl"
        )
    if match["version"] != AQT_VERSION:
        raise AssetsUnavailable(
            f"{wheel} is aqt {match['version']}; anki-build needs aqt {AQT_VERSION} "
            f"(pip download aqt=={AQT_VERSION} --no-deps)"
        )
    digest = hashlib.sha256()
    try:
        with wheel.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise AssetsUnavailable(f"cannot read {wheel}: {exc.strerror or exc}") from None
    if digest.hexdigest() != WHEEL_SHA256:
        raise AssetsUnavailable(
            f"{wheel} is not the published aqt {AQT_VERSION} wheel (its sha256 differs: damaged or altered); "
            f"download it again with `pip download aqt=={AQT_VERSION} --no-deps`"
        )
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            metadata = archive.read(f"aqt-{AQT_VERSION}.dist-info/METADATA").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise AssetsUnavailable(f"{wheel} is not a readable aqt wheel: {exc}") from None
    if "\nName: aqt\n" not in metadata or f"\nVersion: {AQT_VERSION}\n" not in metadata:
        raise AssetsUnavailable(f"{wheel}: its metadata is not that of aqt {AQT_VERSION}")
    missing = [name for name in _NEEDED if _PREFIX + name not in names]
    if missing:
        raise AssetsUnavailable(f"{wheel} does not carry Anki's MathJax ({_PREFIX}{missing[0]} is missing)")


def _extract(wheel: Path, cache: Path, root: Path, *, replace: bool) -> list[str]:
    """Unpack the MathJax files into a staging folder beside `root`, check them, then move it into place."""
    written: list[str] = []
    staging: Path | None = None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".anki-web-", dir=cache))
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(_PREFIX) and "mathjax" in name and not name.endswith("/"):
                    rel = Path("_anki", "js", name[len(_PREFIX) :])
                    if ".." in rel.parts:
                        continue
                    target = staging / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
                    written.append(rel.as_posix())
        bundle = (staging / "_anki/js/vendor/mathjax/tex-chtml-full.js").read_text(encoding="utf-8", errors="replace")
        if MATHJAX_VERSION not in bundle:
            raise AssetsUnavailable(f"aqt=={AQT_VERSION} does not carry MathJax {MATHJAX_VERSION}")
        if replace and root.exists():
            old = Path(tempfile.mkdtemp(prefix=".anki-web-old-", dir=cache))
            root.rename(old / root.name)
            shutil.rmtree(old, ignore_errors=True)
        if not root.exists():  # another anki-build may have set it up meanwhile: theirs is the same
            staging.rename(root)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        what = getattr(exc, "strerror", None) or exc
        raise AssetsUnavailable(f"cannot write Anki's MathJax into the cache {cache}: {what}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return sorted(written)

"""Anki's MathJax bundle and configuration, from the pinned `aqt` wheel, fetched once into the cache."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

AQT_VERSION = "26.9.3"  # ships MathJax 3.2.2 and the config of Anki 23.10 … 26.x
MATHJAX_VERSION = "3.2.2"
_PREFIX = "_aqt/data/web/js/"


class AssetsUnavailable(RuntimeError):
    """The MathJax assets could not be fetched; the message says how to get them."""


def mathjax_root(cache: Path) -> Path:
    """A folder holding `_anki/js/mathjax.js` and `_anki/js/vendor/mathjax/…`, as Anki serves them."""
    root = cache / f"anki-web-{AQT_VERSION}"
    bundle = root / "_anki" / "js" / "vendor" / "mathjax" / "tex-chtml-full.js"
    if bundle.is_file():
        return root
    with tempfile.TemporaryDirectory(prefix="aqt-") as download:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "--disable-pip-version-check",
            "-d",
            download,
            f"aqt=={AQT_VERSION}",
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise AssetsUnavailable(
                f"cannot download aqt=={AQT_VERSION} (Anki's MathJax) with pip: {detail.strip()[-300:]}"
            ) from None
        wheel = next(Path(download).glob("aqt-*.whl"), None)
        if wheel is None:
            raise AssetsUnavailable(f"pip did not produce the aqt=={AQT_VERSION} wheel")
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".anki-web-", dir=cache))
        try:
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if name.startswith(_PREFIX) and "mathjax" in name:
                        target = staging / "_anki" / "js" / name[len(_PREFIX) :]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(archive.read(name))
            bundle_text = (staging / "_anki/js/vendor/mathjax/tex-chtml-full.js").read_text(encoding="utf-8")
            if f'"{MATHJAX_VERSION}"' not in bundle_text[:200_000] and MATHJAX_VERSION not in bundle_text:
                raise AssetsUnavailable(f"aqt=={AQT_VERSION} does not carry MathJax {MATHJAX_VERSION}")
            if not root.exists():
                staging.rename(root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return root

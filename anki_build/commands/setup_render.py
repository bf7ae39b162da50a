"""`anki-build setup-render`: put what `check --render`, `preview` and `serve` need in place, ahead of time.

Anki's MathJax comes from the pinned `aqt` wheel (downloaded now with pip, or a wheel file handed over
for a machine without network) into the cache; Chromium and the Anki backend are only looked for, and
the result says how to install whichever is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

CHROMIUM_FIX = "on Debian/Ubuntu: sudo apt-get install chromium"
BACKEND_FIX = "pip install 'anki-build[anki]'"
WEBKIT_FIX = "sudo apt-get install gir1.2-webkit2-4.1 python3-gi xvfb"


@dataclass
class Part:
    """One thing rendering needs: whether it is there, where (a path or a version), and how to get it."""

    name: str
    ok: bool
    found: str | None = None
    error: str | None = None
    fix: str | None = None
    required: bool = True


@dataclass
class SetupResult:
    cache: Path
    mathjax: Part
    chromium: Part
    backend: Part
    webkit: Part
    source: str | None = None  # "cache", "pip" or "wheel" when the MathJax assets are in place
    files: list[str] = field(default_factory=list)  # extracted by this run

    @property
    def parts(self) -> list[Part]:
        return [self.mathjax, self.chromium, self.backend, self.webkit]

    @property
    def exit_code(self) -> int:
        return 0 if all(part.ok for part in self.parts if part.required) else 1

    def to_json(self) -> dict[str, object]:
        return {
            "cache": str(self.cache),
            "source": self.source,
            "files": self.files,
            **{part.name: asdict(part) for part in self.parts},
            "exit_code": self.exit_code,
        }


def setup_render(
    wheel: Path | None = None, *, cache: Path | None = None, announce: Callable[[str], None] | None = None
) -> SetupResult:
    from ..derive.worker import cache_dir
    from ..phone.assets import AssetsUnavailable, fetch_mathjax

    cache = cache_dir() if cache is None else cache
    try:
        fetched = fetch_mathjax(cache, wheel, announce=announce)
    except AssetsUnavailable as exc:
        mathjax = Part("mathjax", False, None, str(exc), "anki-build setup-render [--from-wheel FILE]")
        source, files = None, []
    else:
        mathjax = Part("mathjax", True, str(fetched.root))
        source, files = fetched.source, fetched.files
    return SetupResult(cache, mathjax, _chromium(), _backend(), _webkit(), source, files)


def _chromium() -> Part:
    from ..phone.browser import BrowserUnavailable, find_chromium

    try:
        return Part("chromium", True, find_chromium())
    except BrowserUnavailable:
        return Part("chromium", False, None, "not found", CHROMIUM_FIX)


def _backend() -> Part:
    from importlib.metadata import PackageNotFoundError, version

    try:
        import anki.collection  # noqa: F401
    except ImportError as exc:
        return Part("backend", False, None, f"does not import ({exc})", BACKEND_FIX)
    try:
        found = f"anki {version('anki')}"
    except PackageNotFoundError:
        found = "anki"
    return Part("backend", True, found)


def _webkit() -> Part:
    """WebKitGTK is optional (only `check --render --engine webkit|all` uses it)."""
    from ..phone.browser import BrowserUnavailable, find_webkit

    try:
        python, prefix = find_webkit()
    except BrowserUnavailable as exc:
        return Part("webkit", False, None, str(exc), WEBKIT_FIX, required=False)
    return Part("webkit", True, " ".join([*prefix, python]), required=False)

"""Render the main pages of the built documentation to PNG with a headless browser.

Usage (from the repository root)::

    python docs/screenshots.py                      # build the site, shoot the main pages
    python docs/screenshots.py --no-build --pages cli api/engine --width 1280 800 --height 3000
    python docs/screenshots.py --no-build --dark      # the dark colour scheme

The site is built into ``docs/_build/html`` (unless ``--no-build``) and each page is opened
from disk — no server, no network — in headless Chromium (or Chrome), found on ``PATH`` or
named by ``$CHROME``. Pictures go to ``docs/_build/screenshots/PAGE-WIDTH.png`` (a page in a
folder, ``api/engine``, as ``api-engine-WIDTH.png``). Without a
browser the script says so and exits with status 2; on Debian ``apt-get install chromium``
provides one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
HTML = DOCS / "_build" / "html"
OUT = DOCS / "_build" / "screenshots"
MAIN_PAGES = ["index", "theory", "findings", "architecture-files", "experiments", "cli",
              "api/index", "api/engine", "figures"]
WIDTHS = [1280, 800]  # the layout's two designs: with both sidebars, and with none
BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
# a browser that talks to nothing but the files it is shown
QUIET_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars=false", "--force-device-scale-factor=1",
]


def find_browser() -> str | None:
    """Return the path of a Chromium-family browser, or None when none is installed."""
    named = os.environ.get("CHROME")
    if named:
        return shutil.which(named) or (named if Path(named).exists() else None)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def build(html: Path = HTML) -> None:
    """Build the HTML site with warnings as errors (as the test suite does)."""
    subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(html)],
                   check=True)


def screenshot(browser: str, page: Path, target: Path, width: int, height: int,
               wait_ms: int = 4000, dark: bool = False) -> None:
    """Save one page, ``width`` x ``height`` CSS pixels, as a PNG at ``target``.

    ``wait_ms`` of virtual time let scripts (MathJax) finish typesetting first; ``dark``
    asks for the dark colour scheme (the site follows the reader's preference).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tnrank-shot-") as profile:
        proc = subprocess.run(
            [browser, *QUIET_FLAGS, *(["--force-dark-mode"] if dark else []),
             f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--virtual-time-budget={wait_ms}", f"--screenshot={target}", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    if proc.returncode != 0 or not target.exists():
        raise RuntimeError(f"{browser} could not render {page.name}: {proc.stderr.strip()[-400:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", default=MAIN_PAGES,
                        help="page names without .html (default: %(default)s)")
    parser.add_argument("--width", type=int, nargs="+", default=WIDTHS,
                        help="window widths in px (default: %(default)s)")
    parser.add_argument("--height", type=int, default=2400, help="window height in px (default: %(default)s)")
    parser.add_argument("--html", type=Path, default=HTML, help="built site (default: docs/_build/html)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="folder for the PNGs (default: docs/_build/screenshots)")
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    parser.add_argument("--no-build", action="store_true", help="use the site already built")
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("screenshots: no Chromium or Chrome found (install one, or name it in $CHROME)",
              file=sys.stderr)
        return 2
    if not args.no_build:
        build(args.html)
    for name in args.pages:
        page = args.html / f"{name}.html"
        if not page.exists():
            print(f"screenshots: {page} does not exist", file=sys.stderr)
            return 2
        for width in args.width:
            label = name.replace("/", "-")
            target = args.out / f"{label}-{width}{'-dark' if args.dark else ''}.png"
            screenshot(browser, page, target, width, args.height, dark=args.dark)
            print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Find the Chromium that the e2e tests (and benchmark scripts) drive through Playwright.

Playwright's own browser download cannot work on these machines (no CDN), so we drive a Chromium
that is already on disk. Resolution order:

1. ``$CHROMIUM_PATH`` when set (it must be an executable file, or this fails loudly);
2. Debian's ``/usr/bin/chromium`` (``apt-get install -y chromium``; scripts/ensure_chromium.sh does
   that on a fresh machine when running as root);
3. a browser Playwright installed earlier under ``$PLAYWRIGHT_BROWSERS_PATH`` or ``~/.cache/ms-playwright``.

Example::

    from tests.e2e.chromium import LAUNCH_ARGS, find_chromium

    browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS, headless=True)

As a script it prints the resolved path, or explains how to get a browser and exits 1::

    python tests/e2e/chromium.py
"""

import glob
import os
import sys

# Flags that keep Chromium quiet and fast on a machine with no network: without the background-networking
# ones it keeps trying (and failing) to reach Google's services. The host-resolver rule makes every host but
# the local collector fail to resolve at once, like the reference recordings, so a stray request cannot hang.
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
    "--no-sandbox",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]

VIEWPORT = {"width": 1280, "height": 720}

DEBIAN_CHROMIUM = "/usr/bin/chromium"

HOW_TO_GET_ONE = (
    "No Chromium found for the e2e tests. Get one of:\n"
    "  - Debian's package (as root): apt-get update && apt-get install -y chromium\n"
    "    (bash scripts/ensure_chromium.sh does this for you when run as root);\n"
    "  - any Chromium binary, then export CHROMIUM_PATH=/path/to/chrome;\n"
    "  - a Playwright-installed browser in ~/.cache/ms-playwright (needs Playwright's CDN, which is not\n"
    "    reachable on the project's machines)."
)


class ChromiumNotFound(RuntimeError):
    """No usable Chromium on this machine; the message says how to get one."""


def _is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _playwright_browsers():
    # Newest build first: the directory names carry a build number (chromium-1187, ...).
    roots = [os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or "", os.path.expanduser("~/.cache/ms-playwright")]
    patterns = [
        "chromium-*/chrome-linux*/chrome",
        "chromium_headless_shell-*/chrome-linux*/headless_shell",
        "chromium_headless_shell-*/chrome-headless-shell-linux*/chrome-headless-shell",
    ]
    found = []
    for root in roots:
        if not root or root == "0":
            continue
        for pattern in patterns:
            found.extend(sorted(glob.glob(os.path.join(root, pattern)), reverse=True))
    return [path for path in found if _is_executable(path)]


def candidates():
    """Every place a Chromium might be, in the order they are tried (existing or not)."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return [explicit]
    return [DEBIAN_CHROMIUM, *_playwright_browsers()]


def find_chromium():
    """Return the path of the Chromium to launch, or raise ChromiumNotFound with instructions."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and not _is_executable(explicit):
        raise ChromiumNotFound(f"CHROMIUM_PATH={explicit!r} is not an executable file.\n\n{HOW_TO_GET_ONE}")
    for path in candidates():
        if _is_executable(path):
            return path
    raise ChromiumNotFound(HOW_TO_GET_ONE)


def launch_options(headless=True):
    """Keyword arguments for ``playwright.chromium.launch(**launch_options())``."""
    return {"executable_path": find_chromium(), "args": list(LAUNCH_ARGS), "headless": headless}


if __name__ == "__main__":
    try:
        print(find_chromium())
    except ChromiumNotFound as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)

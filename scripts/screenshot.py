"""Take the README's screenshot of the demo: headless Chromium, 1280x800, after a short tour.

The tour: home, products, a product, "Add to cart", back to the products; the picture shows the
product grid with the inspector's newest hits on the right.

Starts its own collector on a free port (temporary database), opens the shop, clicks through a few
views so the hit inspector has hits, and saves the window to docs/screenshot.png::

    .venv/bin/python scripts/screenshot.py
    .venv/bin/python scripts/screenshot.py --interpreter py --out /tmp/shot.png --width 375 --height 812
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from collector.launcher import launch  # noqa: E402
from tests.e2e.chromium import launch_options  # noqa: E402

TIMEOUT_MS = 60_000


def settled(page, count):
    """Wait until `count` hits are shown in the inspector and all of them have settled."""
    cards = page.locator('#hits [data-testid="hit"]')
    expect(cards).to_have_count(count, timeout=TIMEOUT_MS)
    expect(page.locator('#hits [data-testid="hit"][data-status="sending"]')).to_have_count(
        0, timeout=TIMEOUT_MS
    )


def take(out, interpreter, width, height):
    with launch(root=ROOT) as collector, sync_playwright() as playwright:  # a throw-away database
        browser = playwright.chromium.launch(**launch_options())
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{collector.url}/?interpreter={interpreter}")
        page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=TIMEOUT_MS)
        settled(page, 1)
        page.click('.mainnav a[data-route="products"]')
        settled(page, 2)
        page.click('.product-card[data-product="42"] a.card-link')
        settled(page, 3)
        page.click('button[data-action="add-to-cart"]')
        settled(page, 4)
        page.click('nav.crumbs a[href="/products"]')
        settled(page, 5)
        # The "added to cart" toast hides itself; the picture is cleaner without it.
        expect(page.locator("#toast")).to_be_hidden(timeout=TIMEOUT_MS)
        page.evaluate("window.scrollTo(0, 0)")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--interpreter", choices=["mpy", "py"], default="mpy")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args(argv)
    take(args.out, args.interpreter, args.width, args.height)


if __name__ == "__main__":
    main()

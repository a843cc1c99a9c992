"""The demo shop (index.html + app/main.py) end to end, under MicroPython and Pyodide.

Every test drives the app through its UI (clicks, forms, back/forward, reloads) and checks, hit by
hit, what the collector received (the source of truth) and that the hit inspector panel lists the
same hit with the same values. Waiting is always on a signal: hits arriving at the collector
(``collector.wait_for_hits``) or DOM state (Playwright's ``expect``), never on sleeps::

    .venv/bin/python -m pytest tests/e2e/test_demo.py -q
    .venv/bin/python -m pytest tests/e2e/test_demo.py -k "py]"        # Pyodide only
"""

import re

from playwright.sync_api import expect

RSID = "demorsid"
UI_TIMEOUT_MS = 20_000

# What AppMeasurement adds by itself: left out of the readable "arrived" summaries.
TECHNICAL = {"AQB", "AQE", "ndh", "pf", "t", "fid", "ce", "s", "c", "j", "v", "k", "bw", "bh", "lrt"}

XSS = "<img src=x onerror=alert(1)>"


# --- helpers ----------------------------------------------------------------------------------------
def top_pairs(hit):
    """Top-level (key, value) pairs in wire order: everything but the flattened context data."""
    return [(key, value) for key, value in hit["pairs"] if "." not in key]


def context_pairs(hit):
    return [(key, value) for key, value in hit["pairs"] if "." in key]


def first_values(hit):
    values = {}
    for key, value in hit["pairs"]:
        values.setdefault(key, value)
    return values


def summary(hit):
    shown = [f"{key}={value!r}" for key, value in hit["pairs"] if key not in TECHNICAL]
    return f"hit #{hit['id']} ({hit['method']} {hit['transport']}, HTTP {hit['status']}): " + ", ".join(shown)


def check_vars(hit, step, expected=None, absent=()):
    """Each expected key has its value and each absent key is missing; one message lists every miss."""
    values = first_values(hit)
    problems = []
    for key, want in (expected or {}).items():
        got = values.get(key)
        if callable(want):
            if got is None or not want(got):
                problems.append(f"{key}: expected a value matching {want.__doc__ or want}, arrived {got!r}")
        elif got != want:
            problems.append(f"{key}: expected {want!r}, arrived {got!r}")
    for key in absent:
        if key in values:
            problems.append(f"{key}: expected absent (cleared), arrived {values[key]!r}")
    assert not problems, f"{step}:\n  " + "\n  ".join(problems) + "\n" + summary(hit)


def ends_with(suffix):
    def check(value):
        return value.endswith(suffix)

    check.__doc__ = f"...{suffix}"
    return check


def starts_with(prefix):
    def check(value):
        return value.startswith(prefix)

    check.__doc__ = f"{prefix}..."
    return check


class Shop:
    """The demo page plus its collector: act through the UI, then take the next hit and check it."""

    def __init__(self, page, collector, interpreter):
        self.page = page
        self.collector = collector
        self.interpreter = interpreter
        self.count = 0  # hits seen so far (for this rsid)
        self.dialogs = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, open_pyscript_page, path="/"):
        open_pyscript_page(self.page, path, interpreter=self.interpreter)
        return self

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.collector.url}{path}{sep}interpreter={self.interpreter}"

    def card(self, hit):
        # The card's data-url is the full request URL; the path's s<digits> cache buster is unique.
        return self.page.locator(f'#hits [data-testid="hit"][data-url*="{hit["path"]}?"]')

    def next_hit(
        self,
        step,
        expected=None,
        absent=(),
        context=None,
        context_absent=(),
        transport="image",
        status=200,
        callback="post",
    ):
        """Wait for the next hit at the collector, check it, then check the inspector's card for it."""
        self.count += 1
        hits = self.collector.wait_for_hits(self.count, rsid=RSID)
        assert len(hits) == self.count, (
            f"{step}: expected hit number {self.count}, but {len(hits)} hits arrived:\n"
            + "\n".join(summary(h) for h in hits)
        )
        hit = hits[-1]
        assert (hit["transport"], hit["status"]) == (transport, status), (
            f"{step}: expected transport {transport!r} and HTTP {status}, arrived {summary(hit)}"
        )
        check_vars(hit, step, expected, absent)
        contexts = dict(context_pairs(hit))
        for key, want in (context or {}).items():
            assert contexts.get(key) == want, (
                f"{step}: context data {key}: expected {want!r}, arrived {contexts.get(key)!r}\n{summary(hit)}"
            )
        for key in context_absent:
            assert key not in contexts, f"{step}: context data {key} should be gone\n{summary(hit)}"
        self.check_card(hit, step, status="loaded" if status < 400 else "failed", callback=callback)
        return hit

    def check_card(self, hit, step, status, callback):
        card = self.card(hit)
        expect(card, f"{step}: one inspector card for {hit['path']}").to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(card).to_have_attribute("data-status", status, timeout=UI_TIMEOUT_MS)
        expect(card).to_have_attribute("data-callback", callback)
        expect(card).to_have_attribute(
            "data-transport", hit["transport"] if hit["transport"] != "post" else ""
        )
        shown = card.evaluate(
            """card => {
                const rows = table => [...card.querySelectorAll(table + " tr[data-key]")].map(
                    row => [row.dataset.key, row.querySelector(".var-value").textContent]);
                return {
                    main: rows("table.vars:not(.vars-tech)"),
                    tech: rows("table.vars-tech"),
                    context: [...card.querySelectorAll("li.node[data-key]")]
                        .filter(node => node.querySelector(".node-value"))
                        .map(node => [node.dataset.key, node.querySelector(".node-value").textContent]),
                };
            }"""
        )
        main = [tuple(pair) for pair in shown["main"]]
        tech = [tuple(pair) for pair in shown["tech"]]
        wire = top_pairs(hit)
        # Same variables with the same values as the collector decoded: the main table (analytics
        # variables) and the technical one split them, each keeping wire order.
        assert sorted(main + tech) == sorted(wire), (
            f"{step}: the inspector shows {sorted(main + tech)}\nthe collector has {sorted(wire)}"
        )
        assert main == [pair for pair in wire if pair in main], f"{step}: inspector table out of wire order"
        assert tech == [pair for pair in wire if pair in tech], f"{step}: technical table out of wire order"
        assert [tuple(pair) for pair in shown["context"]] == context_pairs(hit), (
            f"{step}: context tree differs"
        )

    def counters(self):
        return {
            name: int(self.page.locator(f"#count-{name}").text_content())
            for name in ("post", "failure", "clear")
        }

    def click(self, selector):
        self.page.locator(selector).first.click()

    def nav(self, route):
        self.click(f'.mainnav a[data-route="{route}"]')

    def heading(self):
        return self.page.locator("#view h1").first


def open_shop(page, collector, open_pyscript_page, interpreter, path="/"):
    return Shop(page, collector, interpreter).open(open_pyscript_page, path)


# --- tests --------------------------------------------------------------------------------------------
def test_views_by_clicking_and_history(collector, page, open_pyscript_page, interpreter):
    shop = open_shop(page, collector, open_pyscript_page, interpreter)
    engine = "micropython" if interpreter == "mpy" else "pyodide"
    kept = {"server": "pyshop.demo", "cc": "EUR"}  # set once at start-up, never cleared

    shop.next_hit(
        "home page view",
        {**kept, "pageName": "Home", "g": shop.url("/"), "ch": "home", "c1": "home", "v1": "home"},
        context={"c.shop.section": "home", "c.shop.interpreter": engine},
    )
    expect(shop.heading()).to_contain_text("four spaces")

    shop.nav("products")
    shop.next_hit(
        "products list page view",
        {
            **kept,
            "pageName": "Products",
            "g": shop.url("/products"),
            "ch": "catalog",
            "c1": "catalog",
            "c2": "all",
            "events": "event2",
            "products": ";SKU42,;SKU7,;SKU13,;SKU21,;SKU64,;SKU99",
        },
        context={"c.shop.section": "catalog", "c.shop.list.size": "6"},
    )
    expect(page).to_have_url(shop.url("/products"))

    shop.click('.product-card[data-product="42"] a.card-link')
    shop.next_hit(
        "product detail page view",
        {
            **kept,
            "pageName": "Product: Python mug",
            "g": shop.url("/product/42"),
            "ch": "catalog",
            "c1": "product",
            "c2": "kitchen",
            "c3": "42",
            "v3": "42",
            "events": "prodView",
            "products": ";SKU42",
        },
        context={"c.shop.product.id": "42", "c.shop.product.category": "kitchen"},
        context_absent=["c.shop.list.size"],  # contextData is rebuilt per view
    )
    expect(shop.heading()).to_have_text("Python mug")

    shop.click('button[data-action="add-to-cart"]')
    shop.next_hit(
        "add to cart (custom link)",
        {
            # pageName, pageURL and currencyCode go with every link hit; the rest only via linkTrackVars.
            "pageName": "Product: Python mug",
            "g": shop.url("/product/42"),
            "cc": "EUR",
            "pe": "lnk_o",
            "pev2": "Add to cart",
            "events": "scAdd",
            "products": ";SKU42;1",
            "v4": "product page",
        },
        absent=["ch", "c1", "c2", "c3", "v1", "v3", "server", "pev1"],
        context_absent=["c.shop.section", "c.shop.product.id"],
    )
    expect(page.locator("#cart-count")).to_have_text("1")

    shop.nav("cart")
    shop.next_hit(
        "cart page view",
        {
            **kept,
            "pageName": "Cart",
            "g": shop.url("/cart"),
            "ch": "checkout",
            "c1": "cart",
            "c4": "1",
            "events": "scView",
            "products": ";SKU42;1",
        },
        absent=["c2", "c3", "v3", "v4", "pe", "pev2"],  # the product view's and the link's: cleared
        context_absent=["c.shop.product.id", "c.shop.product.category"],
    )

    shop.click('#view a[href="/checkout"]')
    shop.next_hit(
        "checkout page view",
        {**kept, "pageName": "Checkout", "c1": "checkout", "events": "scCheckout", "products": ";SKU42;1"},
        absent=["c4"],
    )

    page.fill('form[data-form="checkout"] input[name="name"]', "Ada")
    page.select_option('form[data-form="checkout"] select[name="state"]', "WA")
    page.fill('form[data-form="checkout"] input[name="zip"]', "98101")
    page.click('form[data-form="checkout"] button[type="submit"]')
    purchase = shop.next_hit(
        "order confirmation (purchase)",
        {
            **kept,
            "pageName": "Order confirmation",
            "g": shop.url("/thanks"),
            "c1": "confirmation",
            "events": "purchase",
            "purchaseID": starts_with("ORD-"),
            "products": ";SKU42;1;12.90",
            "state": "WA",
            "zip": "98101",
        },
    )
    expect(page.locator('[data-testid="order-id"]')).to_have_text(first_values(purchase)["purchaseID"])
    expect(page.locator("#cart-count")).to_have_text("0")

    page.go_back()
    shop.next_hit(
        "back to checkout (popstate)",
        {**kept, "pageName": "Checkout", "g": shop.url("/checkout"), "c1": "checkout"},
        # The purchase's variables were cleared; the now empty cart sends no events or products.
        absent=["events", "products", "purchaseID", "state", "zip"],
    )
    expect(page).to_have_url(shop.url("/checkout"))

    page.go_forward()
    shop.next_hit(
        "forward to the confirmation (popstate): no second purchase",
        {**kept, "pageName": "Order confirmation", "g": shop.url("/thanks")},
        absent=["events", "purchaseID", "products", "state", "zip"],
    )

    page.go_back()
    shop.next_hit("back to checkout again", {"pageName": "Checkout"}, absent=["events"])
    page.go_back()
    shop.next_hit(
        "back to the cart", {"pageName": "Cart", "g": shop.url("/cart"), "c4": "0"}, absent=["events"]
    )
    expect(page).to_have_url(shop.url("/cart"))

    shop.click("a.brand")
    shop.next_hit("home again via the logo", {"pageName": "Home", "c1": "home"}, absent=["c4"])

    assert shop.counters() == {"post": shop.count, "failure": 0, "clear": shop.count}
    expect(page.locator('#hits [data-testid="hit"]')).to_have_count(shop.count)
    assert page.evaluate("window.demoHits.length") == shop.count
    assert page.evaluate("window.demoHits.every(h => h.status === 'loaded' && h.callback === 'post')")
    assert len(collector.hits(rsid=RSID)) == shop.count


def test_link_types_custom_download_exit(collector, page, open_pyscript_page, interpreter):
    shop = open_shop(page, collector, open_pyscript_page, interpreter, "/products")
    shop.next_hit("products page view", {"pageName": "Products", "events": "event2"})

    shop.click('.product-card[data-product="7"] button[data-action="quick-add"]')
    shop.next_hit(
        "quick add from the list (custom link)",
        {
            "pe": "lnk_o",
            "pev2": "Add to cart",
            "events": "scAdd",
            "products": ";SKU7;1",
            "v4": "product list",
        },
        absent=["c1", "c2", "ch"],
    )

    shop.nav("home")
    shop.next_hit("home page view", {"pageName": "Home"}, absent=["events", "products", "v4"])

    # Automatic link tracking: a real click, no s.tl() call, so no link name (pev2); the
    # ActivityMap block names the link by its text and the region by the nearest id.
    shop.click("a[data-download]")
    download = shop.next_hit(
        "catalogue download (download link)",
        {
            "pe": "lnk_d",
            "pev1": collector.url + "/app/static/pyshop-catalogue.pdf",  # from the element's href
            "pageName": "Home",
        },
        absent=["pev2", "ch", "c1", "v1", "events"],
        context={
            "c.a.activitymap.link": "Download the catalogue (PDF)",
            "c.a.activitymap.region": "view",
            "c.a.activitymap.page": "Home",
        },
        context_absent=["c.shop.section"],
    )
    expect(shop.card(download).locator('[data-testid="activitymap"]')).to_have_text(
        "ActivityMap: “Download the catalogue (PDF)” in region “view”"
    )
    expect(page).to_have_url(shop.url("/"))  # the demo does not follow the link

    shop.click('footer a[data-exit="PyScript website"]')
    shop.next_hit(
        "PyScript website (exit link, sendBeacon)",
        {"pe": "lnk_e", "pev1": "https://pyscript.net/", "pageName": "Home"},
        absent=["pev2", "ch", "c1", "v1"],
        context={"c.a.activitymap.link": "PyScript website ↗", "c.a.activitymap.region": "footer"},
        transport="beacon",
    )
    [beacon] = [h for h in collector.hits(rsid=RSID) if h["transport"] == "beacon"]
    assert beacon["method"] == "POST", summary(beacon)
    expect(page).to_have_url(shop.url("/"))

    kinds = page.evaluate("window.demoHits.map(h => [h.kind, h.transport])")
    assert kinds == [
        ["page", "image"],
        ["link_o", "image"],
        ["page", "image"],
        ["link_d", "image"],
        ["link_e", "beacon"],
    ]
    cards = page.locator('#hits [data-testid="hit"] .kind')
    # Newest first in the panel.
    expect(cards).to_have_text(["Exit link", "Download link", "Page view", "Custom link", "Page view"])


def test_outage_takes_the_failure_path(collector, page, open_pyscript_page, interpreter):
    shop = open_shop(page, collector, open_pyscript_page, interpreter)
    shop.next_hit("home page view", {"pageName": "Home"})
    before = shop.counters()

    page.locator("label.switch").click()
    expect(page.locator("html")).to_have_attribute("data-outage", "on", timeout=UI_TIMEOUT_MS)
    faults = [(f["rsid"], f["action"], f["status"]) for f in collector.faults()["faults"]]
    # The outage covers both ways the demo sends: /b/ss/ (the rsid) and the Web SDK (its datastream).
    assert faults == [(RSID, "status", 500), ("pyshop-demo", "status", 500)], (
        f"the toggle registered {faults}"
    )

    shop.nav("products")
    failed = shop.next_hit(
        "products page view during the outage",
        {"pageName": "Products", "c2": "all", "events": "event2"},
        status=500,
        callback="failure",
    )
    card = shop.card(failed)
    expect(card.locator('[data-testid="hit-status"]')).to_have_text("failed")
    expect(card.locator('[data-testid="hit-path"]')).to_contain_text("failure callback")
    after = shop.counters()
    assert after == {
        "post": before["post"],  # the post-track callback did not run for the failed hit
        "failure": before["failure"] + 1,
        "clear": before["clear"] + 1,  # ... but the failure callback cleared the variables
    }, f"counters before {before}, after {after}"
    expect(page.locator("#toast")).to_contain_text("failed")
    failed_entry = page.evaluate("window.demoHits[window.demoHits.length - 1]")
    assert (failed_entry["status"], failed_entry["callback"]) == ("failed", "failure"), failed_entry

    page.locator("label.switch").click()
    expect(page.locator("html")).to_have_attribute("data-outage", "off", timeout=UI_TIMEOUT_MS)
    assert collector.faults()["faults"] == [], "turning the toggle off did not delete the fault"

    shop.nav("cart")
    shop.next_hit(
        "cart page view after the outage",
        {"pageName": "Cart", "c1": "cart", "c4": "0"},
        absent=["c2", "events", "products"],  # the failed view's variables did not leak
    )
    assert shop.counters()["post"] == before["post"] + 1


def test_visitor_input_stays_text(collector, page, open_pyscript_page, interpreter):
    shop = open_shop(page, collector, open_pyscript_page, interpreter)
    shop.next_hit("home page view", {"pageName": "Home"})

    page.fill("#search-input", XSS)
    page.press("#search-input", "Enter")
    hit = shop.next_hit(
        "search with an HTML payload",
        {
            "pageName": "Search results",
            "c5": XSS,
            "v5": XSS,
            "events": "event1",
            "g": starts_with(collector.url + "/search?q=%3Cimg%20src%3Dx"),
        },
        context={"c.shop.search.term": XSS, "c.shop.search.results": "0"},
    )
    card = shop.card(hit)
    expect(card.locator('tr[data-key="c5"] .var-value')).to_have_text(XSS)
    expect(card.locator('tr[data-key="v5"] .var-value')).to_have_text(XSS)
    expect(card.locator('li[data-key="c.shop.search.term"] .node-value')).to_have_text(XSS)
    expect(page.locator('[data-testid="search-term"]')).to_have_text(XSS)

    # One more round trip gives a broken <img> time to fire its onerror, had one been created.
    shop.nav("home")
    shop.next_hit("home page view", {"pageName": "Home"}, absent=["c5", "v5", "events"])
    assert page.locator("#inspector img").count() == 0
    assert page.locator("img").count() == 0
    assert shop.dialogs == [], f"a dialog fired: {shop.dialogs}"


def test_deep_links_load_the_right_view(collector, page, open_pyscript_page, interpreter):
    shop = open_shop(page, collector, open_pyscript_page, interpreter, "/product/42?cid=spring")
    shop.next_hit(
        "deep link to a product with a campaign code",
        {
            "pageName": "Product: Python mug",
            "g": shop.url("/product/42?cid=spring"),
            "v0": "spring",
            "c3": "42",
            "events": "prodView",
            "products": ";SKU42",
        },
    )
    expect(shop.heading()).to_have_text("Python mug")

    shop.click('nav.crumbs a[href="/products"]')
    shop.next_hit("products via the breadcrumb", {"pageName": "Products"}, absent=["v0", "c3"])

    shop.nav("cart")
    shop.next_hit("cart page view", {"pageName": "Cart"})
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=60_000)
    shop.next_hit("reload of /cart", {"pageName": "Cart", "g": shop.url("/cart"), "c1": "cart"})
    expect(shop.heading()).to_have_text("Your cart")

    page.goto(shop.url("/no/such/page"))
    page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=60_000)
    shop.next_hit(
        "unknown path: error page",
        {"pageType": "errorPage", "c1": "error", "g": shop.url("/no/such/page")},
        absent=["pageName"],
    )
    expect(shop.heading()).to_have_text("Page not found")

    shop.click('#view a[href="/"]')
    shop.next_hit("home after the error page", {"pageName": "Home"}, absent=["pageType"])


def test_phone_layout(collector, page, open_pyscript_page, interpreter):
    page.set_viewport_size({"width": 375, "height": 740})
    shop = open_shop(page, collector, open_pyscript_page, interpreter)
    shop.next_hit("home page view", {"pageName": "Home"})

    def no_horizontal_scroll(where):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{where}: the page is {width}px wide on a 375px screen"

    no_horizontal_scroll("home")
    shop.nav("products")
    shop.next_hit("products page view", {"pageName": "Products"})
    no_horizontal_scroll("products")
    shop.click('.product-card[data-product="64"] a.card-link')
    shop.next_hit("product page view", {"pageName": "Product: Async hoodie"})
    no_horizontal_scroll("product with inspector cards")

    # One column: the inspector follows the shop content.
    view_box = page.locator("#view").bounding_box()
    inspector_box = page.locator("#inspector").bounding_box()
    assert inspector_box["y"] >= view_box["y"] + view_box["height"], (view_box, inspector_box)
    assert re.fullmatch(r"\d+", page.locator("#cart-count").text_content())

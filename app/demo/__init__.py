"""PyShop, the demo single-page app for AppMeasurement for PyScript (index.html + app/main.py).

    inspector.py  decode_request(url): a request URL as the hit inspector shows it (pure Python)
    router.py     match("/product/42") -> ("product", [("id", "42")]); URL parsing (pure Python)
    catalog.py    the products and the Cart, with `products` strings (pure Python)
    dom.py        element building with textContent only, delegated events (browser)
    panel.py      the live hit inspector panel (browser)
    shop.py       history routing, shop state, the tracking helpers views use (browser)
    views.py      one function per view: render, set its variables, s.t() (browser)

The pure modules import nothing from the browser, so CPython unit tests (tests/unit/test_inspector.py)
and MicroPython in Node run them unchanged.
"""

"""The demo single-page app: history routing, shop state and the tracking helpers the views use.

    shop = Shop(s, panel, interpreter="mpy")
    shop.start()                      # bind links/forms, render location.pathname, send its page view
    shop.navigate("/product/42")      # pushState + render + page view (what a link click does)

Routing: clicks on same-origin links (`a[href^="/"]`) are intercepted, `history.pushState` changes the
URL and the matching view renders; `popstate` (back/forward) renders the view of the restored URL. A
deep link (`/product/42` loaded directly) works because the collector answers index.html for unknown
extension-less paths and `start()` renders whatever path the page was loaded with.

Tracking: each view calls `new_page()` (resets the variables `clearVars()` keeps: pageURL, pageType,
contextData, campaign's landing value), sets its own variables on `s`, then `track_page()`. The
post-track / failure callbacks registered in app/main.py run `s.clearVars()` after every hit, so no
view inherits the props, eVars, events or products of the previous one.
"""

import json

import js
from pyscript.ffi import create_proxy

from appmeasurement.browser import epoch_ms
from demo import catalog, dom, router, views

CART_KEY = "pyshop.cart"


class Shop:
    def __init__(self, s, panel, interpreter):
        self.s = s
        self.panel = panel
        self.interpreter = interpreter  # "mpy" | "py"
        self.cart = catalog.Cart(_load_cart())
        self.last_order = None
        self.view_name = None
        self._landing = True

    # --- start-up ---------------------------------------------------------------------------------
    def start(self):
        # Most specific first: the first selector that matches handles the click.
        dom.delegate("click", "a[data-exit]", self._on_exit_link)
        dom.delegate("click", "a[data-download]", self._on_download_link)
        dom.delegate("click", "[data-action]", self._on_action)
        dom.delegate("click", 'a[href^="/"]', self._on_internal_link)
        dom.delegate("submit", "form[data-form]", self._on_submit)
        dom.listen(js.window, "popstate", lambda event: self.render())
        # Hits sent by automatic link tracking (download and exit clicks): the panel shows how
        # they settled, like the hits the views send themselves.
        self.s.clickTracking.on_hit = self._watch
        self._update_cart_badge()
        self.render()

    # --- routing ----------------------------------------------------------------------------------
    def url(self, path):
        """An in-app URL, keeping ?interpreter=... so a reload stays on the same interpreter."""
        return router.with_sticky(path, js.location.search)

    def navigate(self, path, replace=False):
        url = self.url(path)
        if replace:
            js.history.replaceState(None, "", url)
        else:
            js.history.pushState(None, "", url)
        self.render()

    def render(self):
        name, params = router.match(js.location.pathname)
        query = router.parse_query(js.location.search)
        self.view_name = name
        if name != "search":
            self.search_input().value = ""
        view = views.VIEWS[name]
        view(self, params, query)
        self._mark_nav(name)
        js.window.scrollTo(0, 0)
        # Move focus to the new content so keyboard and screen-reader users land on it.
        main = dom.by_id("view")
        focus_options = js.JSON.parse('{"preventScroll": true}')
        main.focus(focus_options)

    def show(self, title, *children):
        """Replace the view's content and the document title."""
        js.document.title = title + " · PyShop"
        dom.replace(dom.by_id("view"), *children)

    def search_input(self):
        return dom.by_id("search-input")

    def _mark_nav(self, name):
        links = js.document.querySelectorAll(".mainnav a")
        for i in range(int(links.length)):
            link = links.item(i)
            if link.dataset.route == name:
                link.setAttribute("aria-current", "page")
            else:
                link.removeAttribute("aria-current")

    # --- tracking helpers -------------------------------------------------------------------------
    def new_page(self):
        """Reset what clearVars() keeps, before a view sets its own variables."""
        s = self.s
        # AppMeasurement fills pageURL from location.href on the first hit and keeps it: in a
        # single-page app every view must set it, or every hit reports the landing URL.
        s.pageURL = js.location.href
        s.pageType = ""
        # contextData survives clearVars(); rebuild it per view so keys of the previous view vanish.
        s.contextData.clear()
        s.contextData["shop.interpreter"] = "micropython" if self.interpreter == "mpy" else "pyodide"
        if self._landing:
            # A campaign code only counts on the landing page view (clearVars drops it afterwards).
            self._landing = False
            campaign = router.param(router.parse_query(js.location.search), "cid")
            if campaign:
                s.campaign = campaign

    def track_page(self):
        return self._watch(self.s.t())

    def _watch(self, hit):
        self.panel.bind(hit)
        hit.add_done_callback(lambda outcome: self.panel.settled(outcome, hit))
        return hit

    def track_link(self, link_object, link_type, name, track_vars="None", track_events="None"):
        """s.tl() sending only `track_vars` / `track_events` besides what AppMeasurement always sends.

        linkTrackVars/linkTrackEvents are not touched by clearVars(), so every link call sets both.
        """
        s = self.s
        s.linkTrackVars = track_vars
        s.linkTrackEvents = track_events
        return self._watch(s.tl(link_object, link_type, name))

    # --- cart -------------------------------------------------------------------------------------
    def add_to_cart(self, product, where):
        self.cart.add(product.id, 1)
        self._save_cart()
        s = self.s
        s.events = "scAdd"
        s.products = ";%s;1" % product.sku
        s.eVar4 = where  # where visitors add to cart from
        self.track_link(True, "o", "Add to cart", "events,products,eVar4", "scAdd")
        toast("Added “%s” to your cart." % product.name)

    def remove_from_cart(self, product):
        quantity = self.cart.remove(product.id)
        self._save_cart()
        s = self.s
        s.events = "scRemove"
        s.products = ";%s;%d" % (product.sku, quantity)
        self.track_link(True, "o", "Remove from cart", "events,products", "scRemove")

    def place_order(self, name, state, zip_code):
        order_id = "ORD-" + str(epoch_ms())[-8:]  # exact under MicroPython too (docs/architecture.md)
        self.last_order = {
            "id": order_id,
            "name": name,
            "state": state,
            "zip": zip_code,
            "lines": [[product.id, quantity] for product, quantity in self.cart.items()],
            "products": self.cart.products(with_price=True),
            "total": self.cart.total(),
        }
        self.cart.clear()
        self._save_cart()
        self.navigate("/thanks")

    def _save_cart(self):
        js.sessionStorage.setItem(CART_KEY, json.dumps(self.cart.lines))
        self._update_cart_badge()

    def _update_cart_badge(self):
        dom.set_text(dom.by_id("cart-count"), self.cart.count())

    # --- event handlers ---------------------------------------------------------------------------
    def _on_internal_link(self, anchor, event):
        if _modified_click(event) or anchor.target == "_blank":
            return  # let the browser open a new tab/window as asked
        event.preventDefault()
        href = anchor.getAttribute("href")
        current = str(js.location.pathname) + str(js.location.search)
        if href == current or self.url(href) == current:
            return  # same view: no new page view for a click on the current page
        self.navigate(href)

    # Download and exit links are tracked automatically (s.trackDownloadLinks/trackExternalLinks):
    # the tracker's body listener has already sent the hit when these run. A download hit goes by
    # image, so forced link tracking holds the click back until the hit settled (at most
    # forcedLinkTrackingTimeout) and these handlers see its replayed clone; an exit hit goes by
    # sendBeacon, which survives leaving the page, so its click is never held back.
    def _on_exit_link(self, anchor, event):
        event.preventDefault()  # the demo stays on the page so the hit can be inspected
        toast(
            "Exit link tracked automatically (navigator.sendBeacon, or the Web SDK when it is selected). "
            "The demo stays on this page."
        )

    def _on_download_link(self, anchor, event):
        event.preventDefault()
        toast("Download link tracked automatically. The demo does not actually download the file.")

    def _on_action(self, element, event):
        action = element.dataset.action
        handler = views.ACTIONS.get(action)
        if handler is not None:
            event.preventDefault()
            handler(self, element)

    def _on_submit(self, form, event):
        event.preventDefault()
        handler = views.FORMS.get(form.dataset.form)
        if handler is not None:
            handler(self, form)


def _modified_click(event):
    return bool(event.button) or bool(event.ctrlKey or event.metaKey or event.shiftKey or event.altKey)


def _load_cart():
    raw = js.sessionStorage.getItem(CART_KEY)
    if dom.is_null(raw) or not raw:
        return []
    try:
        return [(int(pid), int(quantity)) for pid, quantity in json.loads(str(raw))]
    except Exception:  # a stale or hand-edited value: start with an empty cart
        return []


_toast_timer = [None]
_hide_toast = [None]  # one proxy for the page's lifetime, reused by every toast


def toast(message, kind="info", ms=4500):
    """A short message at the bottom of the window (role=status, so screen readers announce it)."""
    element = dom.by_id("toast")
    element.className = "toast toast-" + kind
    dom.set_text(element, message)
    element.hidden = False
    if _hide_toast[0] is None:

        def hide(*_):
            dom.by_id("toast").hidden = True

        _hide_toast[0] = create_proxy(hide)
    if _toast_timer[0] is not None:
        js.clearTimeout(_toast_timer[0])
    _toast_timer[0] = js.setTimeout(_hide_toast[0], ms)

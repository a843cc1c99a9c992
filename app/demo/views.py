"""The shop's views. Each renders its content and sets its own AppMeasurement variables.

A view is `view(shop, params, query)`: `params` are the route's captures ([("id", "42")]), `query`
the parsed query string. The pattern every view follows:

    def home(shop, params, query):
        shop.show("Home", ...content...)
        shop.new_page()                 # pageURL, pageType, contextData: reset (clearVars keeps them)
        s = shop.s
        s.pageName = "Home"
        s.channel = "home"
        s.prop1 = s.eVar1 = "home"
        shop.track_page()               # s.t(); the post-track callback then runs s.clearVars()

Variables used by the demo (one meaning each, so the inspector reads like a tracking plan):
  prop1/eVar1 site section · prop2 product category · prop3/eVar3 product id · prop4 cart size ·
  prop5/eVar5 search term · eVar4 where "add to cart" was clicked · event1 internal search ·
  event2 product list view · contextData shop.section, shop.interpreter, shop.product.*, shop.search.*
"""

from demo import catalog
from demo.catalog import format_price
from demo.dom import h
from demo.router import param, quote

STATES = ["CA", "NY", "TX", "WA", "IL", "Other"]


# --- building blocks ---------------------------------------------------------------------------------
def product_tile(product, size="md"):
    return h(
        "div",
        {"class": "tile tile-" + size, "style": "--tile:" + product.colour, "aria-hidden": "true"},
        product.initials,
    )


def product_card(product):
    return h(
        "li",
        {"class": "card product-card", "data-product": product.id},
        h(
            "a",
            {"class": "card-link", "href": "/product/%d" % product.id},
            product_tile(product),
            h("h3", None, product.name),
        ),
        h("p", {"class": "muted small"}, product.category),
        h(
            "div",
            {"class": "card-foot"},
            h("span", {"class": "price"}, format_price(product.price)),
            h(
                "button",
                {
                    "type": "button",
                    "class": "btn btn-small",
                    "data-action": "quick-add",
                    "data-id": product.id,
                },
                "Add",
            ),
        ),
    )


def page_head(title, lead=None):
    return h(
        "div", {"class": "page-head"}, h("h1", None, title), h("p", {"class": "lead"}, lead) if lead else None
    )


# --- views --------------------------------------------------------------------------------------------
def home(shop, params, query):
    featured = catalog.PRODUCTS[:3]
    shop.show(
        "Home",
        h(
            "section",
            {"class": "hero"},
            h("p", {"class": "eyebrow"}, "Analytics, in Python, in your browser"),
            h("h1", None, "Merch for people who indent with four spaces"),
            h(
                "p",
                {"class": "lead"},
                "Every view of this shop sends an Adobe Analytics page view through AppMeasurement "
                "rebuilt in Python. Click around and watch the hit inspector.",
            ),
            h(
                "div",
                {"class": "actions"},
                h("a", {"class": "btn", "href": "/products"}, "Browse products"),
                h(
                    "a",
                    {
                        "class": "btn btn-ghost",
                        "href": "/app/static/pyshop-catalogue.pdf",
                        "data-download": "Catalogue PDF",
                    },
                    "Download the catalogue (PDF)",
                ),
            ),
        ),
        h("h2", {"class": "section-title"}, "Featured"),
        h("ul", {"class": "grid"}, [product_card(p) for p in featured]),
    )
    shop.new_page()
    s = shop.s
    s.pageName = "Home"
    s.channel = "home"
    s.prop1 = s.eVar1 = "home"
    s.contextData["shop.section"] = "home"
    shop.track_page()


def products(shop, params, query):
    items = catalog.PRODUCTS
    shop.show(
        "Products",
        page_head("Products", "%d things a Pythonista needs." % len(items)),
        h("ul", {"class": "grid"}, [product_card(p) for p in items]),
    )
    shop.new_page()
    s = shop.s
    s.pageName = "Products"
    s.channel = "catalog"
    s.prop1 = s.eVar1 = "catalog"
    s.prop2 = "all"
    s.events = "event2"
    s.products = catalog.product_list_string(items)
    s.contextData["shop.section"] = "catalog"
    s.contextData["shop.list.size"] = str(len(items))
    shop.track_page()


def product(shop, params, query):
    item = catalog.find(param(params, "id"))
    if item is None:
        return not_found(shop, params, query)
    shop.show(
        item.name,
        h(
            "nav",
            {"class": "crumbs", "aria-label": "Breadcrumb"},
            h("a", {"href": "/products"}, "Products"),
            " / ",
            h("span", None, item.category),
        ),
        h(
            "article",
            {"class": "detail", "data-product": item.id},
            product_tile(item, "lg"),
            h(
                "div",
                {"class": "detail-body"},
                h("h1", None, item.name),
                h("p", {"class": "price price-lg"}, format_price(item.price)),
                h("p", None, item.blurb),
                h("p", {"class": "muted small"}, "SKU: " + item.sku + " · category: " + item.category),
                h(
                    "div",
                    {"class": "actions"},
                    h(
                        "button",
                        {"type": "button", "class": "btn", "data-action": "add-to-cart", "data-id": item.id},
                        "Add to cart",
                    ),
                    h("a", {"class": "btn btn-ghost", "href": "/cart"}, "Go to cart"),
                ),
            ),
        ),
    )
    shop.new_page()
    s = shop.s
    s.pageName = "Product: " + item.name
    s.channel = "catalog"
    s.prop1 = s.eVar1 = "product"
    s.prop2 = item.category
    s.prop3 = s.eVar3 = str(item.id)
    s.events = "prodView"
    s.products = ";" + item.sku
    s.contextData["shop.section"] = "product"
    s.contextData["shop.product.id"] = str(item.id)
    s.contextData["shop.product.category"] = item.category
    shop.track_page()


def cart_content(shop):
    lines = shop.cart.items()
    if not lines:
        return [
            page_head("Your cart"),
            h("p", {"class": "empty-state"}, "Your cart is empty."),
            h("a", {"class": "btn", "href": "/products"}, "Browse products"),
        ]
    rows = [
        h(
            "li",
            {"class": "cart-line", "data-product": p.id},
            product_tile(p, "sm"),
            h(
                "div",
                {"class": "cart-line-body"},
                h("a", {"href": "/product/%d" % p.id}, p.name),
                h("span", {"class": "muted small"}, "%d × %s" % (qty, format_price(p.price))),
            ),
            h("span", {"class": "price"}, format_price(p.price * qty)),
            h(
                "button",
                {"type": "button", "class": "link-button", "data-action": "remove", "data-id": p.id},
                "Remove",
            ),
        )
        for p, qty in lines
    ]
    return [
        page_head("Your cart"),
        h("ul", {"class": "cart-lines"}, rows),
        h(
            "div",
            {"class": "cart-total"},
            h("span", None, "Total"),
            h("strong", {"class": "price", "data-testid": "cart-total"}, format_price(shop.cart.total())),
        ),
        h("div", {"class": "actions"}, h("a", {"class": "btn", "href": "/checkout"}, "Checkout")),
    ]


def cart(shop, params, query):
    shop.show("Cart", cart_content(shop))
    shop.new_page()
    s = shop.s
    s.pageName = "Cart"
    s.channel = "checkout"
    s.prop1 = s.eVar1 = "cart"
    s.prop4 = str(shop.cart.count())
    if len(shop.cart):
        s.events = "scView"
        s.products = shop.cart.products()
    s.contextData["shop.section"] = "cart"
    shop.track_page()


def checkout(shop, params, query):
    if not shop.cart.items():
        body = [
            h("p", {"class": "empty-state"}, "Nothing to check out yet."),
            h("a", {"class": "btn", "href": "/products"}, "Browse products"),
        ]
    else:
        body = [
            h(
                "form",
                {"class": "form", "data-form": "checkout", "autocomplete": "off"},
                field("Full name", h("input", {"name": "name", "required": True, "maxlength": "80"})),
                h(
                    "div",
                    {"class": "form-row"},
                    field(
                        "State",
                        h("select", {"name": "state"}, [h("option", {"value": st}, st) for st in STATES]),
                    ),
                    field(
                        "ZIP",
                        h(
                            "input",
                            {
                                "name": "zip",
                                "required": True,
                                "inputmode": "numeric",
                                "pattern": "[0-9]{5}",
                                "maxlength": "5",
                                "placeholder": "94103",
                            },
                        ),
                    ),
                ),
                h(
                    "p",
                    {"class": "muted small"},
                    "Order total: ",
                    h("strong", None, format_price(shop.cart.total())),
                    ". Nothing is charged: this is a demo.",
                ),
                h("button", {"type": "submit", "class": "btn"}, "Place order"),
            )
        ]
    shop.show("Checkout", page_head("Checkout"), body)
    shop.new_page()
    s = shop.s
    s.pageName = "Checkout"
    s.channel = "checkout"
    s.prop1 = s.eVar1 = "checkout"
    if shop.cart.items():
        s.events = "scCheckout"
        s.products = shop.cart.products()
    s.contextData["shop.section"] = "checkout"
    shop.track_page()


def thanks(shop, params, query):
    order = shop.last_order
    shop.last_order = None  # a reload or a back/forward visit must not count the purchase twice
    if order is not None:
        body = [
            page_head("Thank you, " + order["name"] + "!", "Your order is on its way (not really)."),
            h(
                "dl",
                {"class": "facts"},
                h("dt", None, "Order"),
                h("dd", {"data-testid": "order-id"}, order["id"]),
                h("dt", None, "Ship to"),
                h("dd", None, order["state"] + " " + order["zip"]),
                h("dt", None, "Total"),
                h("dd", None, format_price(order["total"])),
            ),
            h("a", {"class": "btn", "href": "/"}, "Back to the shop"),
        ]
    else:
        body = [
            page_head("Order confirmation", "There is no recent order to show."),
            h("a", {"class": "btn", "href": "/"}, "Back to the shop"),
        ]
    shop.show("Order confirmation", body)
    shop.new_page()
    s = shop.s
    s.pageName = "Order confirmation"
    s.channel = "checkout"
    s.prop1 = s.eVar1 = "confirmation"
    if order is not None:
        s.events = "purchase"
        s.purchaseID = order["id"]
        s.products = order["products"]
        s.state = order["state"]
        s.zip = order["zip"]
    s.contextData["shop.section"] = "confirmation"
    shop.track_page()


def search(shop, params, query):
    term = (param(query, "q") or "").strip()
    needle = term.lower()
    results = [
        p
        for p in catalog.PRODUCTS
        if needle and (needle in p.name.lower() or needle in p.category or needle in p.blurb.lower())
    ]
    heading = h("h1", None, "Results for “", h("span", {"data-testid": "search-term"}, term), "”")
    if results:
        body = h("ul", {"class": "grid"}, [product_card(p) for p in results])
    else:
        body = h("p", {"class": "empty-state"}, "No products match. Try “mug” or “apparel”.")
    shop.show(
        "Search",
        h("div", {"class": "page-head"}, heading, h("p", {"class": "lead"}, "%d result(s)" % len(results))),
        body,
    )
    # Keep the box showing the term, as typed (value, not HTML).
    shop.search_input().value = term
    shop.new_page()
    s = shop.s
    s.pageName = "Search results"
    s.channel = "search"
    s.prop1 = s.eVar1 = "search"
    s.prop5 = s.eVar5 = term
    s.events = "event1"
    s.contextData["shop.section"] = "search"
    s.contextData["shop.search.term"] = term
    s.contextData["shop.search.results"] = str(len(results))
    shop.track_page()


def not_found(shop, params, query):
    shop.show(
        "Not found",
        page_head("Page not found", "There is nothing at this address."),
        h("a", {"class": "btn", "href": "/"}, "Back to the shop"),
    )
    shop.new_page()
    s = shop.s
    # Adobe's convention for error pages: pageType "errorPage" and no pageName.
    s.pageName = ""
    s.pageType = "errorPage"
    s.prop1 = s.eVar1 = "error"
    s.contextData["shop.section"] = "error"
    shop.track_page()


def field(label, control):
    return h("label", {"class": "field"}, h("span", {"class": "field-label"}, label), control)


VIEWS = {
    "home": home,
    "products": products,
    "product": product,
    "cart": cart,
    "checkout": checkout,
    "thanks": thanks,
    "search": search,
    "not_found": not_found,
}


# --- actions (buttons) and forms ----------------------------------------------------------------------
def _product_of(element):
    return catalog.find(element.dataset.id)


def _add(shop, element):
    item = _product_of(element)
    if item is not None:
        shop.add_to_cart(item, "product page")


def _quick_add(shop, element):
    item = _product_of(element)
    if item is not None:
        shop.add_to_cart(item, "product list")


def _remove(shop, element):
    item = _product_of(element)
    if item is not None:
        shop.remove_from_cart(item)
        shop.show("Cart", cart_content(shop))  # same view, new content: no new page view


def _search(shop, form):
    term = str(form.elements.namedItem("q").value).strip()
    if term:
        shop.navigate("/search?q=" + quote(term))


def _checkout(shop, form):
    elements = form.elements
    shop.place_order(
        str(elements.namedItem("name").value).strip(),
        str(elements.namedItem("state").value),
        str(elements.namedItem("zip").value).strip(),
    )


ACTIONS = {
    "add-to-cart": _add,
    "quick-add": _quick_add,
    "remove": _remove,
    "clear-hits": lambda shop, element: shop.panel.clear(),
}

FORMS = {
    "search": _search,
    "checkout": _checkout,
}

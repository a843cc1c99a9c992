"""The demo shop's data: a small product catalogue and a cart, with AppMeasurement `products` strings.

Pure Python (no `js`), so it runs in CPython tests, Pyodide and MicroPython alike. Ordered things are
lists: MicroPython dicts do not keep insertion order.

    product = find(42)                          # Product(42, "SKU42", "Python mug", ...)
    cart = Cart()
    cart.add(42, 2)
    cart.products()                             # ";SKU42;2"          (cart views, scAdd, scCheckout)
    cart.products(with_price=True)              # ";SKU42;2;25.80"    (purchase: total price per line)
"""


class Product:
    def __init__(self, pid, name, category, price, colour, blurb):
        self.id = pid
        self.sku = "SKU%d" % pid
        self.name = name
        self.category = category
        self.price = price
        self.colour = colour  # the tile colour shown instead of a product photo
        self.blurb = blurb

    @property
    def initials(self):
        return "".join(word[0] for word in self.name.split()[:2]).upper()

    def __repr__(self):
        return "Product(%d, %r, %r)" % (self.id, self.sku, self.name)


PRODUCTS = [
    Product(42, "Python mug", "kitchen", 12.90, "#f2c94c", "Holds 350 ml of coffee and every answer."),
    Product(7, "Snake plush", "toys", 19.50, "#27ae60", "A soft, friendly, strictly non-venomous reptile."),
    Product(13, "Indentation socks", "apparel", 8.00, "#2d9cdb", "Four spaces per toe. Never tabs."),
    Product(21, "Decorator stickers", "office", 4.50, "#eb5757", "Wrap your laptop lid with @style."),
    Product(64, "Async hoodie", "apparel", 39.00, "#9b51e0", "Keeps you warm while you await."),
    Product(
        99, "Zen of Python poster", "office", 15.00, "#333f4f", "Beautiful is better than ugly. A2 size."
    ),
]

CURRENCY = "EUR"


def find(pid):
    """The product with id `pid` (an int or a numeric string), or None."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return None
    for product in PRODUCTS:
        if product.id == pid:
            return product
    return None


def money(amount):
    return "%.2f" % amount


def format_price(amount):
    return "\u20ac" + money(amount)


def product_list_string(products):
    """`products` for a list of products without quantities: ";SKU42,;SKU7"."""
    return ",".join(";" + product.sku for product in products)


class Cart:
    """Product ids and quantities, in the order they were first added."""

    def __init__(self, lines=None):
        self.lines = []  # [[product id, quantity], ...]
        for pid, quantity in lines or ():
            if find(pid) is not None and quantity > 0:
                self.add(pid, quantity)

    def add(self, pid, quantity=1):
        for line in self.lines:
            if line[0] == pid:
                line[1] += quantity
                return
        self.lines.append([pid, quantity])

    def remove(self, pid):
        """Drop the line for pid; returns the quantity removed (0 if it was not there)."""
        for i, line in enumerate(self.lines):
            if line[0] == pid:
                del self.lines[i]
                return line[1]
        return 0

    def clear(self):
        self.lines = []

    def items(self):
        """[(product, quantity), ...] in cart order."""
        return [(find(pid), quantity) for pid, quantity in self.lines]

    def count(self):
        return sum(quantity for _, quantity in self.lines)

    def total(self):
        return sum(product.price * quantity for product, quantity in self.items())

    def products(self, with_price=False):
        parts = []
        for product, quantity in self.items():
            part = ";%s;%d" % (product.sku, quantity)
            if with_price:
                part += ";" + money(product.price * quantity)
            parts.append(part)
        return ",".join(parts)

    def __len__(self):
        return len(self.lines)

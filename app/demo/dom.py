"""Tiny DOM helpers for the demo: build elements from Python, text only, and delegate events.

Text always goes in through `textContent` (a text node): nothing a visitor or a hit carries is ever
parsed as HTML, so a value like `<img src=x onerror=alert(1)>` shows as those characters.

    from demo import dom
    card = dom.h("article", {"class": "card"}, dom.h("h2", None, "Hello"), "plain text")
    dom.replace(dom.by_id("view"), card)
    dom.delegate("click", "[data-action]", lambda element, event: print(element.dataset.action))

Handlers are delegated from `document` (one proxy per event type, made once), so views can be
re-rendered freely without creating a JS proxy per button: nothing to destroy, nothing leaks, and the
same code works under MicroPython and Pyodide.
"""

import js
from pyscript.ffi import create_proxy

_handlers = {}  # event type -> list of (selector, fn), in registration order
_proxies = []  # kept alive for the page's lifetime


try:  # Pyodide hands JS null over as `jsnull` (undefined as None); MicroPython gives None for both
    from pyodide.ffi import jsnull as _JSNULL
except ImportError:
    _JSNULL = None


def is_null(value):
    """True for JS null/undefined, under either interpreter."""
    return value is None or (_JSNULL is not None and value is _JSNULL)


def by_id(element_id):
    return js.document.getElementById(element_id)


def h(tag, attrs=None, *children):
    """Create <tag> with attributes (a dict; None/False values skipped) and children.

    A child is an element, a string (becomes a text node), a number, None (skipped) or a list of those.
    """
    element = js.document.createElement(tag)
    if attrs:
        for name in attrs:
            value = attrs[name]
            if value is None or value is False:
                continue
            if name == "style":
                set_style(element, str(value))
                continue
            element.setAttribute(name, "" if value is True else str(value))
    append(element, *children)
    return element


def set_style(element, declarations):
    """Apply "prop:value;..." through the CSSOM: the page's CSP refuses style attributes
    (``style-src`` has no 'unsafe-inline'), while ``element.style.setProperty`` is always allowed."""
    for declaration in declarations.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            element.style.setProperty(name.strip(), value.strip())


def append(element, *children):
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, (list, tuple)):
            append(element, *child)
        elif isinstance(child, str):
            element.appendChild(js.document.createTextNode(child))
        elif isinstance(child, (int, float)):
            element.appendChild(js.document.createTextNode(str(child)))
        else:
            element.appendChild(child)
    return element


def replace(element, *children):
    """Remove every child of element, then append children."""
    element.replaceChildren()
    return append(element, *children)


def set_text(element, text):
    element.textContent = "" if text is None else str(text)


def delegate(event_type, selector, fn):
    """Call fn(matched_element, event) for `event_type` events under an element matching `selector`.

    Handlers run in registration order; the first whose selector matches handles the event.
    """
    handlers = _handlers.get(event_type)
    if handlers is None:
        handlers = []
        _handlers[event_type] = handlers
        proxy = create_proxy(lambda event: _dispatch(event_type, event))
        _proxies.append(proxy)
        js.document.addEventListener(event_type, proxy)
    handlers.append((selector, fn))


def _dispatch(event_type, event):
    target = event.target
    if is_null(target) or not hasattr(target, "closest"):
        return
    for selector, fn in _handlers.get(event_type, ()):
        matched = target.closest(selector)
        if not is_null(matched):
            fn(matched, event)
            return


def listen(target, event_type, fn):
    """addEventListener on one long-lived target (window, a static element); the proxy is kept."""
    proxy = create_proxy(fn)
    _proxies.append(proxy)
    target.addEventListener(event_type, proxy)
    return proxy


def js_object(value):
    """A plain JS object/array from a JSON-able Python value (dicts, lists, str, numbers, None)."""
    import json

    return js.JSON.parse(json.dumps(value))

"""Configuration-time checks: bad input raises at once, naming the argument and the value.

>>> check_rsid("myrsid", "rsid")
>>> check_rsid(5, "rsid")
Traceback (most recent call last):
...
TypeError: rsid must be a non-empty string of report suite ids, got 5 (int)
>>> describe("x" * 100)[:12], describe(None)
("'xxxxxxxxxxx", 'None (NoneType)')
"""


def describe(value):
    """Short ``repr (type)`` text for error messages."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return "%s (%s)" % (text, type(value).__name__)


def check_rsid(value, what):
    """``value`` must be a non-empty string of report suite ids (``what`` names the argument)."""
    if not isinstance(value, str):
        raise TypeError("%s must be a non-empty string of report suite ids, got %s" % (what, describe(value)))
    if not value:
        raise ValueError(
            "%s must be a non-empty string of report suite ids, got %s" % (what, describe(value))
        )


def check_link_type(value):
    """``s.tl()``'s linkType: a string ("o", "d", "e"; anything else counts as "o") or None."""
    if value is not None and not isinstance(value, str):
        raise TypeError("linkType must be a string ('o', 'd' or 'e') or None, got " + describe(value))


def check_callable(fn, api):
    """A callback argument must be callable (``api`` names the method it was given to)."""
    if not callable(fn):
        raise TypeError("%s: fn must be callable, got %r (%s)" % (api, fn, type(fn).__name__))

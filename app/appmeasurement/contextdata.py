"""``s.contextData``: an ordered mapping with JS object key order, and its ``c.`` block serialiser.

Order is visible on the wire, and MicroPython dicts are not ordered, so ``ContextData`` keeps its own
key order, the one a JS object has: integer-like keys ("0", "2", "10"; not "01") first in ascending
numeric order, then the other keys in insertion order.  Keys must be strings.

``serialize`` writes AppMeasurement's nested form: ``&c.`` opens the block, a dotted key opens a
group at its first truthy entry (``&site.``) that gathers every later key of the same group, leaf
keys and values are escaped, group names are not, falsy values are left out and each group closes
with ``&.name``.  A key that names a member of JS ``Object.prototype`` ("constructor", "toString",
...) is left out too, as AppMeasurement.js tests ``Object.prototype[key]`` on every key; a dotted
key is tested whole, so "toString.x" and "a.valueOf" are sent, and so is "__proto__" (its value on
``Object.prototype`` is null).

    >>> cd = ContextData([("site.section", "news"), ("flat", "x y"), ("site.sub", "a")])
    >>> serialize("c", cd.items())
    '&c.&site.&section=news&sub=a&.site&flat=x%20y&.c'
    >>> serialize("c", [("constructor", "x"), ("toString.x", "y")])
    '&c.&toString.&x=y&.toString&.c'
    >>> list(ContextData([("b", 1), ("10", 2), ("2", 3)]))
    ['2', '10', 'b']
"""

from .escaping import escape_lenient
from .jsvalues import js_truthy
from .memo import remember

_MAX_INDEX = 4294967294  # largest JS array index (2**32 - 2)

# The truthy members of Object.prototype in Chromium: AppMeasurement.js's serialiser skips a key when
# `Object.prototype[key]` is truthy, to step over inherited names; `__proto__` reads as null there.
OBJECT_PROTOTYPE_NAMES = (
    "constructor",
    "toString",
    "toLocaleString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
)


def array_index(key):
    """The integer a JS object orders ``key`` by, or -1 for an ordinary (insertion-ordered) key."""
    n = len(key)
    if n == 0 or n > 10:
        return -1
    for ch in key:
        if ch < "0" or ch > "9":
            return -1
    if n > 1 and key[0] == "0":
        return -1
    value = int(key)
    return value if value <= _MAX_INDEX else -1


def _describe(value):
    return "%r (%s)" % (value, type(value).__name__)


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError("contextData key must be a string, got " + _describe(key))


def is_mapping(value):
    """A dict or any object with keys() and [] (what contextData accepts)."""
    return hasattr(value, "keys") and hasattr(value, "__getitem__")


def _pairs_of(source):
    """(key, value) pairs of a mapping (in its own order) or of an iterable of pairs."""
    if isinstance(source, ContextData):
        return source.items()
    if is_mapping(source):
        return [(k, source[k]) for k in source.keys()]
    pairs = []
    for item in source:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError("contextData entries must be (key, value) pairs, got " + _describe(item))
        pairs.append((item[0], item[1]))
    return pairs


class ContextData:
    """Ordered string-keyed mapping with JS object key order (see module docstring).

    ``ContextData(mapping_or_pairs)``; a plain ``dict`` keeps its order in CPython and Pyodide but
    not in MicroPython, so pass pairs or another ``ContextData`` there when order matters.
    """

    def __init__(self, source=None):
        self._values = {}
        self._indexed = []  # integer-like keys, ascending by value
        self._named = []  # other keys, insertion order
        if source is not None:
            self.update(source)

    @classmethod
    def from_value(cls, value, what="contextData"):
        """Convert an assigned value to ContextData, or raise TypeError naming ``what``."""
        if isinstance(value, ContextData):
            return value
        if not is_mapping(value):
            raise TypeError("%s must be a mapping (dict or ContextData), got %s" % (what, _describe(value)))
        return cls(value)

    def __setitem__(self, key, value):
        _check_key(key)
        if key not in self._values:
            index = array_index(key)
            if index < 0:
                self._named.append(key)
            else:
                pos = len(self._indexed)
                while pos > 0 and int(self._indexed[pos - 1]) > index:
                    pos -= 1
                self._indexed.insert(pos, key)
        self._values[key] = value

    def __getitem__(self, key):
        return self._values[key]

    def __delitem__(self, key):
        del self._values[key]
        if array_index(key) < 0:
            self._named.remove(key)
        else:
            self._indexed.remove(key)

    def __contains__(self, key):
        return key in self._values

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self.keys())

    def __eq__(self, other):
        if isinstance(other, ContextData):
            return self.items() == other.items()
        if is_mapping(other):
            return len(other) == len(self) and all(k in other and other[k] == v for k, v in self.items())
        return NotImplemented

    def __repr__(self):
        return "ContextData(%r)" % (self.items(),)

    def keys(self):
        return self._indexed + self._named

    def values(self):
        return [self._values[k] for k in self.keys()]

    def items(self):
        return [(k, self._values[k]) for k in self.keys()]

    def get(self, key, default=None):
        return self._values.get(key, default)

    def pop(self, key, *default):
        if key in self._values:
            value = self._values[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def setdefault(self, key, default=None):
        if key not in self._values:
            self[key] = default
        return self._values[key]

    def update(self, source=(), **kwargs):
        for key, value in _pairs_of(source):
            self[key] = value
        for key in kwargs:
            self[key] = kwargs[key]

    def clear(self):
        self._values = {}
        self._indexed = []
        self._named = []

    def copy(self):
        return ContextData(self.items())


def serialize(block, items, allowed=None, allow_prefix="", warn=None):
    """AppMeasurement's nested ``&block.`` ... ``&.block`` form of ``items`` (ordered pairs).

    ``allowed`` is the link-hit filter (",name,name," text) or None: a key passes when
    ``"," + allow_prefix + key + ","`` occurs in it, e.g. ",contextData.a.b,". A lone surrogate in
    a key or value is sent as U+FFFD, and ``warn(message)`` names the key.
    """
    if not isinstance(items, list):
        items = list(items)
    memo_key = None
    for key, value in items:
        if type(key) is not str or type(value) is not str:
            break
    else:
        # All text, as context data nearly always is, and mostly the same from hit to hit: the
        # nested walk below visits every item once per group, so remember recent results.
        memo_key = (block, allowed, allow_prefix, tuple(items))
        done = _SERIALIZED.get(memo_key)
        if done is not None:
            return done
    done = _group(block, items, allowed, allow_prefix, "", warn)
    if memo_key is not None:
        remember(_SERIALIZED, memo_key, done, _SERIALIZED_SIZE)
    return done


_SERIALIZED = {}  # (block, allowed, allow_prefix, items) -> serialised text, for all-text items
_SERIALIZED_SIZE = 64


def _group(name, items, allowed, allow_prefix, prefix, warn):
    out = []
    opened = []  # full prefixes ("a.", "a.b.") of groups already written at this level
    for key, value in items:
        if key in OBJECT_PROTOTYPE_NAMES:
            continue
        if prefix and not key.startswith(prefix):
            continue
        if not js_truthy(value):
            continue
        if allowed is not None and ("," + allow_prefix + key + ",") not in allowed:
            continue
        done = False
        for group in opened:
            if key.startswith(group):
                done = True
                break
        if done:
            continue
        if not out:
            out.append("&" + name + ".")
        rest = key[len(prefix) :]
        if not rest:
            continue
        dot = rest.find(".")
        if dot > 0:
            sub = rest[:dot]
            full = prefix + sub + "."
            opened.append(full)
            # Group names go into the URL unescaped, as AppMeasurement writes them.
            out.append(_group(sub, items, allowed, allow_prefix, full, warn))
        else:
            if value is True:
                value = "true"
            what = (allow_prefix or name + ".") + key
            out.append("&" + escape_lenient(rest, what, warn) + "=" + escape_lenient(value, what, warn))
    if out:
        out.append("&." + name)
    return "".join(out)

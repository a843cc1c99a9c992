"""JSON with the key order kept, written the way JavaScript's ``JSON.stringify`` writes it.

The Web SDK's request bodies are JSON whose key order is observable on the wire, and MicroPython's
dicts are not ordered. ``Obj`` is an ordered object (a list of ``[key, value]`` pairs with dict-like
access); ``dumps`` writes ``Obj``, dicts (in their iteration order), lists, strings, numbers, booleans
and None as ``JSON.stringify`` would (``indent=2`` as ``JSON.stringify(v, null, 2)``); ``loads``
reads objects back as ``Obj``.

    >>> body = Obj([("b", 1), ("a", [True, None, "x\\n"])])
    >>> dumps(body)
    '{"b":1,"a":[true,null,"x\\\\n"]}'
    >>> loads('{"z": {"y": 1.5}, "a": 2}').keys()
    ['z', 'a']
    >>> print(dumps(loads('{"k": [1, {}]}'), 2))
    {
      "k": [
        1,
        {}
      ]
    }
"""

from .jsvalues import js_number_string


class Obj:
    """An ordered JSON object: ``[key, value]`` pairs with ``get``, ``[]``, ``in`` and ``keys()``."""

    def __init__(self, pairs=None):
        self.pairs = [[k, v] for k, v in (pairs or [])]

    def _find(self, key):
        for pair in self.pairs:
            if pair[0] == key:
                return pair
        return None

    def get(self, key, default=None):
        pair = self._find(key)
        return default if pair is None else pair[1]

    def __getitem__(self, key):
        pair = self._find(key)
        if pair is None:
            raise KeyError(key)
        return pair[1]

    def __setitem__(self, key, value):
        pair = self._find(key)
        if pair is None:
            self.pairs.append([key, value])
        else:
            pair[1] = value

    def __delitem__(self, key):
        pair = self._find(key)
        if pair is not None:
            self.pairs.remove(pair)

    def __contains__(self, key):
        return self._find(key) is not None

    def __len__(self):
        return len(self.pairs)

    def __eq__(self, other):
        return to_plain(self) == to_plain(other)

    def keys(self):
        return [k for k, _ in self.pairs]

    def items(self):
        return [(k, v) for k, v in self.pairs]

    def __repr__(self):
        return "Obj(%r)" % (self.pairs,)


def is_object(value):
    return isinstance(value, (Obj, dict))


def items(value):
    """The ``(key, value)`` pairs of an ``Obj`` or a dict, in order."""
    return value.items() if isinstance(value, Obj) else list(value.items())


def to_plain(value):
    """``Obj`` -> dict, recursively (for comparisons where order does not matter)."""
    if is_object(value):
        return {k: to_plain(v) for k, v in items(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def copy(value):
    """A deep copy with every object as an ``Obj`` (dicts keep their iteration order)."""
    if is_object(value):
        return Obj([(k, copy(v)) for k, v in items(value)])
    if isinstance(value, (list, tuple)):
        return [copy(v) for v in value]
    return value


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dumps(value, indent=0, _depth=0):
    """``JSON.stringify(value)`` (or ``JSON.stringify(value, null, indent)``); None-valued keys are kept."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return "null"
        return js_number_string(value)
    if is_object(value):
        parts = [(_string(str(k)), v) for k, v in items(value)]
        sep = ":" if not indent else ": "
        texts = [k + sep + dumps(v, indent, _depth + 1) for k, v in parts]
        return _wrap("{", texts, "}", indent, _depth)
    if isinstance(value, (list, tuple)):
        return _wrap("[", [dumps(v, indent, _depth + 1) for v in value], "]", indent, _depth)
    raise TypeError("not JSON serialisable: %r" % (value,))


def _wrap(opening, texts, closing, indent, depth):
    if not texts:
        return opening + closing
    if not indent:
        return opening + ",".join(texts) + closing
    inner = "\n" + " " * (indent * (depth + 1))
    return opening + inner + ("," + inner).join(texts) + "\n" + " " * (indent * depth) + closing


class _Reader:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def error(self, message):
        raise ValueError("JSON: %s at %d" % (message, self.pos))

    def skip(self):
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def value(self):
        self.skip()
        if self.pos >= len(self.text):
            self.error("unexpected end")
        ch = self.text[self.pos]
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.array()
        if ch == '"':
            return self.string()
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        return self.number()

    def obj(self):
        self.pos += 1
        result = Obj()
        self.skip()
        if self.text[self.pos : self.pos + 1] == "}":
            self.pos += 1
            return result
        while True:
            self.skip()
            if self.text[self.pos : self.pos + 1] != '"':
                self.error("expected a key")
            key = self.string()
            self.skip()
            if self.text[self.pos : self.pos + 1] != ":":
                self.error("expected ':'")
            self.pos += 1
            result[key] = self.value()
            self.skip()
            ch = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if ch == "}":
                return result
            if ch != ",":
                self.error("expected ',' or '}'")

    def array(self):
        self.pos += 1
        result = []
        self.skip()
        if self.text[self.pos : self.pos + 1] == "]":
            self.pos += 1
            return result
        while True:
            result.append(self.value())
            self.skip()
            ch = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if ch == "]":
                return result
            if ch != ",":
                self.error("expected ',' or ']'")

    def string(self):
        text = self.text
        self.pos += 1
        out = []
        while True:
            end = self.pos
            while end < len(text) and text[end] not in '"\\':
                end += 1
            out.append(text[self.pos : end])
            if end >= len(text):
                self.error("unterminated string")
            self.pos = end + 1
            if text[end] == '"':
                return "".join(out)
            esc = text[self.pos : self.pos + 1]
            self.pos += 1
            if esc == "u":
                code = int(text[self.pos : self.pos + 4], 16)
                self.pos += 4
                if 0xD800 <= code < 0xDC00 and text[self.pos : self.pos + 2] == "\\u":
                    low = int(text[self.pos + 2 : self.pos + 6], 16)
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    self.pos += 6
                out.append(chr(code))
            else:
                mapped = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(esc, esc)
                out.append(mapped)

    def number(self):
        start = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] in "+-0123456789.eE":
            self.pos += 1
        token = text[start : self.pos]
        if not token:
            self.error("unexpected character")
        if "." in token or "e" in token or "E" in token:
            return float(token)
        return int(token)


def loads(text):
    """Parse JSON text; objects become ``Obj`` (key order kept); raises ValueError on bad input."""
    reader = _Reader(text)
    result = reader.value()
    reader.skip()
    if reader.pos != len(text):
        reader.error("trailing data")
    return result

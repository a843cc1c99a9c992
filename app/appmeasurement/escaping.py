"""AppMeasurement's ``s.escape`` / ``s.unescape``, without urllib (MicroPython has none).

``escape`` is ``encodeURIComponent`` plus ``~ ! * ( ) '``: everything except ``A-Z a-z 0-9 - _ .``
becomes ``%XX`` of its UTF-8 bytes (upper-case hex).  Falsy values come back unchanged and other
values go through JS ``String()`` first, as in AppMeasurement.  ``unescape`` turns ``+`` into a space
and then applies ``decodeURIComponent``, falling back to the legacy JS ``unescape`` when the input
is not valid percent-encoded UTF-8.

    >>> escape("a b&c~(d)'é")
    'a%20b%26c%7E%28d%29%27%C3%A9'
    >>> escape(1e21), escape(0)
    ('1e%2B21', 0)
    >>> unescape("a%20b+c%26d")
    'a b c&d'
"""

from .jsvalues import js_string, js_truthy

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_HEX = "0123456789ABCDEF"

# One entry per ASCII code: the character itself or its %XX form.
_ASCII_TABLE = []
for _code in range(128):
    _ch = chr(_code)
    _ASCII_TABLE.append(_ch if _ch in _UNRESERVED else "%" + _HEX[_code >> 4] + _HEX[_code & 15])


# Escaped text of recent values: most of a hit's values (page name, URL, technology fields, ...) repeat
# from one hit to the next, and escaping character by character is the hottest loop of a hit.
_MEMO = {}
_MEMO_SIZE = 512  # entries; the memo is cleared when full
_MEMO_TEXT = 512  # longer values are not kept


def escape(value):
    """``s.escape(value)``; raises ValueError for a lone surrogate, where JS throws URIError."""
    if type(value) is str:
        if not value:
            return value
        text = value
    else:
        if not js_truthy(value):
            return value
        text = js_string(value)
    done = _MEMO.get(text)
    if done is not None:
        return done
    table = _ASCII_TABLE
    out = []
    for ch in text:
        code = ord(ch)
        if code < 128:
            out.append(table[code])
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(
                "escape: lone UTF-16 surrogate %r in %r (JS encodeURIComponent throws URIError)"
                % (ch, text[:80])
            )
        else:
            for byte in ch.encode("utf-8"):
                out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
    done = "".join(out)
    if len(text) <= _MEMO_TEXT:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[text] = done
    return done


def _hex_value(text, i):
    """The byte encoded by the two hex digits at text[i:i+2], or -1."""
    if i + 2 > len(text):
        return -1
    hi = _HEX.find(text[i].upper())
    lo = _HEX.find(text[i + 1].upper())
    if hi < 0 or lo < 0:
        return -1
    return hi * 16 + lo


def decode_uri_component(text):
    """JS ``decodeURIComponent``; raises ValueError where JS throws URIError."""
    if "%" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        byte = _hex_value(text, i + 1)
        if byte < 0:
            raise ValueError("decodeURIComponent: malformed escape at %d in %r" % (i, text[:80]))
        i += 3
        if byte < 0x80:
            out.append(chr(byte))
            continue
        if byte & 0xE0 == 0xC0:
            count, code, minimum = 1, byte & 0x1F, 0x80
        elif byte & 0xF0 == 0xE0:
            count, code, minimum = 2, byte & 0x0F, 0x800
        elif byte & 0xF8 == 0xF0:
            count, code, minimum = 3, byte & 0x07, 0x10000
        else:
            raise ValueError("decodeURIComponent: invalid UTF-8 lead byte in %r" % text[:80])
        for _ in range(count):
            if i >= n or text[i] != "%":
                raise ValueError("decodeURIComponent: truncated UTF-8 sequence in %r" % text[:80])
            cont = _hex_value(text, i + 1)
            if cont < 0 or cont & 0xC0 != 0x80:
                raise ValueError("decodeURIComponent: invalid UTF-8 continuation in %r" % text[:80])
            code = (code << 6) | (cont & 0x3F)
            i += 3
        if code < minimum or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ValueError("decodeURIComponent: invalid code point in %r" % text[:80])
        out.append(chr(code))
    return "".join(out)


def legacy_unescape(text):
    """JS global ``unescape``: %XX and %uXXXX become characters, anything else stays."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            if i + 6 <= n and text[i + 1] == "u":
                hi = _hex_value(text, i + 2)
                lo = _hex_value(text, i + 4)
                if hi >= 0 and lo >= 0:
                    out.append(chr(hi * 256 + lo))
                    i += 6
                    continue
            byte = _hex_value(text, i + 1)
            if byte >= 0:
                out.append(chr(byte))
                i += 3
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def unescape(value):
    """``s.unescape(value)``: ``+`` is a space, then decodeURIComponent (legacy unescape on error)."""
    if not js_truthy(value):
        return value
    text = js_string(value).replace("+", " ")
    try:
        return decode_uri_component(text)
    except ValueError:
        return legacy_unescape(text)

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
from .memo import remember

_HEX = "0123456789ABCDEF"
REPLACEMENT = "\ufffd"  # U+FFFD, what a lone surrogate is sent as (see escape_lenient)

# One entry per ASCII code: the character itself (A-Z a-z 0-9 - _ .) or its %XX form. Written out because
# building it in a loop took MicroPython about 0.5 ms of the page's start; tests/unit/test_escaping.py
# checks it against that rule.
_ASCII_TABLE = (
    "%00 %01 %02 %03 %04 %05 %06 %07 %08 %09 %0A %0B %0C %0D %0E %0F %10 %11 %12 %13 %14 %15 %16 "
    "%17 %18 %19 %1A %1B %1C %1D %1E %1F %20 %21 %22 %23 %24 %25 %26 %27 %28 %29 %2A %2B %2C - . "
    "%2F 0 1 2 3 4 5 6 7 8 9 %3A %3B %3C %3D %3E %3F %40 A B C D E F G H I J K L M N O P Q R S T "
    "U V W X Y Z %5B %5C %5D %5E _ %60 a b c d e f g h i j k l m n o p q r s t u v w x y z %7B "
    "%7C %7D %7E %7F"
).split()


# Escaped text of recent values: most of a hit's values (page name, URL, technology fields, ...) repeat
# from one hit to the next, and escaping character by character is the hottest loop of a hit.
_MEMO = {}
_MEMO_SIZE = 512  # entries; the memo is cleared when full
_MEMO_TEXT = 512  # longer values are not kept


def _escape_text(text):
    """The escaped text, or None when it holds a surrogate code point (the slow path decides)."""
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
            return None
        else:
            for byte in ch.encode("utf-8"):
                out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
    done = "".join(out)
    if len(text) <= _MEMO_TEXT:
        remember(_MEMO, text, done, _MEMO_SIZE)
    return done


def _text_of(value):
    """The text to escape (JS ``String(value)``), or None for a falsy value (returned unchanged)."""
    if type(value) is str:
        return value or None
    return js_string(value) if js_truthy(value) else None


def combine_surrogates(text):
    """(text, lone): surrogate pairs joined into the one character JS sees, lone ones as U+FFFD.

    MicroPython's json gives ``"\\ud83c\\udf89"`` as two code points where JS has one emoji; a lone
    surrogate (half an emoji, cut by a substring) has no UTF-8 form at all.

    >>> combine_surrogates("a\\ud83c\\udf89b\\ud800") == ("a\\U0001f389b\\ufffd", 1)
    True
    """
    out = []
    lone = 0
    high = 0  # a high surrogate waiting for its low half
    for ch in text:
        code = ord(ch)
        if 0xDC00 <= code <= 0xDFFF and high:
            out.append(chr(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)))
            high = 0
            continue
        if high:
            out.append(REPLACEMENT)
            lone += 1
            high = 0
        if 0xD800 <= code <= 0xDBFF:
            high = code
        elif 0xDC00 <= code <= 0xDFFF:
            out.append(REPLACEMENT)
            lone += 1
        else:
            out.append(ch)
    if high:
        out.append(REPLACEMENT)
        lone += 1
    return "".join(out), lone


def remembered(value):
    """True when the escaped form of str ``value`` is memoized: its text is clean (no lone surrogate),
    so escaping it again would give the same text and no warning."""
    return value in _MEMO


def escape(value):
    """``s.escape(value)``; raises ValueError for a lone surrogate, where JS throws URIError.

    A surrogate pair (two code points, as MicroPython's json makes them) is the one character JS
    sees: ``escape("\\ud83c\\udf89") == escape("🎉") == "%F0%9F%8E%89"``.
    """
    if type(value) is str:  # the common case, a value escaped before: one lookup, no more calls
        done = _MEMO.get(value)
        if done is not None:
            return done
    return _escape(value, None, None, True)


def escape_lenient(value, name=None, warn=None):
    """``escape`` for the track call: never raises; a lone surrogate is sent as U+FFFD (``%EF%BF%BD``).

    AppMeasurement.js throws URIError out of ``s.t()`` there; we send the hit instead, and call
    ``warn(message)`` once, naming the variable ``name``, when something was replaced.

    >>> escape_lenient("a\\ud800b", "pageName", print)
    AppMeasurement: pageName holds 1 lone UTF-16 surrogate (half a character); sent as U+FFFD
    'a%EF%BF%BDb'
    """
    if type(value) is str:
        done = _MEMO.get(value)
        if done is not None:
            return done
    return _escape(value, name, warn, False)


def _escape(value, name, warn, strict):
    text = _text_of(value)
    if text is None:
        return value
    out = _escape_text(text)
    if out is None:  # a surrogate code point: pairs become one character, lone ones U+FFFD
        whole, lone = combine_surrogates(text)
        if lone and strict:
            raise ValueError(
                "escape: lone UTF-16 surrogate in %r (JS encodeURIComponent throws URIError)" % (text[:80],)
            )
        if lone and warn is not None:
            warn(
                "AppMeasurement: %s holds %d lone UTF-16 surrogate%s (half a character); sent as U+FFFD"
                % (name or "a value", lone, "" if lone == 1 else "s")
            )
        out = _escape_text(whole)
    return out


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

"""JavaScript value semantics for the tracker: truthiness, ``String(value)`` and UTF-16 lengths.

AppMeasurement.js decides what is sent with JS truthiness and turns values into text with JS
``String()``; its length limits (255 for pageURL and hiers, 128 for the ActivityMap link, ...) count
UTF-16 code units.  Python differs on all three (``[]`` is falsy, ``str(1.0)`` is ``"1.0"``,
``len("🎉")`` is 1), so the tracker goes through this module whenever the difference could show on
the wire.  Pure Python: runs in CPython, Pyodide and MicroPython (where ``bool`` is not an ``int``).

    >>> js_string(100.0), js_string(1e21), js_string(True), js_string(0.1 + 0.2)
    ('100', '1e+21', 'true', '0.30000000000000004')
    >>> js_truthy(0), js_truthy("0"), js_truthy([])
    (False, True, True)
    >>> utf16_len("a🎉"), utf16_slice("a🎉b", 0, 3)
    (3, 'a🎉')
"""

import math

_INF = float("inf")


def js_truthy(value):
    """``Boolean(value)`` in JS: None, False, 0, NaN and "" are falsy; containers are truthy."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return len(value) > 0
    if isinstance(value, int):
        return value != 0
    if isinstance(value, float):
        return value == value and value != 0.0
    return True


def js_string(value, _seen=None):
    """``String(value)`` in JS for the values a tracker variable can hold; never raises.

    Where JS would throw or Python cannot convert (an object whose ``__str__`` raises, an int over
    CPython's 4,300-digit ``str`` limit, a list that contains itself), the result is still text:
    ``"[object Object]"``, every digit, and "" for the repeated list (as ``Array.prototype.join``).
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        # A Python int is exact: shown in full, as the number the caller wrote.
        try:
            return str(value)
        except ValueError:
            return _long_int_string(value)
    if isinstance(value, float):
        return js_number_string(value)
    if isinstance(value, (list, tuple)):
        # Array.prototype.join(","): null/undefined entries become empty strings, and so does an
        # array met again inside itself.
        seen = _seen or []
        for other in seen:
            if other is value:
                return ""
        seen.append(value)
        text = ",".join("" if item is None else js_string(item, seen) for item in value)
        seen.pop()
        return text
    try:
        if isinstance(value, dict) or (hasattr(value, "keys") and hasattr(value, "items")):
            return "[object Object]"
        text = str(value)
        if isinstance(text, str):
            return text
    except Exception:
        pass
    return "[object Object]"


def _long_int_string(value):
    # CPython refuses str() of ints over 4,300 digits (MicroPython has no limit): 1,000 at a time.
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    chunks = []
    while value:
        value, rest = divmod(value, 10**1000)
        chunks.append(rest)
    text = str(chunks.pop())
    while chunks:
        text += "%01000d" % chunks.pop()
    return sign + text


def _pow10_ratio(n):
    """10**n as an exact fraction (numerator, denominator)."""
    if n >= 0:
        return 10**n, 1
    return 1, 10 ** (-n)


def _shortest_digits(x):
    """Shortest decimal digits D and exponent n with x == D * 10**(n - len(D)) after rounding.

    Exact integer arithmetic (no reliance on the platform's float formatting, which is not
    round-trip in MicroPython): for k = 1..17 try the k-digit decimals on either side of x and keep
    those within half an ulp of x (ties resolve to x when its mantissa is even).
    """
    m, e = math.frexp(x)  # x = m * 2**e, 0.5 <= m < 1, and m * 2**53 is an integer
    mant = int(m * 9007199254740992.0)
    exp2 = e - 53
    # x = num / den exactly.
    if exp2 >= 0:
        num, den = mant << exp2, 1
    else:
        num, den = mant, 1 << (-exp2)
    # Gap to the neighbouring doubles: 2**ulp_exp above, half that below a power of two.
    ulp_exp = exp2 if exp2 > -1074 else -1074
    lower_half = mant == (1 << 52) and exp2 > -1074
    mant_even = (mant >> (ulp_exp - exp2)) % 2 == 0
    # n: the decimal exponent with 10**(n-1) <= x < 10**n.
    n = int(math.floor(math.log10(x))) + 1
    while True:
        a, b = _pow10_ratio(n)
        if num * b >= a * den:
            n += 1
            continue
        a, b = _pow10_ratio(n - 1)
        if num * b < a * den:
            n -= 1
            continue
        break
    for k in range(1, 18):
        q = n - k
        a, b = _pow10_ratio(q)  # 10**q = a / b
        # The k-digit decimals just below and above x; keep those that read back as x, then the
        # closest (ties: the even one), as Number::toString requires.
        floor_digits = (num * b) // (den * a)
        best = None
        for raw in (floor_digits, floor_digits + 1):
            diff = raw * a * den - num * b  # (candidate - x) * b * den
            above = diff > 0
            dist = -diff if diff < 0 else diff
            half_exp = ulp_exp - 1
            if not above and lower_half:
                half_exp -= 1
            if half_exp >= 0:
                lhs, rhs = dist, (1 << half_exp) * b * den
            else:
                lhs, rhs = dist << (-half_exp), b * den
            fits = lhs < rhs or (lhs == rhs and mant_even)
            if fits and (best is None or dist < best[1] or (dist == best[1] and raw % 2 == 0)):
                best = (raw, dist)
        if best is not None:
            raw = best[0]
            digits, nn = raw, n
            if raw >= 10**k:
                digits, nn = raw // 10, n + 1
            text = str(digits)
            return text.rstrip("0") or "0", nn
    text = repr(x)  # unreachable for finite doubles: 17 digits always round-trip
    return text, n


def js_number_string(x):
    """Number::toString(x) from ECMA-262: shortest round-trip digits and JS's exponent rules."""
    if x != x:
        return "NaN"
    if x == _INF:
        return "Infinity"
    if x == -_INF:
        return "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number_string(-x)
    digits, n = _shortest_digits(x)
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    exp = n - 1
    sign = "+" if exp >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return mantissa + "e" + sign + str(abs(exp))


def utf16_len(s):
    """``s.length`` in JS: astral characters count twice."""
    n = len(s)
    try:
        if len(s.encode()) == n:  # ASCII (a byte per character): no loop, e.g. for every hit's pageURL
            return n
    except UnicodeError:  # a lone surrogate (CPython will not encode it): counted below
        pass
    for ch in s:
        if ord(ch) > 0xFFFF:
            n += 1
    return n


def _split_astral(ch):
    o = ord(ch) - 0x10000
    return chr(0xD800 + (o >> 10)), chr(0xDC00 + (o & 0x3FF))


def utf16_slice(s, start, end=None):
    """``s.substring(start, end)`` in JS, counting UTF-16 code units.

    A cut through an astral character leaves a lone surrogate, as in JS; escaping it then fails
    as encodeURIComponent does.
    """
    total = utf16_len(s)
    if end is None or end > total:
        end = total
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if start > end:
        start, end = end, start
    if total == len(s):
        return s[start:end]
    out = []
    pos = 0
    for ch in s:
        if pos >= end:
            break
        width = 2 if ord(ch) > 0xFFFF else 1
        if pos >= start and pos + width <= end:
            out.append(ch)
        elif width == 2 and pos + 2 > start and pos < end:
            high, low = _split_astral(ch)
            if start <= pos < end:
                out.append(high)
            if start <= pos + 1 < end:
                out.append(low)
        pos += width
    return "".join(out)


def utf16_sort_key(s):
    """Key that sorts strings like JS ``Array.prototype.sort`` (by UTF-16 code units)."""
    key = []
    for ch in s:
        o = ord(ch)
        if o > 0xFFFF:
            o -= 0x10000
            key.append(0xD800 + (o >> 10))
            key.append(0xDC00 + (o & 0x3FF))
        else:
            key.append(o)
    return key


# JS whitespace (\s plus U+180E, as ActivityMap's patterns list it): parseInt skips it, ActivityMap
# trims and collapses it.
JS_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def parse_int(value):
    """JS ``parseInt(value)`` (base 10, or 16 with 0x); None for NaN.

    >>> parse_int(" 42px"), parse_int("0x1f"), parse_int("-7"), parse_int("abc")
    (42, 31, -7, None)
    """
    text = js_string(value)
    i = 0
    n = len(text)
    while i < n and text[i] in JS_SPACE:
        i += 1
    sign = 1
    if i < n and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    base, digits = 10, "0123456789"
    if text[i : i + 2] in ("0x", "0X"):
        base, digits = 16, "0123456789abcdef"
        i += 2
    result = None
    while i < n and text[i].lower() in digits:
        result = (result or 0) * base + digits.index(text[i].lower())
        i += 1
    return None if result is None else sign * result


def to_number(value):
    """JS ``Number(value)`` for the values a sampling rate can have; None for NaN.

    >>> to_number("12.5"), to_number(True), to_number(""), to_number("x")
    (12.5, 1, 0, None)
    """
    if value is True:
        return 1
    if value is False or value is None:
        return 0
    if isinstance(value, (int, float)):
        return value
    text = js_string(value).strip()
    if not text:
        return 0
    try:
        return float(text)
    except ValueError:
        return None


def loose_nonzero(value):
    """JS ``value != 0``: null/undefined are "not 0" there, as is anything NaN.

    >>> loose_nonzero(None), loose_nonzero("0"), loose_nonzero(0), loose_nonzero("x")
    (True, False, False, True)
    """
    if value is None:
        return True
    number = to_number(value)
    return number is None or number != 0

"""s.escape / s.unescape against their definition, and JS String(number) formatting."""

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appmeasurement.escaping import decode_uri_component, escape, legacy_unescape, unescape
from appmeasurement.jsvalues import js_number_string, js_string, js_truthy, utf16_len, utf16_slice

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
HEX = set("0123456789ABCDEF")

# Hypothesis' default text excludes lone surrogates: JS strings from real input have none either.
texts = st.text(min_size=1)


def reference_escape(text):
    # encodeURIComponent + ~!*()'  ==  quote() with only -_. safe (quote keeps "~" itself).
    return urllib.parse.quote(text, safe="-_.", encoding="utf-8").replace("~", "%7E")


@given(texts)
def test_escape_matches_quote_with_only_unreserved_safe(text):
    assert escape(text) == reference_escape(text)


@given(texts)
def test_escape_round_trips_through_unescape_and_unquote(text):
    escaped = escape(text)
    assert decode_uri_component(escaped) == text
    assert urllib.parse.unquote(escaped, errors="strict") == text
    if "+" not in text:
        assert unescape(escaped) == text


@given(texts)
def test_escape_output_is_unreserved_characters_and_percent_triplets(text):
    escaped = escape(text)
    i = 0
    while i < len(escaped):
        if escaped[i] == "%":
            assert set(escaped[i + 1 : i + 3]) <= HEX and len(escaped[i + 1 : i + 3]) == 2
            i += 3
        else:
            assert escaped[i] in UNRESERVED
            i += 1


@given(st.text())
def test_escape_is_idempotent_only_on_unreserved_text(text):
    assert (escape(escape(text)) == escape(text)) == (not text or set(text) <= UNRESERVED)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a b  c", "a%20b%20%20c"),
        ("a+b", "a%2Bb"),
        ("f(x)='y'~!*", "f%28x%29%3D%27y%27%7E%21%2A"),
        ("a&b=c%d", "a%26b%3Dc%25d"),
        ("%20", "%2520"),
        ("caf\u00e9 \u00df", "caf%C3%A9%20%C3%9F"),
        ("\u4e2d\U0001f389", "%E4%B8%AD%F0%9F%8E%89"),
        ("\x00\x1f\x7f", "%00%1F%7F"),
        ("AZaz09-_.", "AZaz09-_."),
        (5, "5"),
        (-3, "-3"),
        (1e21, "1e%2B21"),
        (True, "true"),
        ("0", "0"),
        (" ", "%20"),
    ],
    ids=[
        "spaces",
        "plus",
        "js-extra-reserved",
        "amp-equals-percent",
        "already-encoded-again",
        "latin1",
        "cjk-and-emoji",
        "controls",
        "unreserved",
        "int",
        "negative-int",
        "exponent",
        "true",
        "string-zero",
        "single-space",
    ],
)
def test_escape_table(value, expected):
    assert escape(value) == expected


@pytest.mark.parametrize(
    "value", [0, 0.0, "", None, False, float("nan")], ids=["0", "0.0", "empty", "None", "False", "NaN"]
)
def test_escape_returns_falsy_values_unchanged(value):
    result = escape(value)
    assert result is value or (result != result and value != value)
    assert not js_truthy(value)


def test_escape_refuses_a_lone_surrogate_like_encodeuricomponent():
    with pytest.raises(ValueError, match="surrogate"):
        escape("a" + utf16_slice("\U0001f389", 0, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a%20b+c%26d", "a b c&d"),
        ("%E9t%C3%A9", "\u00e9t\u00c3\u00a9"),  # malformed UTF-8: legacy unescape decodes each byte
        ("100%", "100%"),
        ("%u4E2D", "\u4e2d"),
        ("", ""),
    ],
    ids=["plus-and-percent", "legacy-fallback", "lone-percent", "percent-u", "empty"],
)
def test_unescape_table(value, expected):
    assert unescape(value) == expected


def test_legacy_unescape_leaves_bad_sequences():
    assert legacy_unescape("%zz%4") == "%zz%4"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (100.0, "100"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (0.1, "0.1"),
        (0.30000000000000004, "0.30000000000000004"),
        (12345678901234567890.0, "12345678901234567000"),
        (1.5e300, "1.5e+300"),
        (5e-324, "5e-324"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (float("nan"), "NaN"),
        (123.456, "123.456"),
        (2**53 + 0.0, "9007199254740992"),
    ],
    ids=lambda v: repr(v) if isinstance(v, float) else None,
)
def test_js_number_formatting(number, text):
    assert js_number_string(number) == text
    assert js_string(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_formatting_is_shortest_round_trip(number):
    text = js_number_string(number)
    assert float(text) == number
    digits = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    expected = repr(abs(number)).split("e")[0].replace(".", "").strip("0")
    assert digits == expected or number == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (12345678901234567890, "12345678901234567890"),
        (True, "true"),
        (False, "false"),
        ([1, None, "a"], "1,,a"),
        ({}, "[object Object]"),
    ],
    ids=["int", "big-python-int-exact", "true", "false", "list-joined", "object"],
)
def test_js_string_of_other_values(value, text):
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("x" * 300, 300),
        ("\u00e9\u4e2d", 2),
        ("\U0001f389", 2),
        ("a\U0001f389b", 4),
        ("a\ud800b", 3),
        ("\udc00\U0001f389", 3),
    ],
    ids=["empty", "ascii", "long-ascii", "bmp", "astral", "mixed", "lone-surrogate", "lone-then-astral"],
)
def test_utf16_len(text, units):
    assert utf16_len(text) == units
    assert len(text.encode("utf-16-le", "surrogatepass")) // 2 == units


@given(st.text(), st.integers(0, 40), st.integers(0, 40))
def test_utf16_slice_matches_utf16_code_units(text, start, end):
    units = text.encode("utf-16-le", "surrogatepass")
    lo, hi = sorted((min(start, len(units) // 2), min(end, len(units) // 2)))
    expected = units[2 * lo : 2 * hi].decode("utf-16-le", "surrogatepass")
    assert utf16_slice(text, start, end) == expected


def test_the_written_out_ascii_table_is_the_escape_rule():
    from appmeasurement.escaping import _ASCII_TABLE

    expected = [chr(code) if chr(code) in UNRESERVED else "%%%02X" % code for code in range(128)]
    wrong = [(code, got, want) for code, (got, want) in enumerate(zip(_ASCII_TABLE, expected)) if got != want]
    assert len(_ASCII_TABLE) == 128 and not wrong, (
        f"(code, table, rule): {wrong[:5]}; {len(_ASCII_TABLE)} entries"
    )

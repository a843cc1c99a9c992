"""JavaScript ``Date`` arithmetic in pure Python: calendar fields, ``toUTCString`` and its inverse.

AppMeasurement writes cookie expiry dates with ``Date.toUTCString()`` and sends the local time as
``t=``; the tracker computes both from epoch milliseconds without ``datetime`` (MicroPython has
none). Proleptic Gregorian calendar, exact integer arithmetic, any epoch (negative too).

    >>> utc_string(1795327810000)
    'Sun, 22 Nov 2026 06:10:10 GMT'
    >>> parse_utc_string('Sun, 22 Nov 2026 06:10:10 GMT')
    1795327810000
    >>> local_fields(1795327810000, -120)  # UTC+2: (day, month0, year, h, m, s, weekday, offset)
    (22, 10, 2026, 8, 10, 10, 0, -120)
    >>> days_from_civil(1970, 1, 2)
    1
"""

import math

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def civil_from_days(days):
    """(year, month 1-12, day) for days since 1970-01-01 (proleptic Gregorian)."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def days_from_civil(year, month, day):
    """Days since 1970-01-01 for a proleptic Gregorian date (month 1-12; overflowing days roll on)."""
    y = year - (1 if month <= 2 else 0)
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def local_fields(now_ms, tz_offset_minutes=0):
    """An environment's ``local_time()`` tuple for an epoch-ms instant and a fixed JS timezone offset.

    (day, month0, year, hours, minutes, seconds, weekday, tz_offset_minutes): what ``new Date()``'s
    getDate, getMonth, getFullYear, getHours, getMinutes, getSeconds, getDay, getTimezoneOffset give.
    """
    local_ms = now_ms - tz_offset_minutes * 60000
    days = local_ms // 86400000
    ms_of_day = local_ms - days * 86400000
    year, month, day = civil_from_days(days)
    seconds_of_day = ms_of_day // 1000
    weekday = (days + 4) % 7  # 1970-01-01 was a Thursday
    return (
        day,
        month - 1,
        year,
        seconds_of_day // 3600,
        (seconds_of_day // 60) % 60,
        seconds_of_day % 60,
        weekday,
        tz_offset_minutes,
    )


_LAST_UTC = [None, None]  # (second, text): cookie expiries repeat within a second


def utc_string(ms):
    """JS ``new Date(ms).toUTCString()``: "Sun, 22 Nov 2026 06:10:10 GMT"."""
    ms = int(math.floor(ms))
    second = ms // 1000
    if _LAST_UTC[0] == second:
        return _LAST_UTC[1]
    day, month0, year, hours, minutes, seconds, weekday, _ = local_fields(ms, 0)
    _LAST_UTC[0] = second
    _LAST_UTC[1] = text = "%s, %02d %s %d %02d:%02d:%02d GMT" % (
        _DAYS[weekday],
        day,
        _MONTHS[month0],
        year,
        hours,
        minutes,
        seconds,
    )
    return text


def parse_utc_string(text):
    """Epoch ms of a "Sun, 22 Nov 2026 06:10:10 GMT" string (0 when unreadable)."""
    parts = text.replace(",", " ").split()
    try:
        day = int(parts[1])
        month = _MONTHS.index(parts[2]) + 1
        year = int(parts[3])
        hms = [int(p) for p in parts[4].split(":")]
    except (ValueError, IndexError):
        return 0
    return (days_from_civil(year, month, day) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000


def in_two_years_ms(local_time, now_ms):
    """AppMeasurement's default cookie expiry: the same local date and time two years on, in epoch ms.

    JS: ``d = new Date(); d.setYear(d.getYear() + 2 + 1900)``; ``local_time`` is the environment's
    ``local_time()`` tuple taken at ``now_ms``.
    """
    day, month0, year, hours, minutes, seconds, _weekday, offset = local_time
    days = days_from_civil(year + 2, month0 + 1, day)
    local = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return (local + offset * 60) * 1000 + now_ms % 1000

"""Dates as departments write them, and the calendar arithmetic of publicity periods."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

# Excel's day zero (its 1900 leap-year bug makes serials count from 1899-12-30).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (20000, 80000)  # 1954 … 2119: anything else is not a plausible decision date

_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_TAIL = re.compile(r"[ T]?\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")


class DateError(ValueError):
    pass


def parse_date(value: object) -> dt.date:
    """A date from the forms departments use: 2024-03-05, 2024/3/5, 2024年3月5日, 20240305, Excel serials."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
    return _parse_text(str(value).strip())


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> dt.date:
    bare = _TIME_TAIL.sub("", text).strip()
    match = _YMD.fullmatch(bare) or _COMPACT.fullmatch(bare)
    try:
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if re.fullmatch(r"\d{5}(\.\d+)?", bare):
            return _from_serial(float(bare))
    except ValueError:
        pass
    raise DateError(text)


def _from_serial(serial: float) -> dt.date:
    if not (_SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]):
        raise DateError(str(serial))
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_datetime(value: object) -> str:
    """A timestamp kept as sortable ISO text (date, or date and time)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    text = str(value).strip()
    match = re.match(r"(.+?)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if match:
        day = parse_date(match.group(1))
        h, m, s = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
        if h > 23 or m > 59 or s > 59:
            raise DateError(text)
        return f"{day.isoformat()} {h:02d}:{m:02d}:{s:02d}"
    if re.fullmatch(r"\d{14}", text):
        day = parse_date(text[:8])
        return f"{day.isoformat()} {text[8:10]}:{text[10:12]}:{text[12:14]}"
    return parse_date(value).isoformat() + " 00:00:00"


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later; the 31st becomes the month's last day (2024-02-29 + 12 → 2025-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")

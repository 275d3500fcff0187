"""How departments write values: dates in their styles, amounts in wan yuan and in capital
numerals; and calendar-month arithmetic."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capital_section(n: int) -> str:
    out, zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10 ** power % 10
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _CAPITAL_DIGITS[digit] + unit
            zero = False
    return out


def capital_yuan(n: int) -> str:
    """An amount in 大写 as written in decisions: 3500 → 叁仟伍佰, 20500 → 贰万零伍佰."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    out = _capital_section(high) + "万" if high else ""
    if low:
        out += ("零" if high and low < 1000 else "") + _capital_section(low)
    return out


def decimal_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wan(yuan: int | Decimal) -> Decimal:
    return (Decimal(yuan) / 10000).quantize(Decimal("0.000001")).normalize()


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def format_date(d: date, style: str) -> str:
    """A date as departments write it: iso 2024-03-05, slash 2024/3/5, cn 2024年3月5日, compact 20240305."""
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "cn":
        return cn_date(d)
    if style == "compact":
        return d.strftime("%Y%m%d")
    return d.isoformat()


def excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    day = min(d.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                      31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return date(year, month, day)

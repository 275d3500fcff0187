"""Fine amounts read from decision text (罚款人民币3.5万元, 罚款3500元, 罚款叁仟元), in 万元."""
from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
           "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_CN_NUM = "零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿"

# 罚款 followed (within a few characters such as 人民币, 计) by an amount and its unit.
_FINE = re.compile(
    r"罚款(?:人民币|金额|共计|计|合计|[:：\s])*"
    r"(?:(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|万|元)"
    r"|(?P<cn>[" + _CN_NUM + r"]+)\s*(?P<cnunit>元|圆))"
)


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral such as 叁仟, 一万五千, 十二 (None when malformed)."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        elif ch in _BIG:
            section += digit or 0
            total += section * _BIG[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def fine_from_text(text: str | None) -> float | None:
    """The largest fine named in the text, in 万元 (None when no amount is found)."""
    if not text or "罚款" not in text:
        return None
    best: float | None = None
    for match in _FINE.finditer(text):
        if match.group("num"):
            value = float(match.group("num").replace(",", ""))
            wan = value if match.group("unit").startswith("万") else value / 10_000
        else:
            amount = chinese_number(match.group("cn"))
            if amount is None:
                continue
            wan = amount / 10_000
        best = wan if best is None else max(best, wan)
    return best

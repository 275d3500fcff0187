"""Identification numbers with valid check characters (USCC, organisation code, business
registration number, ID number, bank card), mobile numbers, and the ways departments write them.
"""
from __future__ import annotations

import random
from datetime import date

from redaction.checkdigits import (
    USCC_ALPHABET,
    id18_check_char,
    is_valid_id18,
    luhn_valid,
    uscc_check_char,
)

from .formats import FULLWIDTH_DIGITS

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body8: str) -> str:
    """GB 11714-1997 check character of an organisation code."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def reg_no_check(body14: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 15-digit 工商注册号."""
    p = 10
    for c in body14:
        s = (p + int(c)) % 10 or 10
        p = s * 2 % 11
    return str((11 - p) % 10)


def make_uscc(rng: random.Random, head: str, division: str) -> str:
    """A USCC (GB 32100-2015) whose positions 9–17 are a valid organisation code (GB 11714)."""
    while True:
        if rng.random() < 0.4:  # codes issued after 2015 start MA…
            body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        else:
            body = f"{rng.randrange(10 ** 8):08d}"
        first17 = head + division + body + org_code_check(body)
        check = uscc_check_char(first17)
        if check is None:  # None only for symbols outside the alphabet
            raise ValueError(f"not USCC symbols: head {head!r}, division {division!r}")
        code = first17 + check
        # ~1 in 31 valid ID numbers passes the USCC check, and the other way round: a USCC that
        # reads as an ID would be masked outside a USCC field, so a sample never issues one.
        if not is_valid_id18(code):
            return code


def make_id18(rng: random.Random, division: str, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{division}{birth:%Y%m%d}{seq:03d}"
    return body + id18_check_char(body)


def make_id15(rng: random.Random, division: str, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return f"{division}{birth:%y%m%d}{seq:03d}"


def make_bank_card(rng: random.Random) -> str:
    prefix = rng.choice(("622202", "621700", "622848", "621661", "622588", "623058"))
    length = rng.choice((16, 19, 19, 17))
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def make_mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "137", "150", "152", "158", "159", "177",
                       "180", "186", "189", "191", "199")) + f"{rng.randrange(10 ** 8):08d}"


# Chinese numerals as people write a number in words (一三八…), and as a reader says it (幺三八…,
# 0 as 零, 1 as 幺).
CHINESE_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")
SPOKEN_NUMERALS = str.maketrans("0123456789", "零幺二三四五六七八九")


def format_id(number: str, style: str) -> str:
    """An 18-digit ID number as departments write it (a legacy 15-digit one is written plainly);
    "appended": with two digits after it (a 残疾人证号, an old 税务登记号), drawn from the number
    itself so that no random number is used."""
    if len(number) != 18:
        return number
    if style == "spaced":
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    if style == "grouped":
        return " ".join(number[i:i + 4] for i in range(0, 18, 4))
    if style == "dots":
        return f"{number[:6]}.{number[6:14]}.{number[14:]}"
    if style == "line_break":  # a cell's text wrapped inside the number
        return f"{number[:10]}\n{number[10:]}"
    if style == "appended":
        return number + f"{int(number[11:16]) % 100:02d}"
    if style == "chinese":
        return number.translate(CHINESE_NUMERALS)
    return number


def format_phone(number: str, style: str) -> str:
    if style == "dash":
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == "intl":
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    if style == "space":
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == "fullwidth":
        return number.translate(FULLWIDTH_DIGITS)
    if style == "dots":
        return f"{number[:3]}.{number[3:7]}.{number[7:]}"
    if style == "line_break":
        return f"{number[:7]}\n{number[7:]}"
    if style == "chinese":
        return number.translate(CHINESE_NUMERALS)
    if style == "spoken":
        return number.translate(SPOKEN_NUMERALS)
    return number


PHONE_STYLES = ("plain", "plain", "dash", "intl", "space", "fullwidth")
# The same and the writings of issue 13 (dots, a line break, Chinese numerals): for a person's
# details, remarks and licence contents (a driver's phone keeps the former, so that each of its
# writings stays common enough for tests/test_sample_truth.py).
PHONE_WRITINGS = PHONE_STYLES + ("dots", "line_break", "chinese", "spoken")
ID_STYLES = ("plain", "plain", "plain", "plain", "spaced", "grouped", "dots", "line_break", "appended", "chinese")

"""Check-digit arithmetic for the identifiers we must recognise.

Shared by the detectors, the validators and the scanner: this is the only code the scanner
shares with the detectors (the scanner is an independent second line of defence).
"""
from __future__ import annotations

from functools import lru_cache

import datetime as _dt
from operator import mul as _mul

# GB 32100-2015: 31 symbols, no I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11643-1999.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str | None:
    """The 18th character a USCC with these 17 leading characters must have (None if invalid)."""
    total = 0
    for ch, weight in zip(first17, _USCC_WEIGHTS):
        value = _USCC_VALUE.get(ch)
        if value is None:
            return None
        total += value * weight
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str | None) -> bool:
    """True when `code` is 18 symbols of the USCC alphabet with a correct check character."""
    if not code or len(code) != 18:
        return False
    return _uscc_valid(code)


@lru_cache(maxsize=1 << 16)
def _uscc_valid(code: str) -> bool:
    # Cached: the same codes (authorities, departments, repeat subjects) recur on every row.
    return uscc_check_char(code[:17]) == code[17]


def id18_check_char(first17: str) -> str:
    """The check character of an 18-character resident ID number (digits only expected)."""
    total = sum(map(_mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def is_valid_id18(number: str | None) -> bool:
    """Structure, a real birth date and the check digit; never the division code (DOMAIN.md)."""
    if not number or len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not (1900 <= year <= 2100) or not _real_date(year, month, day):
        return False
    return id18_check_char(number[:17]) == number[17].upper()


def is_valid_id15(number: str | None) -> bool:
    """Legacy 15-digit ID: digits only with a real 19yy birth date (it has no check digit)."""
    if not number or len(number) != 15 or not number.isascii() or not number.isdigit():
        return False
    return _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def is_valid_id(number: str | None) -> bool:
    """True for a valid 18-digit or legacy 15-digit resident ID number."""
    if not number:
        return False
    return is_valid_id18(number) if len(number) == 18 else is_valid_id15(number)


def luhn_valid(digits: str) -> bool:
    """Luhn check used by bank card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if d < 0 or d > 9:
            return False
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0

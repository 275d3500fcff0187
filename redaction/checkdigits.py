"""Check-digit arithmetic for the identifiers we must recognise.

Shared by the detectors, the validators and the scanner: these are the only rules the scanner
shares with the detectors (the scanner is an independent second line of defence).
"""
from __future__ import annotations

from operator import mul as _mul

from .memo import memoized

# GB 32100-2015: 31 symbols, no I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11643-1999.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str | None:
    """The 18th character a USCC with these 17 leading characters must have (None if invalid)."""
    try:
        total = sum(map(_mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    except KeyError:  # a symbol outside the alphabet
        return None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str | None) -> bool:
    """True when `code` is 18 symbols of the USCC alphabet with a correct check character."""
    if not code or len(code) != 18:
        return False
    return _uscc_valid(code)


@memoized(1 << 16)  # the same codes (authorities, departments, repeat subjects) recur on every row
def _uscc_valid(code: str) -> bool:
    return uscc_check_char(code[:17]) == code[17]


def id18_check_char(first17: str) -> str:
    """The check character of an 18-character resident ID number (digits only expected)."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The weights are 2**(17 - i) mod 11, and 13 = 2 (mod 11): the weighted sum is twice
        # the digits read as a base-13 number, mod 11 (one C call instead of 17 products).
        return _ID_CHECK[2 * int(first17, 13) % 11]
    total = sum(map(_mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


# Every MMDD of a leap year, as written in an ID number (0229 needs a leap year: _leap).
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_DAY = frozenset(f"{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, _MONTH_DAYS[m] + 1))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def is_valid_id18(number: str | None) -> bool:
    """Structure, a real birth date and the check digit; never the division code (DOMAIN.md)."""
    if not number or len(number) != 18:
        return False
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit()):
        return False
    year = number[6:10]
    month_day = number[10:14]
    if not ("1900" <= year <= "2100") or month_day not in _MONTH_DAY or (month_day == "0229" and not _leap(int(year))):
        return False
    return _ID_CHECK[2 * int(first17, 13) % 11] == number[17].upper()  # see id18_check_char


def is_valid_id15(number: str | None) -> bool:
    """Legacy 15-digit ID: digits only with a real 19yy birth date (it has no check digit)."""
    if not number or len(number) != 15 or not number.isascii() or not number.isdigit():
        return False
    month_day = number[8:12]
    return month_day in _MONTH_DAY and (month_day != "0229" or _leap(1900 + int(number[6:8])))


def is_valid_id(number: str | None) -> bool:
    """True for a valid 18-digit or legacy 15-digit resident ID number."""
    if not number:
        return False
    return is_valid_id18(number) if len(number) == 18 else is_valid_id15(number)


# Every second digit from the right doubled, and 9 taken off above 9: 5 → 1, 9 → 9.
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def luhn_valid(digits: str) -> bool:
    """Luhn check used by bank card numbers."""
    if digits.isascii() and digits.isdigit():
        raw = digits.encode("ascii")
        return (sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_LUHN_DOUBLED)) - 48 * len(raw)) % 10 == 0
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

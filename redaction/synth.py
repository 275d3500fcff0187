"""Invented identifiers with valid check digits, for tests and the evaluation corpus.

Nothing here is a real person's or organisation's number: the digits are made up and only
the check characters are computed (GB 11643-1999, GB 32100-2015, Luhn).
"""
from __future__ import annotations

import random

from .checkdigits import USCC_ALPHABET, id18_check_char, luhn_valid, uscc_check_char


def make_id18(division: str = "360203", birth: str = "19900101", sequence: str = "123") -> str:
    """An 18-character resident ID number with the right check character (GB 11643-1999)."""
    first17 = division + birth + sequence
    return first17 + id18_check_char(first17)


def make_id15(division: str = "360203", birth: str = "650304", sequence: str = "123") -> str:
    """A legacy 15-digit ID number (6-digit division, yymmdd birth date, 3-digit sequence)."""
    return division + birth + sequence


def make_uscc(first17: str = "91360203MA35ABCD1") -> str:
    """A USCC with the right check character (GB 32100-2015)."""
    check = uscc_check_char(first17)
    if check is None:  # None only for symbols outside the alphabet
        raise ValueError(f"not USCC symbols: {first17!r}")
    return first17 + check


def make_card(prefix: str = "622202", length: int = 19, body: str | None = None) -> str:
    """A Luhn-valid card number starting with `prefix`."""
    body = body if body is not None else "1234567890123456789"
    partial = (prefix + body)[: length - 1]
    for last in "0123456789":
        if luhn_valid(partial + last):
            return partial + last
    raise AssertionError("unreachable: one check digit always fits")


def random_id18(rng: random.Random) -> str:
    """A random valid 18-digit ID number (any division digits, a real birth date)."""
    division = f"{rng.randint(11, 65)}{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}"
    year = rng.randint(1940, 2005)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    return make_id18(division, f"{year}{month:02d}{day:02d}", f"{rng.randint(0, 999):03d}")


def random_id15(rng: random.Random) -> str:
    """A random legacy 15-digit ID number with a real 19yy birth date."""
    division = f"{rng.randint(11, 65)}{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}"
    birth = f"{rng.randint(40, 89)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return make_id15(division, birth, f"{rng.randint(0, 999):03d}")


def random_uscc(rng: random.Random, all_digits: bool = False) -> str:
    """A random valid USCC (registration 9, type 1 or 2, a division, an organisation code)."""
    symbols = "0123456789" if all_digits else USCC_ALPHABET
    division = f"36{rng.randint(1, 11):02d}{rng.randint(0, 30):02d}"
    body = "".join(rng.choice(symbols) for _ in range(9))
    return make_uscc(f"9{rng.choice('12')}{division}{body}")


def random_card(rng: random.Random) -> str:
    """A random Luhn-valid card number: UnionPay 62…, 16 or 19 digits."""
    length = rng.choice((16, 19))
    body = "".join(str(rng.randint(0, 9)) for _ in range(length))
    return make_card("62" + rng.choice(("2202", "2848", "1700", "2588", "1483")), length, body)


def random_mobile(rng: random.Random) -> str:
    """A random mobile number 1[3-9]x xxxx xxxx."""
    return "1" + rng.choice("3456789") + "".join(str(rng.randint(0, 9)) for _ in range(9))

"""Report numbers and verification codes: easy to read aloud, never sequential.

- A report number is the issue day and 8 symbols, `20261124-K7QF-3WXM`: 31⁸ ≈ 8.5 × 10¹¹
  numbers a day, so a number says nothing about how many reports were issued.
- A verification code is 6 symbols (31⁶ ≈ 8.9 × 10⁸), always from `secrets`; the registry
  keeps only its keyed hash.
- The alphabet is the 31 symbols left when 0, O, 1, I and L are taken out of digits and
  letters: none can be mistaken for another when read aloud or copied by hand.

The symbols of a number come from a `SymbolSource` (anything with `choice`, e.g.
`random.Random(seed)`), `secrets` by default, so that a test can make two issuers draw the
same number and see the registry's unique key turn one of them to another number.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Sequence
from typing import Protocol

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_SYMBOLS = 8
CODE_SYMBOLS = 6
_NOISE = re.compile(r"[\s\-_‐‑‒–—―·.]+")
_NUMBER = re.compile(rf"(\d{{8}})([{ALPHABET}]{{{NUMBER_SYMBOLS}}})")
_CODE = re.compile(rf"[{ALPHABET}]{{{CODE_SYMBOLS}}}")

assert len(ALPHABET) == 31 and not set("0O1IL") & set(ALPHABET)


class SymbolSource(Protocol):
    def choice(self, seq: Sequence[str], /) -> str: ...


class _Secrets:
    def choice(self, seq: Sequence[str], /) -> str:
        return secrets.choice(seq)


SECRETS: SymbolSource = _Secrets()


def new_report_no(day: dt.date, source: SymbolSource | None = None) -> str:
    """`YYYYMMDD-XXXX-XXXX` for the issue day."""
    source = source or SECRETS
    symbols = "".join(source.choice(ALPHABET) for _ in range(NUMBER_SYMBOLS))
    return f"{day:%Y%m%d}-{symbols[:4]}-{symbols[4:]}"


def new_code() -> str:
    """A verification code: 6 symbols from `secrets` (never from a seeded source)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS))


def _folded(text: object) -> str:
    if not isinstance(text, str) or len(text) > 64:
        return ""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()


def normalise_report_no(text: object) -> str | None:
    """A number as people type it (lower case, spaces, full-width, dashes or none) in its
    written form, or None when it cannot be one (a wrong date, a symbol outside the alphabet)."""
    match = _NUMBER.fullmatch(_folded(text))
    if not match:
        return None
    day, symbols = match.groups()
    try:
        dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return f"{day}-{symbols[:4]}-{symbols[4:]}"


def normalise_code(text: object) -> str | None:
    """A code as people type it, upper case without spaces or dashes; None when it cannot be one."""
    code = _folded(text)
    return code if _CODE.fullmatch(code) else None


def report_day(report_no: str) -> dt.date:
    """The issue day a (normalised) number carries."""
    return dt.date(int(report_no[:4]), int(report_no[4:6]), int(report_no[6:8]))

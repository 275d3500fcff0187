"""Operators: spans in, masked text out. Nothing outside a span is touched.

DOMAIN.md "Personal information and trade secrets": name masked (张*, 欧阳*), ID number never
shown, phone masked (138****5678), address reduced to the district; declared trade secrets
removed wherever they appear.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .detectors import _CN_DIGITS, _CN_TO_ASCII, _DOTS, to_ascii
from .names import mask_person_name
from .native import frozen_reduce
from .particulars import mask_birth_date, mask_plate
from .spans import Span, resolve

__all__ = ["DEFAULT_MASKS", "Masks", "mask", "mask_person_name", "mask_phone"]


@dataclass(frozen=True, slots=True)
class Masks:
    """What each kind of span is replaced by (names and phones keep a readable part)."""

    id_number: str = "［身份证号已隐藏］"
    bank_card: str = "［银行卡号已隐藏］"
    email: str = "［电子邮箱已隐藏］"
    document_number: str = "［证件号码已隐藏］"
    account: str = "［账号已隐藏］"
    bank_account: str = "［银行账号已隐藏］"
    secret: str = "［商业秘密，不予公开］"
    address: str = "***"
    phone_fill: str = "*"

    def __reduce__(self) -> tuple:
        return frozen_reduce(self)


DEFAULT_MASKS = Masks()


def mask_phone(number: str, fill: str = "*", keep_digits: bool = True) -> str:
    """138****5678 for a mobile; the area code and a fill per digit for a landline.

    DOMAIN.md: phone masked (138****5678). A landline keeps its area code only
    (0791-*******, (0798)*******), a local number without one nothing (*******). A number in
    Chinese numerals keeps its digits as written (一三八****八〇〇〇). keep_digits=False:
    every digit filled (mask() does so when the number touches other digits, whose neighbours
    the kept digits would become).
    """
    plain = number if number.isascii() else to_ascii(number)
    chinese = not plain.isascii() and not _CN_DIGITS.isdisjoint(plain)
    if chinese:
        plain = plain.translate(_CN_TO_ASCII)
    if not keep_digits:
        return "".join(fill if c.isdigit() else c for c in plain)
    digits = "".join(filter(str.isdigit, plain))
    if len(digits) == 11 and digits[0] == "1":
        if chinese:
            written = [c for c, p in zip(number, plain, strict=True) if p.isdigit()]
            return "".join(written[:3]) + fill * 4 + "".join(written[-4:])
        return digits[:3] + fill * 4 + digits[-4:]
    if digits[:1] != "0" and len(digits) <= 8:
        return "".join(fill if c.isdigit() else c for c in plain)  # no area code: nothing kept
    close = max(plain.find(")"), plain.find("\uff09"))
    if plain[:1] in "(\uff08" and close > 0:
        head = number[: close + 1]
    else:
        sep = next((i for i, c in enumerate(plain) if not c.isdigit()), -1)
        if 3 <= sep <= 4:
            head = number[: sep + 1]
        else:
            area = 3 if digits[1:2] in ("1", "2") else 4
            head = number[:area]
    rest = zip(number[len(head) :], plain[len(head) :], strict=True)
    return head + "".join(fill if p.isdigit() else c for c, p in rest)


# (Chinese numerals need not be here: a run of them holds one kind of digit only, and every
# numeral next to one is part of it.)
_DIGIT_LIKE = frozenset("0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")
_SEPARATORS = frozenset(" -\t\r\n\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d" + _DOTS)


# A country code before a phone number is no neighbouring number: +86 138…, 0086-138….
_COUNTRY_CODE_BEFORE = re.compile(
    "(?:^|[^0-9\uff10-\uff19])(?:[+\uff0b]|00|\uff10\uff10)?[8\uff18][6\uff16][ \\-\u3000\uff0d]?$"
)


def _touches_digits(text: str, start: int, end: int) -> bool:
    """True when a digit sits next to [start, end), directly or across one separator."""
    after = text[end : end + 2]
    if (after[:1] in _DIGIT_LIKE and after[:1] != "") or (
        len(after) == 2 and after[0] in _SEPARATORS and after[1] in _DIGIT_LIKE
    ):
        return True
    before = text[max(0, start - 2) : start]
    if (before[-1:] in _DIGIT_LIKE and before[-1:] != "") or (
        len(before) == 2 and before[1] in _SEPARATORS and before[0] in _DIGIT_LIKE
    ):
        # A country code before it is no neighbouring number.
        return not _COUNTRY_CODE_BEFORE.search(text, max(0, start - 8), start)
    return False


def mask(text: str, spans: Sequence[Span], masks: Masks = DEFAULT_MASKS) -> str:
    """`text` with every span replaced by its mask; the text between spans is kept as is."""
    if not spans:
        return text
    return apply_masks(text, resolve(spans), masks)


def _fixed(masks: Masks) -> dict[str, str]:
    return {
        "address": masks.address, "id_number": masks.id_number, "bank_card": masks.bank_card,
        "email": masks.email, "secret": masks.secret, "document_number": masks.document_number,
        "account": masks.account, "bank_account": masks.bank_account,
    }


_DEFAULT_FIXED = _fixed(DEFAULT_MASKS)


def apply_masks(text: str, spans: Sequence[tuple], masks: Masks = DEFAULT_MASKS) -> str:
    """`mask` for spans that are already non-overlapping and sorted (resolve's output)."""
    fixed = _DEFAULT_FIXED if masks is DEFAULT_MASKS else _fixed(masks)
    out = []
    pos = 0
    for start, end, kind, _ in spans:
        out.append(text[pos:start])
        replacement = fixed.get(kind)
        if replacement is None:
            if kind == "person_name":
                replacement = mask_person_name(text[start:end])
            elif kind == "birth_date":
                replacement = mask_birth_date(text[start:end])
            elif kind == "plate":
                replacement = mask_plate(text[start:end])
            elif kind == "phone":
                # The digits a masked phone keeps would join the digits next to it into a
                # new number (…86-151****…): then hide them all.
                replacement = mask_phone(text[start:end], masks.phone_fill, not _touches_digits(text, start, end))
            else:
                raise ValueError(f"unknown span kind: {kind!r}")
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)

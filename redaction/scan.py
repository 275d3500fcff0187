"""The second line of defence: find personal numbers in any text or in a whole SQLite file.

Independent of the detectors on purpose: it shares only the check-digit arithmetic
(checkdigits.py) with them and has its own patterns, so one bug does not blind both. It looks
for what must never be published (CONTRACT.md "Build outputs"): resident ID numbers
(GB 11643-1999, 18 digits with a valid check character, or 15 with a real birth date), mobile
phone numbers, Luhn-valid bank card numbers (16–19 digits) and e-mail addresses, in the usual
writings (spaces, hyphens, line breaks or dots between groups of three digits or more inside,
full-width digits, Chinese numerals 〇一二…九 with 零 and 幺, +86 / 0086, an ID with one or two
digits appended).
"""
from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .checkdigits import is_valid_id15, is_valid_id18, is_valid_uscc, luhn_valid
from .lexicon import lexicon
from .memo import Memo
from .names import COMPOUND_SURNAMES, SINGLE_SURNAMES
from .native import frozen_reduce

__all__ = ["KIND_CODES", "Finding", "find_in_text", "find_in_text_remembered", "is_uscc_column", "scan_database"]


@dataclass(frozen=True)
class Finding:
    """One thing found in a database: where, what kind, and an excerpt that hides most of it."""

    table: str
    column: str
    rowid: int | None
    kind: str
    excerpt: str

    def __reduce__(self) -> tuple:
        return frozen_reduce(self)


# Stable codes for what the per-record check reports (check.py).
KIND_CODES = {
    "id_number": "id_number_in_output",
    "phone": "phone_in_output",
    "bank_card": "card_in_output",
    "email": "email_in_output",
    "person_name": "person_name_in_output",
    "document_number": "document_number_in_output",
    "account": "account_in_output",
    "birth_date": "birth_date_in_output",
    "plate": "plate_in_output",
}

# Full-width digits and the separators people type between digits, as ASCII, one for one (a
# line break stays one: "\r\n" is two characters, and the patterns below take it as one
# separator).
_FOLD = {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
_FOLD.update({"\uff38": "X", "\uff58": "x", "\u3000": " ", "\u00a0": " ", "\t": " ", "\uff0d": "-", "\u2212": "-",
              "\ufe63": "-"})
_FOLD.update({chr(c): "-" for c in range(0x2010, 0x2016)})
_FOLD_TABLE = str.maketrans(_FOLD)
_FOLDABLE = re.compile("[" + "".join(sorted(_FOLD)) + "]")
# Chinese numerals as digits: 〇, ○ and 零 are 0, 一 and 幺 1 (as a reader says it)…
_NUMERALS = "〇○零一幺二三四五六七八九"
_NUMERAL_VALUES = "0001123456789"
_NUMERAL_TABLE = str.maketrans({**_FOLD, **dict(zip(_NUMERALS, _NUMERAL_VALUES, strict=True))})
# …but not beside a word that counts (一百二十, 三千), where they write a quantity.
_COUNTING = frozenset("十百千万亿两拾佰仟萬億兩")
# A dot is a separator between two groups of three digits or more (138.0013.8000), never in a
# date (2026.03.12), an amount (12.5万元) or an enumeration (1.2.3).
_DOT_CHARS = ".\uff0e\u00b7\u30fb"
_JOINING_DOT = re.compile(f"(?<=[0-9]{{3}})[{_DOT_CHARS}](?=[0-9]{{3}})")
_GAPS = " \\-\t\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d"


def _digit_run(d: str) -> str:
    """A run of 11+ digits of the class d with one separator allowed between two of them."""
    joint = rf"(?:[{_GAPS}]|\r\n|\r|\n|(?<=[{d}][{d}][{d}])[{_DOT_CHARS}](?=[{d}][{d}][{d}]))"
    return (
        rf"(?=[{d}{_GAPS}{_DOT_CHARS}\r\n]{{10}})(?:[{d}]|{joint}[{d}]){{10,}}"
        rf"(?:(?:[{_GAPS}]|\r\n|\r|\n)?[Xx\uff38\uff58])?"
    )


# A run of 11+ digit-likes (ASCII and full-width digits, or Chinese numerals: never both), found
# in the text as written. (The lookahead finds nothing more or less: ten more digits or
# separators must follow the first digit. It lets the engine drop a date or an amount in one
# step.)
_WIDE_DIGITS = "0-9\uff10-\uff19"
_RUN = re.compile(
    f"[{_WIDE_DIGITS}{_NUMERALS}]"
    f"(?:(?<=[{_WIDE_DIGITS}]){_digit_run(_WIDE_DIGITS)}|(?<=[{_NUMERALS}]){_digit_run(_NUMERALS)})"
)
_LATIN = "A-Za-z\uff21-\uff3a\uff41-\uff5a"
_SEPARATOR = r"(?:[ \-\r\n]|\r\n)"  # a space or hyphen (folded), or a line break

# Every start position is tried (a lookahead captures), so numbers written next to each
# other ("13812345678 13912345678") are all found. Each pattern consumes the first digit
# (group 1; the number is group 1 + group 2) so the regex engine can skip to digits.
_ID18 = re.compile(rf"([0-9])(?<![0-9][0-9])(?=((?:{_SEPARATOR}?[0-9]){{16}}{_SEPARATOR}?[0-9Xx])(?![0-9]))")
_ID15 = re.compile(rf"([0-9])(?<![0-9][0-9])(?=((?:{_SEPARATOR}?[0-9]){{14}})(?![0-9Xx]))")
_MOBILE = re.compile(
    rf"(?<![0-9])((?:\+?86|0086){_SEPARATOR}?)?(1{_SEPARATOR}?[3-9](?:{_SEPARATOR}?[0-9]){{9}})(?![0-9])"
)
_MOBILE_HINT = re.compile(rf"1{_SEPARATOR}?[3-9]")
# An ID number with one or two digits appended, in one block (残疾人证号, an old 税务登记号).
_ID_APPENDED = re.compile(r"(?<![0-9])([0-9]{18})[0-9]{1,2}(?![0-9])")
_CARDS = tuple(
    re.compile(rf"([3-69])(?<![0-9{_LATIN}][3-69])(?=((?:{_SEPARATOR}?[0-9]){{{n - 1}}})(?![0-9]))")
    for n in range(16, 20)
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@\uff20][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_USCC_LABEL = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|纳税人识别号|統一社會信用代碼|納稅人識別號)[）)]?[：:\s]*(?:为|是|為)?[：:\s]*$"
)


def _digits(s: str) -> str:
    return s.replace(" ", "").replace("-", "").replace("\r", "").replace("\n", "")


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a"


def _labelled_uscc(text: str, start: int, digits: str) -> bool:
    """A valid USCC right after its label (统一社会信用代码：…) is the subject's code, not an ID."""
    return (
        len(digits) == 18
        and is_valid_uscc(digits.upper())
        and _USCC_LABEL.search(text, max(0, start - 24), start) is not None
    )


def find_in_text(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every ID number, mobile phone, bank card and e-mail in `text`.

    kind is "id_number", "phone", "bank_card" or "email". A valid USCC right after its label
    is not reported.
    """
    if not text:
        return []
    found: dict[tuple[int, int], str] = {}
    for run in _RUN.finditer(text):
        digits = run.group()
        if digits[0] in _NUMERALS:
            # Chinese numerals: the run alone (digits beside it are other characters), unless a
            # counting word stands beside it.
            lo, end = run.span()
            if (lo and text[lo - 1] in _COUNTING) or text[end : end + 1] in _COUNTING:
                continue
            digits = window = digits.translate(_NUMERAL_TABLE)
        else:
            # The patterns are tried only around a run of 11+ digit-likes: six characters
            # before it (a +86 prefix, a letter) and one after (for the right-hand lookaheads).
            lo = max(0, run.start() - 6)
            window = text[lo : run.end() + 1]
            if not window.isascii() and _FOLDABLE.search(window):
                window = window.translate(_FOLD_TABLE)
        # (a dot that joins two groups stands inside the run)
        if "." in digits or (not digits.isascii() and ("．" in digits or "·" in digits or "・" in digits)):
            window = _JOINING_DOT.sub(" ", window)
        x_tail = digits[-1] in "Xx\uff38\uff58"
        body = digits[:-1] if x_tail else digits
        if body.isdigit():  # one block of digits (and perhaps an X): no separator
            _find_numbers(text, window, lo, len(body), found, x_tail, True)
        elif _IN_FOURS.fullmatch(digits.translate(_FOLD_TABLE)):
            _find_in_fours(text, window, lo, run.start(), sum(map(str.isdigit, digits)), found, x_tail)
        else:
            _find_numbers(text, window, lo, sum(map(str.isdigit, digits)), found, x_tail)
    if "@" in text or "\uff20" in text:
        for m in _EMAIL.finditer(text):
            found[(m.start(), m.end())] = "email"
    _find_names(text, found)
    _find_particulars(text, found)
    return sorted([(a, b, kind) for (a, b), kind in found.items()]) if found else []


# A run written in fours (1503 0212 0904 4711 302: an account, a card) is one number: read from
# its first digit only, but for an 18-digit ID (its check character), wherever it starts.
_IN_FOURS = re.compile(r"[0-9]{4}(?:[ \-][0-9]{4}){2,}[ \-][0-9]{1,4}")


def _find_in_fours(
    text: str, window: str, lo: int, start: int, size: int, found: dict[tuple[int, int], str], x_tail: bool
) -> None:
    """_find_numbers for a run written in fours that starts at `start` (text offset)."""
    here: dict[tuple[int, int], str] = {}
    if size >= 18 or (size == 17 and x_tail):
        _find_id18(text, window, lo, here)
    at_start: dict[tuple[int, int], str] = {}
    if size >= 15:
        _find_id15(window, lo, at_start)
    if _MOBILE_HINT.search(window):
        _find_mobiles(window, lo, at_start)
    here.update((k, v) for k, v in at_start.items() if k[0] == start and k not in here)
    cards: dict[tuple[int, int], str] = dict(here)
    _find_cards(text, window, lo, cards, _CARDS[: max(0, size - 15)])
    here.update((k, v) for k, v in cards.items() if k[0] == start and k not in here)
    for key, kind in here.items():
        found.setdefault(key, kind)


def _find_numbers(
    text: str, window: str, lo: int, size: int, found: dict[tuple[int, int], str], x_tail: bool = True,
    block: bool = False,
) -> None:
    """Numbers in `window` (text[lo:…] with ASCII digits), added to `found` in text offsets.

    `size` is how many digits the run holds (x_tail: and it ends in an X): patterns longer
    than that are not tried. block: the run is one block of digits (no separator; an X right
    after may end it). Every pattern then matches only at the block's first digit (a digit
    before another is no start) and only a block of exactly its length (a digit after its
    end is no end): the others are not tried either.
    """
    if block:
        if size == 18 or (size == 17 and x_tail):
            _find_id18(text, window, lo, found)
        if size == 15 and not x_tail:
            _find_id15(window, lo, found)
        if size in (11, 13, 15):  # a mobile number, after 86 or 0086
            _find_mobiles(window, lo, found)
        if size in (19, 20):
            _find_id_appended(window, lo, found)
        if 16 <= size <= 19:
            _find_cards(text, window, lo, found, _CARDS[size - 16 : size - 15])
        return
    if size >= 18 or (size == 17 and x_tail):
        _find_id18(text, window, lo, found)
    if size >= 15:
        _find_id15(window, lo, found)
    if _MOBILE_HINT.search(window):  # every mobile number holds 1[3-9]
        _find_mobiles(window, lo, found)
    if size >= 19:
        _find_id_appended(window, lo, found)
    _find_cards(text, window, lo, found, _CARDS[: max(0, size - 15)])  # a card of n digits needs n digits


def _find_id18(text: str, window: str, lo: int, found: dict) -> None:
    # (17 digits and a check character: only a run holds them)
    for m in _ID18.finditer(window):
        digits = _digits(m.group(1) + m.group(2))
        if is_valid_id18(digits) and not _labelled_uscc(text, lo + m.start(1), digits):
            found[(lo + m.start(1), lo + m.end(2))] = "id_number"


def _find_id_appended(window: str, lo: int, found: dict) -> None:
    for m in _ID_APPENDED.finditer(window):
        if is_valid_id18(m.group(1)):
            found[(lo + m.start(), lo + m.end())] = "id_number"


def _find_id15(window: str, lo: int, found: dict) -> None:
    for m in _ID15.finditer(window):
        digits = _digits(m.group(1) + m.group(2))
        # No division code starts with 0 (and a 0086-prefixed phone is 15 digits too).
        if digits[0] != "0" and is_valid_id15(digits):
            found.setdefault((lo + m.start(1), lo + m.end(2)), "id_number")


def _find_mobiles(window: str, lo: int, found: dict) -> None:
    for m in _MOBILE.finditer(window):
        start = m.start(1) if m.group(1) else m.start(2)
        if start > 0 and _is_latin(window[start - 1]):
            continue  # after a letter: part of a code such as a licence number
        found.setdefault((lo + m.start(2), lo + m.end(2)), "phone")


def _find_cards(
    text: str, window: str, lo: int, found: dict[tuple[int, int], str], patterns: Iterable[re.Pattern]
) -> None:
    for pattern in patterns:
        for m in pattern.finditer(window):
            written = m.group(1) + m.group(2)
            digits = _digits(written)
            if not _is_card(digits, written):
                continue
            end = m.end(2)
            after = window[end : end + 1]
            token = window[m.start(1) : m.start(1) + 19]
            if (
                len(written) < 18
                and after
                and _is_latin(after)
                and is_valid_uscc(token[:18])
                and not _is_latin(token[18:])
            ):
                continue  # the digits that start a USCC (…7818X2), not a card
            a, b = lo + m.start(1), lo + end
            if _document_number(text, a, b):
                continue  # a traffic decision's 16 digits, a licence's number
            if not any(x <= a < y or x < b <= y for x, y in found):
                found[(a, b)] = "bank_card"


# The labels of a document's number (not a person's document: 身份证号, 驾驶证号; not a bare
# 编号), by their last characters (决定书编号 as 书编号: a name masked before it may have taken
# its first), and the number inside a decision number (…〔2024〕4420001234567890号): digits that
# stand there are that document's number, not a card.
_DOCUMENT_WORDS = [
    *(head + tail for head in "书照件" for tail in ("编号", "文号", "号")),
    "证编号", "可证号", "记证号", "可编号", "可号", "文号", "册号", "记号", "案号", "批号", "次号", "案编号",
]
_TRADITIONAL = str.maketrans("书证记编号册", "書證記編號冊")
_DOCUMENT_BEFORE = re.compile(
    "(?:" + "|".join(sorted({*_DOCUMENT_WORDS, *(w.translate(_TRADITIONAL) for w in _DOCUMENT_WORDS)},
                            key=len, reverse=True))
    + r")[）)：: \t\u3000为是為]*$"  # (and what may stand between a label and its number)
)


def _document_number(text: str, a: int, b: int) -> bool:
    """True when the digits at [a, b) of text stand where a document's number does."""
    if a > 0 and text[a - 1] in "〕]］第" and text[b : b + 1] == "号":
        return True
    before = text[max(0, a - 16) : a]
    return ("号" in before or "號" in before) and _DOCUMENT_BEFORE.search(before) is not None


# Issuer prefixes of bank cards: Visa 4, domestic 9, JCB 35, MasterCard 51-55, Discover 60 and
# 65, UnionPay 62.
_CARD_ISSUER = re.compile(r"4|9|35|5[1-5]|6[025]")
_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def _is_card(digits: str, written: str) -> bool:
    """Luhn-valid, an issuer's prefix, written as cards are (one block, fours, or 6 + rest);
    not an all-digit USCC nor an 18-digit number with a birth-date-like date (permit numbers)."""
    if not _CARD_ISSUER.match(digits) or not luhn_valid(digits):
        return False
    if len(digits) == 18 and (is_valid_uscc(digits) or _DATE.fullmatch(digits[6:14])):
        return False
    # (a line break is where a line ended, not a block's end)
    blocks = [len(b) for b in re.split(r"[ -]", written.replace("\r", "").replace("\n", ""))]
    return len(blocks) == 1 or (len(blocks) == 2 and blocks[0] == 6) or (
        set(blocks[:-1]) == {4} and blocks[-1] <= 4
    )


# --------------------------------------------------------------------------------------------
# Names of natural persons after a role word. The role words, the words that are no name, the
# pseudonyms and titles are the detectors' data (lexicon.py), the surnames names.py's; the
# matching is the scanner's own, and stricter than the detectors': a name here is a surname
# and one or two characters right after a role word (and what may stand between them), ending
# at a punctuation mark, a title or the end of the text (当事人张三，…; 经办人：李四。). A masked
# name (张*), a pseudonym (张某), a surname with a title (张先生), a place (黄山区), a number or
# time (于十月) or a word of not_names.yml (当事人陈述，) is none.
_NAME_ENDS = "，。；;,、（(）)！？!?：:“”\"'》】」』\\s"
_NOT_GIVEN_FIRST = frozenset(
    "的了在于与及或并而但因被将把对从到等所以也都就还又再已未不没无些每各本该此这那们当今次年月日某"
)
_PLACE_ENDS = frozenset("省市区县镇乡村旗盟")
_COUNTED = frozenset("一二三四五六七八九十两零〇百千")


class _NamePatterns:
    """The scanner's name pattern and word sets, from the lexicon."""

    def __init__(self) -> None:
        lex = lexicon()
        self.roles = frozenset(lex.role_words)
        self.longest_role = max(map(len, self.roles))
        self.not_names = lex.not_names
        self.safe = tuple(lex.pseudonyms) + tuple(lex.titles)
        surnames = "".join(sorted(SINGLE_SURNAMES))
        compound = "|".join(sorted(COMPOUND_SURNAMES, key=len, reverse=True))
        last = re.escape("".join(sorted({w[-1] for w in self.roles})))
        titles = "|".join(re.escape(t) for t in lex.titles)
        # The last character of a role word (which one, Python checks), what may stand
        # between it and the name, the name (group 1), and what ends it.
        self.pattern = re.compile(
            f"[{last}](?:[（(【〔][\u4e00-\u9fff]{{1,8}}[）)】〕])?[：:\\s\\-—–－~“\"「『‘'（(【]*"
            f"(?:(?:为|是|系|為|係)[：:\\s“\"「『（(]*)?((?:{compound}|[{surnames}])[\u4e00-\u9fff]{{1,2}})"
            f"(?=[{_NAME_ENDS}]|{titles}|$)"
        )

    def role_before(self, text: str, end: int) -> bool:
        return any(text[end - n : end] in self.roles for n in range(2, min(self.longest_role, end) + 1))

    def is_name(self, name: str) -> bool:
        given = name[2:] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[1:]
        if name[:2] in self.not_names or name in self.not_names or given.startswith(self.safe):
            return False
        if given[0] in _NOT_GIVEN_FIRST or (given[0] in _COUNTED and len(given) > 1) or "某" in given:
            return False
        return not (len(name) >= 3 and name[-1] in _PLACE_ENDS)


_NAMES: list[_NamePatterns] = []  # built at the first text that needs it


def _find_names(text: str, found: dict[tuple[int, int], str]) -> None:
    """Names of natural persons right after a role word, added to `found`."""
    if not _NAMES:
        _NAMES.append(_NamePatterns())
    patterns = _NAMES[0]
    for m in patterns.pattern.finditer(text):
        if patterns.role_before(text, m.start() + 1) and patterns.is_name(m.group(1)):
            found.setdefault((m.start(1), m.end(1)), "person_name")


# --- Particulars ------------------------------------------------------------------------------
# Identity documents, WeChat and QQ ids after their label, full birth dates, plates: the
# scanner's own patterns, stricter than particulars.py's (a document number is letters then
# digits, an account a plain id; a bank account is the detectors' alone: whose it is, the
# treasury's or a person's, takes the words around it).
_PARTICULAR_PATTERNS = (
    ("document_number", ("照", "证", "證"), re.compile(
        r"(?:护照|護照|通行证|通行證|台胞证|台胞證|回乡证|回鄉證|居住证|居住證|(?<!许可)证件(?=号|號)|(?<!許可)證件(?=号|號))"
        r"(?:号码|號碼|号|號)?[（(]?(?:号码|號碼|号|號)?"
        r"[：:\s]*(?:为|是)?[：:\s]*([A-Za-z]{0,2}[0-9]{6,12})(?![A-Za-z0-9])")),
    ("account", ("信", "Q", "q", "抖音"), re.compile(
        r"(?:微信|抖音|(?i:qq))(?:号码|號碼|号|號)?[：:\s]*(?:为|是)?[：:\s]*([A-Za-z][A-Za-z0-9_\-]{5,19}|[0-9]{5,11})"
        r"(?![A-Za-z0-9_])")),
    ("birth_date", ("生",), re.compile(
        r"[0-9]{4}(?:年|[.\-/])([0-9]{1,2}(?:月|[.\-/])[0-9]{1,2})日?[）)]?(?:出生|生(?=[，,。；;）)\s]|$))")),
    ("birth_date", ("生",), re.compile(
        r"(?:出生日期|出生年月日|生日|出生于|生于)[：:\s]*[0-9]{4}(?:年|[.\-/])([0-9]{1,2}(?:月|[.\-/])[0-9]{1,2})")),
    ("plate", None, re.compile(
        "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·.\\s\\-]?"
        "((?=[A-Z]{0,4}[0-9])(?:[A-HJ-NP-Z0-9]{5}|[DF][0-9]{5}|[0-9]{5}[DF]))(?![A-Za-z0-9号])")),
)


_PLATE_HINT = re.compile("[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]")


def worth_searching(value: str, size: int) -> bool:
    """False for a value of fewer than 11 characters (`size`) that cannot hold anything
    find_in_text reports: no number fits in fewer than 11, an e-mail address in fewer than 6, a
    plate in fewer than 7 (赣H12345)."""
    if size < 6:
        return False
    if "@" in value or "\uff20" in value:
        return True
    return size >= 7 and _PLATE_HINT.search(value) is not None


def _find_particulars(text: str, found: dict[tuple[int, int], str]) -> None:
    """Identity documents, accounts, birth dates and plates, added to `found`."""
    for kind, hints, pattern in _PARTICULAR_PATTERNS:
        if hints is None or any(h in text for h in hints):
            for m in pattern.finditer(text):
                found.setdefault((m.start(1), m.end(1)), kind)


def is_uscc_column(name: str) -> bool:
    """A column that holds USCCs: `uscc`, `*_uscc`, or a Chinese header naming the code."""
    lowered = name.lower()
    return lowered == "uscc" or lowered.endswith("_uscc") or "统一社会信用代码" in name or "纳税人识别号" in name


# Columns the build fills with SHA-256 / HMAC-SHA-256 hex (publish/recordkeys.py): a run of
# digits inside a digest is not a phone number. Exempt only when the whole value is one.
DIGEST_COLUMNS = frozenset({"record_key", "digest"})
_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_digest(column: str, value: str) -> bool:
    return column in DIGEST_COLUMNS and _HEX64.fullmatch(value) is not None


def excerpt(text: str, start: int, end: int, width: int = 8) -> str:
    """Text around a finding with the finding itself mostly hidden (first 3, last 2 shown)."""
    hit = text[start:end]
    shown = hit[:3] + "*" * max(0, len(hit) - 5) + hit[-2:] if len(hit) > 5 else "*" * len(hit)
    return text[max(0, start - width) : start] + shown + text[end : end + width]


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= 10**10 else None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) >= 1e10 else None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return None


def _column_names(con: sqlite3.Connection, table: str, names: list[str], virtual: set[str]) -> list[str]:
    """Column names as the data means them: an FTS content table's c0, c1… (or c0uscc) mapped
    back to the indexed columns' names, so a USCC column is known there too."""
    base = table[: -len("_content")] if table.endswith("_content") else None
    if base and base in virtual:
        try:
            fts_columns = [r[1] for r in con.execute(f"PRAGMA table_info([{base}])")]
        except sqlite3.Error:
            fts_columns = []
        mapped = []
        for name in names:
            m = re.fullmatch(r"c(\d+)(.*)", name)
            if m and m.group(2):
                mapped.append(m.group(2))
            elif m and int(m.group(1)) < len(fts_columns):
                mapped.append(fts_columns[int(m.group(1))])
            else:
                mapped.append(name)
        return mapped
    return names


_FTS_INDEX_SUFFIXES = ("_data", "_idx", "_segments", "_segdir", "_stat", "_docsize", "_config")


def _is_fts_index(table: str, virtual: set[str]) -> bool:
    """True for the shadow tables where FTS3/4/5 keep their index (not the text itself)."""
    return any(table.endswith(suffix) and table[: -len(suffix)] in virtual for suffix in _FTS_INDEX_SUFFIXES)


def _rows(
    con: sqlite3.Connection, table: str, rowids: tuple[int, int] | None = None
) -> tuple[bool, list[str], sqlite3.Cursor]:
    """(whether the rows start with a rowid, column names, cursor) for every row of a table
    (with rowids in [first, last] when `rowids` is given)."""
    quoted = table.replace("]", "]]")
    try:
        if rowids is None:
            cur = con.execute(f"SELECT rowid, * FROM [{quoted}]")
        else:
            cur = con.execute(f"SELECT rowid, * FROM [{quoted}] WHERE rowid BETWEEN ? AND ?", rowids)
        return True, [d[0] for d in cur.description][1:], cur
    except sqlite3.OperationalError:
        if rowids is not None:
            raise
        cur = con.execute(f"SELECT * FROM [{quoted}]")
        return False, [d[0] for d in cur.description], cur


# What find_in_text found in the short values (codes, dates, names, categories: they recur
# across rows; memo.py). Longer texts are searched every time.
_FOUND_SIZE = 1 << 14
_FOUND: Memo[str, list] = Memo(_FOUND_SIZE)
SHORT = 80


def find_in_text_remembered(text: str) -> list[tuple[int, int, str]]:
    """find_in_text(text), remembered for texts of up to SHORT characters."""
    if len(text) > SHORT:
        return find_in_text(text)
    found = _FOUND.get(text)
    if found is None:
        found = _FOUND.remember(text, find_in_text(text))
    return found


# Tables of at least this many rows are read by several processes at once, each a range of
# rowids (the findings are put back in rowid order: the result is the same).
PARALLEL_ROWS = 200_000


def _workers(workers: int | None) -> int:
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1  # a daemonic process may not start others
    if workers is None:
        workers = int(os.environ.get("REDACTION_SCAN_WORKERS", "0")) or min(4, os.cpu_count() or 1)
    return max(1, workers)


def scan_database(path: str | Path, workers: int | None = None) -> list[Finding]:
    """Every ID number, phone, card or e-mail in any text of any table of a SQLite file.

    Read-only. Shadow tables of full-text indexes (…_fts_content, …_fts_data) and virtual
    tables are read like any other; a table that cannot be read is reported as kind
    "unreadable" (an unread table is not a clean one). A valid USCC is exempt where it stands
    alone in a USCC column or right after its label.

    workers: processes reading a big table (PARALLEL_ROWS rows or more) at once; by default
    the CPUs (at most 4), or REDACTION_SCAN_WORKERS. The findings do not depend on it.
    """
    uri = "file:" + quote(str(Path(path).resolve())) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    findings: list[Finding] = []
    workers = _workers(workers)
    try:
        masters = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = {name for name, sql in masters if sql and sql.lstrip().upper().startswith("CREATE VIRTUAL")}
        for table, _sql in masters:
            ranges = _rowid_ranges(con, table, virtual, workers) if workers > 1 else None
            if ranges:
                error = _scan_in_parallel(uri, table, virtual, ranges, workers, findings)
            else:
                error = _scan_table(con, table, virtual, findings)
            if error is not None:
                findings.append(Finding(table, "", None, "unreadable", f"无法读取该表：{error}"))
    finally:
        con.close()
    return findings


def _rowid_ranges(con: sqlite3.Connection, table: str, virtual: set[str], workers: int) -> list[tuple[int, int]] | None:
    """Rowid ranges to read a big ordinary table in, or None (read it in one go)."""
    if table in virtual:
        return None
    quoted = table.replace("]", "]]")
    try:
        first, last = con.execute(f"SELECT min(rowid), max(rowid) FROM [{quoted}]").fetchone()
    except sqlite3.Error:
        return None  # no rowid (or unreadable: the one-go read reports it)
    if first is None or last - first + 1 < PARALLEL_ROWS:
        return None
    parts = workers * 4
    step = -(-(last - first + 1) // parts)
    return [(lo, min(lo + step - 1, last)) for lo in range(first, last + 1, step)]


def _scan_in_parallel(
    uri: str, table: str, virtual: set[str], ranges: list[tuple[int, int]], workers: int, findings: list[Finding]
) -> str | None:
    """Reads `ranges` of `table` in worker processes; their findings in order, and the
    first error (as a one-go read would stop there)."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with context.Pool(workers) as pool:
        for part, error in pool.imap(_scan_range, [(uri, table, tuple(virtual), r) for r in ranges]):
            findings.extend(part)
            if error is not None:
                pool.terminate()
                return error
    return None


def _scan_range(job: tuple[str, str, tuple[str, ...], tuple[int, int]]) -> tuple[list[Finding], str | None]:
    uri, table, virtual, rowids = job
    con = sqlite3.connect(uri, uri=True)
    found: list[Finding] = []
    try:
        return found, _scan_table(con, table, set(virtual), found, rowids)
    finally:
        con.close()


def _scan_table(
    con: sqlite3.Connection,
    table: str,
    virtual: set[str],
    findings: list[Finding],
    rowids: tuple[int, int] | None = None,
) -> str | None:
    """Adds what one table (or the rows with rowids in `rowids`) holds to `findings`;
    returns the error that stopped the reading, if one did."""
    try:
        with_rowid, raw_names, rows = _rows(con, table, rowids)
        names = _column_names(con, table, raw_names, virtual)
        columns = [(name, is_uscc_column(name)) for name in names]
        # A full-text index's own data holds the indexed words of every column, USCC
        # columns included, without saying which: a valid USCC there is exempt.
        index_data = _is_fts_index(table, virtual)
        uscc_found: Memo[str, list] = Memo(_FOUND_SIZE)  # a USCC column's short values: nothing if valid
        for row in rows:
            values = iter(row)
            rowid = next(values) if with_rowid else None
            for (column, is_uscc), value in zip(columns, values, strict=True):
                if value is None:
                    continue
                kind = value.__class__
                if kind is str:
                    if len(value) == 64 and is_digest(column, value):
                        continue
                    # Most values need no search (worth_searching).
                    size = len(value)
                    if size < 11 and not worth_searching(value, size):
                        continue
                    text = value
                elif (kind is int or kind is float) and -1e10 < value < 1e10:
                    continue  # _as_text: no text
                else:
                    text = _as_text(value)
                    if not text:
                        continue
                    size = len(text)
                if size <= SHORT:
                    # Short values recur (codes, names, authorities): remembered.
                    if is_uscc:
                        found = uscc_found.get(text)
                        if found is None:
                            found = uscc_found.remember(
                                text, [] if is_valid_uscc(text.strip()) else find_in_text_remembered(text)
                            )
                    else:
                        found = _FOUND.get(text)
                        if found is None:
                            found = find_in_text_remembered(text)
                elif is_uscc and is_valid_uscc(text.strip()):
                    continue
                else:
                    found = find_in_text(text)
                for start, end, kind in found:
                    if index_data and is_valid_uscc(_digits(text[start:end]).upper()):
                        continue
                    findings.append(Finding(table, column, rowid, kind, excerpt(text, start, end)))
    except sqlite3.Error as exc:
        return str(exc)
    return None

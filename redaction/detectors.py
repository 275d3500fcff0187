"""Recognizers: a text and the record's context in, spans out (Presidio's recognizers, small).

Each recognizer is a function `text -> list[Span]`; `detect` runs them all and resolves
overlaps. Pure and deterministic: the build, the evaluation and the tests call the same code.

Numbers (ID, phone, card) are found in one pass: a compiled regex finds runs of at least
11 digits (ASCII or full-width; or Chinese numerals, 〇一二…九 with 零 and 幺 as readers say
them), with a separator allowed between two digits (a space or hyphen of any width, a line
break, or a dot between groups of three digits or more), and only those runs are looked at in
Python. Texts without such a run cost one regex search.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .checkdigits import is_valid_id15, is_valid_id18, is_valid_uscc, luhn_valid
from .memo import memoized
from .names import (
    ORG_SUFFIXES,
)
from .native import frozen_reduce

# (the district rule of an address is particulars.py's: it reduces addresses without a label too)
from .particulars import _STREET_LEVEL, _district_end, find_particulars
from .person_names import _SHORT_TEXTS as _NAMES_AT  # noqa: F401  (memo.clear_all's tests name it here)
from .person_names import find_person_names
from .spans import PRECEDENCE, Span, resolve


@dataclass(frozen=True, slots=True)
class Context:
    """What the record itself tells the detectors.

    personal_names: the record's own natural persons' names, raw (masked wherever they appear).
    secrets: declared trade-secret terms (the `商业秘密` column; removed wherever they appear).
    keep_whole: registered business names that stay whole even when they contain a person's
        name (张三水果店 contains 张三; DOMAIN.md "双公示").
    personal_numbers: the record's own ID numbers from never-published columns (masked
        wherever they appear as written there).
    """

    personal_names: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    keep_whole: tuple[str, ...] = ()
    personal_numbers: tuple[str, ...] = ()

    def __reduce__(self) -> tuple:
        return frozen_reduce(self)


EMPTY_CONTEXT = Context()

# --------------------------------------------------------------------------------------------
# Character classes. Full-width forms are translated one character for one, so offsets in
# the translated text are offsets in the original.
_DIGIT = "0-9\uff10-\uff19"
_SEP = " \\-\t\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d"
# Dots between digit groups (138.0013.8000, 360203.19900101.1231): a separator only between two
# groups of three digits or more, so dates (2026.03.12), amounts (1,234.56元, 12.5万元), decimal
# numbers and enumerations (1.2.3) are never joined into a number.
_DOTS = ".\uff0e\u00b7\u30fb"
# Chinese numerals for digits: 〇 (and ○, often typed for it) and 零 are 0, 幺 is 1 as readers
# say it. A run of them counts only as a whole (no 十, 百, 千, 万 beside it: 二〇二六年 and
# 一百二十 stay words).
_CN_DIGIT = "\u3007\u25cb\u96f6\u4e00\u5e7a\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d"  # 〇○零一幺二…九
_CN_DIGITS = frozenset(_CN_DIGIT)
_CN_TO_ASCII = str.maketrans(dict(zip(_CN_DIGIT, "0001123456789", strict=True)))
_CN_COUNTING = frozenset("十百千万亿两拾佰仟萬億兩")  # beside a run of numerals: a count, not digits
_TO_ASCII = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff38": "X", "\uff58": "x",
        "\u00a0": " ", "\u3000": " ",
        **{chr(c): "-" for c in range(0x2010, 0x2016)},
        "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
    }
)


# The same for the text of a number run, where every separator (dots, line breaks and tabs
# too) is a space or a hyphen.
_RUN_TO_ASCII = str.maketrans(
    {**{chr(k): v for k, v in _TO_ASCII.items()}, **dict.fromkeys(_DOTS + "\t\r\n", " ")}
)


def to_ascii(text: str) -> str:
    """Full-width digits, X and separators as ASCII; same length, so offsets still hold."""
    return text.translate(_TO_ASCII)


def _is_letter(ch: str) -> bool:
    """ASCII or full-width Latin letter: digits next to one belong to a code (JY1360…)."""
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("\uff21" <= ch <= "\uff3a") or ("\uff41" <= ch <= "\uff5a")


_LETTERS = frozenset(
    [chr(c) for r in ((0x61, 0x7A), (0x41, 0x5A), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)]
)


# --------------------------------------------------------------------------------------------
# Numbers: ID (GB 11643-1999), mobile and landline phones, bank cards (Luhn).

# A run of 11+ digits with a separator allowed between two of them. The pattern starts with a
# character class so the regex engine skips ahead fast; a run found this way always starts at
# its first digit.
#
# The lookahead changes nothing found (ten more digits or separators must follow the first
# digit) but lets the engine drop a date or an amount in one step. A digit is tried before a
# separator: most digits of a run are followed by another.
def _run_after_first(digit: str) -> str:
    joint = rf"(?:[{_SEP}]|\r\n?|\n|(?<=[{digit}]{{3}})[{_DOTS}](?=[{digit}]{{3}}))"
    return (
        rf"(?=[{digit}{_SEP}{_DOTS}\r\n]{{10}})(?:[{digit}]|{joint}[{digit}]){{10,}}"
        rf"(?:(?:[{_SEP}]|\r\n?|\n)?[Xx\uff38\uff58])?"
    )


_NUMBER_RUN = re.compile(rf"[{_DIGIT}]{_run_after_first(_DIGIT)}")
# The same in Chinese numerals (一三八〇〇一三八〇〇〇): a run holds one kind of digit only. Looked
# for only in a text where the scan below saw five numerals in a row (a separator between two
# allowed): 二〇二六年 has four, and most texts none.
_CN_NUMBER_RUN = re.compile(rf"[{_CN_DIGIT}]{_run_after_first(_CN_DIGIT)}")
_CN_FIVE = rf"(?<=[{_CN_DIGIT}])(?=(?:(?:[{_SEP}{_DOTS}]|\r\n?|\n)?[{_CN_DIGIT}]){{4}})"
# The runs in digits; or a bracket before a 0 (one character: where a bracketed area code may
# start); or the first digit of a shorter number right after the last character of a phone's
# label (电话8…, 座机：8…: a landline without its area code may start there); or the first of five
# Chinese numerals. One scan finds all four, and a run never holds a bracket.
_LABEL_LAST = "话話机機真"
_LABEL_GAP = "：: \u3000为是為"
# (A digit is asked once whether it is one, then for a run or a label before it: the bracket's
# and the numerals' branches, which cannot hold after a digit, are not tried for it.)
_NUMBER_RUN_OR_BRACKET = re.compile(
    rf"[{_DIGIT}{_CN_DIGIT}(\uff08](?:(?<=[{_DIGIT}])(?:{_run_after_first(_DIGIT)}"
    # (one look behind first, at the character before the digit: most digits stop there; 号码
    # as a whole, 代码：9… is no phone's)
    rf"|(?<=[{_LABEL_LAST}{_LABEL_GAP}码碼][2-9\uff12-\uff19])"
    rf"(?:(?<=[{_LABEL_LAST}][2-9\uff12-\uff19])|(?<=[{_LABEL_LAST}][{_LABEL_GAP}][2-9\uff12-\uff19])"
    rf"|(?<=号码[2-9\uff12-\uff19])|(?<=號碼[2-9\uff12-\uff19])"
    rf"|(?<=号码[{_LABEL_GAP}][2-9\uff12-\uff19])|(?<=號碼[{_LABEL_GAP}][2-9\uff12-\uff19])))"
    rf"|(?<=[(\uff08])(?=[0\uff10])|{_CN_FIVE})"
)
# A landline written with its area code in brackets: (0798)1234567, （0798）123 4567.
_PAREN_LANDLINE = re.compile(
    rf"[(\uff08][0\uff10][{_DIGIT}]{{2,3}}[)\uff09][{_SEP}]?[{_DIGIT}](?:[{_SEP}]?[{_DIGIT}]){{6,7}}(?![{_DIGIT}])"
)
_GROUP = re.compile(r"([0-9]+)(?:[ -]{0,2}[Xx])?")  # (a line break before the X: two spaces)
_PHONE_LABELS = frozenset({"tel", "mob", "mobile", "phone", "fax", "sms", "cell", "mp", "call"})
# Card number prefixes (issuer identification): Visa 4, MasterCard 51–55, JCB 35, UnionPay
# 62, Discover 60/65, domestic 9…. Division codes such as 36 (Jiangxi) are not among them.
_CARD_PREFIXES = frozenset({"35", "51", "52", "53", "54", "55", "60", "62", "65"})
_USCC_LABEL_BEFORE = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|纳税人识别号|統一社會信用代碼|納稅人識別號)"
    r"[）)]?[：:\s]*(?:为|是|為)?[：:\s]*$"
)
# Where a document's number stands: after its label (决定书编号：…, 许可证编号为…, 批号…; not
# after a person's document, 身份证号, 驾驶证号, nor a bare 编号) or inside a decision number
# (…〔2024〕4420001234567890号). A card or a landline there is that document's number (a traffic
# decision's 16 digits, a licence's 12 starting with 0); an ID is an ID anywhere (DOMAIN.md),
# and a mobile number stays one. A label is known by its last characters (书编号 of 决定书编号,
# 证书编号; 可证号 of 许可证号), so that it is still known when a name before it took its first.
_DOCUMENT_LABEL_BEFORE = re.compile(
    r"(?:[书書照件](?:编号|編號|文号|文號|号|號)|[证證](?:编号|編號)|[可记記][证證][号號]|[可](?:编号|編號|号|號)"
    r"|文号|文號|册号|冊號|记号|記號|案号|案號|批号|批號|次号|次號|案编号|案編號)$"
)
# A landline of 12 digits in one block (0798 and 8 digits, in digits or numerals) reads as one
# only after a phone's label: a licence number is often 12 digits starting with 0.
_PHONE_LABEL_BEFORE = re.compile(
    r"(?:电话|座机|固话|传真|手机|联系方式|热线|電話|座機|傳真|手機|聯繫方式|(?i:tel|phone|fax))(?:号码|號碼)?$"
)
# A landline without its area code, right after a phone's label (电话：8888888, 座机 88888888):
# the local number does not start with 0 or 1, and no digit follows it.
_LOCAL_LABELS = frozenset({"电话", "座机", "固话", "传真", "電話", "座機", "傳真"})
_LOCAL_LANDLINE = re.compile(
    rf"[2-9\uff12-\uff19](?:[{_SEP}]?[{_DIGIT}]){{6,7}}(?![{_SEP}{_DOTS}\r\n]?[{_DIGIT}]|\r\n[{_DIGIT}])"
)
# An extension after a phone number (0798-8888888转123, 分机 12, ext.12): part of the number.
_EXTENSION = re.compile(rf"(?:转|轉|分机|分機|(?i:ext)\.?)[{_SEP}]?[{_DIGIT}]{{1,5}}(?![{_DIGIT}])")


@memoized(8192)  # the same numbers recur: a person in many records
def _number_kind(d: str) -> tuple[str, int] | None:
    """What a digit string (no separators) is: (kind, where the number starts) or None.

    ID first (check digit and a real birth date, GB 11643-1999; never the division code,
    DOMAIN.md), then phones, then Luhn-valid cards, then landlines.
    """
    n = len(d)
    if n < 10:
        return None
    if n == 18 and is_valid_id18(d):
        return ("id_number", 0)
    if not d[-1].isdigit():
        return None
    # A legacy 15-digit number has a date as its only check: one that starts with 0 (no
    # division code does) is not taken for one (0086 13…: a phone).
    if n == 15 and d[0] != "0" and is_valid_id15(d):
        return ("id_number", 0)
    if n == 11 and d[0] == "1" and d[1] in "3456789":
        return ("phone", 0)
    if n == 13 and d[:3] in ("861",) and d[3] in "3456789":
        return ("phone", 2)  # 86 country code written without a plus
    if n == 15 and d[:5] == "00861" and d[5] in "3456789":
        return ("phone", 4)
    if 16 <= n <= 19 and _card_like(d):
        return ("bank_card", 0)
    if d[0] == "0" and d[1] != "0" and 10 <= n <= 12:
        area = 3 if d[1] in "12" else 4
        if n - area in (7, 8) and d[area] != "0":
            return ("phone", 0)
    return None


def _card_like(d: str) -> bool:
    """A Luhn-valid card number with a card issuer's prefix.

    Not an 18-digit valid USCC (GB 32100-2015 codes are often all digits), nor 18 digits with
    a date where an ID has one (a division code, a date and a serial: a permit number such
    as 施工许可证 360203202403050101, or an ID with a wrong check digit).
    """
    if not (d[0] in "49" or d[:2] in _CARD_PREFIXES) or not luhn_valid(d):
        return False
    return not (len(d) == 18 and (_is_date(d[6:14]) or is_valid_uscc(d)))


def _is_date(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    return day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def _card_grouping(sizes: list[int]) -> bool:
    """True for the ways card numbers are written: one block, fours (6222 0212 3456 7890 123),
    or six then the rest (622202 1234567890123). 360203-2023-058802-P is a permit number."""
    if len(sizes) == 1:
        return True
    if all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4:
        return True
    return len(sizes) == 2 and sizes[0] == 6


def _card_sizes(text: str, a: int, b: int, sizes: list[int]) -> list[int]:
    """The sizes of the digit groups of a card number written at [a, b): a line break is where
    a line ended, not a group's end (6222021234⏎567890128 is one block)."""
    written = text[a:b]
    if "\n" not in written and "\r" not in written:
        return sizes
    joined = written.replace("\r", "").replace("\n", "").translate(_RUN_TO_ASCII)
    return [len(g) for g in joined.replace("-", " ").split()]


def _letter_before(text: str, at: int) -> bool:
    """True when a Latin letter touches position `at` from the left (a phone label excepted)."""
    if at == 0 or not _is_letter(text[at - 1]):
        return False
    word_start = at - 1
    while word_start > 0 and _is_letter(text[word_start - 1]):
        word_start -= 1
    return to_ascii(text[word_start:at]).lower() not in _PHONE_LABELS


def _touches_letter(text: str, a: int, b: int, masked: Sequence[tuple], kind: str) -> bool:
    """True when a Latin letter that stays in the text touches a phone or card at [a, b).

    Digits after a letter belong to a code (licence JY1360…). A letter right after counts
    only where the number is the start of a valid USCC (9136…1234X, 9136…7818X2001P;
    GB 32100-2015): those digits are no card.
    """
    if a and text[a - 1] in _LETTERS and _letter_before(text, a) and not any(s[0] <= a - 1 < s[1] for s in masked):
        return True
    if kind == "bank_card" and b - a < 18 and b < len(text) and text[b] in _LETTERS:
        # As written (USCCs are upper case), and not running on into a word (…1084TEL).
        return is_valid_uscc(to_ascii(text[a : a + 18])) and not (a + 18 < len(text) and _is_letter(text[a + 18]))
    return False


def _classify_run(text: str, start: int, end: int, masked: Sequence[tuple] = ()) -> list[tuple]:
    """Spans for the numbers inside one run (as _classify_groups finds them, faster)."""
    run = text[start:end]
    if run.isascii():
        block = run.isdigit()
        if not block and ("." in run or "\n" in run or "\r" in run or "\t" in run):
            run = run.translate(_RUN_TO_ASCII)
    else:
        run = run.translate(_RUN_TO_ASCII)
        block = run.isdigit()
    if block:
        # The common case: one plain group of digits.
        found = _number_kind(run)
        if found is None:
            if 18 < len(run) < 21 and is_valid_id18(run[:18]):
                return [(start, end, "id_number", 1.0)]  # an ID with digits appended (残疾人证号)
            return []
        kind, skip = found
        if len(run) == 18 and _USCC_LABEL_BEFORE.search(text, max(0, start - 24), start) and is_valid_uscc(run):
            return []
        if kind != "id_number":
            if len(run) == 19 and run[6] in "12" and is_valid_id18(run[:18]):
                return [(start, end, "id_number", 1.0)]  # (a card's digits, but an ID's first)
            if _touches_letter(text, start, end, masked, kind) or (
                (kind == "bank_card" or run[skip] == "0") and _document_number(text, start, end, run, kind, True)
            ):
                return []
        return [(start + skip, end, kind, 1.0)]
    # The whole run as one number: where it is one, no cover made of fewer of its groups
    # outweighs it in _best_cover (at most one number of 10+ digits fits in 19 digits, a part
    # has fewer digits), unless a part could be an 18-character ID: the sizes below rule
    # that out. Otherwise (and for a run cut where another span begins or ends, which may
    # start or end with a separator) every sequence of groups is tried.
    tail_x = run[-1] in "Xx"
    body = run[:-1].rstrip(" -") if tail_x else run  # one separator at most before the X (\r\n: 2 spaces)
    sizes = [len(g) for g in body.replace("-", " ").split()]
    total = sum(sizes)
    if (
        body[:1].isdigit()
        and body[-1:].isdigit()
        and (
            total <= 17
            or (total == 18 and (not tail_x or sizes[0] >= 2))
            or (total == 19 and not tail_x and sizes[0] >= 2 and sizes[-1] >= 2)
        )
    ):
        digits = body.replace(" ", "").replace("-", "")
        for number, stop in ((digits + "X", end), (digits, start + len(body))) if tail_x else ((digits, end),):
            span = _candidate_span(text, number, start, stop, masked, len(sizes) == 1 and number.isdigit())
            if span and (span[2] != "bank_card" or _card_grouping(_card_sizes(text, start, stop, sizes))):
                return [span]
    return _classify_groups(text, start, end, run, masked)


def _classify_groups(text: str, start: int, end: int, run: str, masked: Sequence[tuple] = ()) -> list[tuple]:
    """_classify_run the long way: every sequence of whole digit groups of `run` (the run at
    [start, end), in ASCII) is tried, and the best cover kept."""
    # (start, end, digits with a trailing X if any, end of the digits alone)
    groups = [
        (m.start(), m.end(), m.group(1) + ("X" if m.end() > m.end(1) else ""), m.end(1))
        for m in _GROUP.finditer(run)
    ]
    candidates = []  # (first group, last group, weight, span)
    # A run written in fours (1503 0212 0904 4711 302: an account, a card) is one number: read
    # from its first group only (no landline 0904 4711 302, no legacy ID 9803 9964 1121 283, no
    # card 6269 0106 7741 2449 from its tail), but for an 18-digit ID, wherever it stands (its
    # check character). The scanner reads such a run the same way.
    in_fours = len(groups) >= 4 and all(g[3] - g[0] == 4 for g in groups[:-1]) and groups[-1][3] - groups[-1][0] <= 4
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > 20 and (len(digits) > 21 or digits[-1].isdigit()):  # (20 digits and an X: tried)
                break
            if len(digits) < 10 or (j < len(groups) - 1 and not digits[-1].isdigit()):
                continue
            sizes = [g[3] - g[0] for g in groups[i : j + 1]]  # digits per group (no X)
            a = start + groups[i][0]
            # A trailing x is a check character, or a letter after the number (…0003x).
            variants = [(digits, start + groups[j][1])]
            if not digits[-1].isdigit():
                variants.append((digits[:-1], start + groups[j][3]))
            for number, stop in variants:
                found = _candidate(text, number, a, stop, masked, i == j and number.isdigit())
                if found and in_fours and i and len(number) < 18:
                    continue
                if found and (found[1][2] != "bank_card" or _card_grouping(_card_sizes(text, a, stop, sizes))):
                    candidates.append((i, j, *found))
    return _best_cover(candidates, len(groups)) if candidates else []


def _best_cover(candidates: list[tuple], n_groups: int) -> list[tuple]:
    """The non-overlapping candidates (whole digit groups each) that hide the most digits.

    Weighted interval scheduling over the groups: an 18-digit ID (its check character is
    strong) outweighs anything, then digits covered, then kind precedence.
    """
    best: list[tuple[float, list]] = [(0.0, [])] * (n_groups + 1)  # best[k]: groups < k
    by_end: dict[int, list[tuple]] = {}
    for c in candidates:
        by_end.setdefault(c[1], []).append(c)
    for k in range(1, n_groups + 1):
        best[k] = best[k - 1]
        for i, _, weight, span in by_end.get(k - 1, ()):
            total = best[i][0] + weight
            if total > best[k][0]:
                best[k] = (total, [*best[i][1], span])
    return best[n_groups][1]


def _candidate_span(
    text: str, digits: str, a: int, b: int, masked: Sequence[tuple], block: bool = False
) -> tuple | None:
    """The span of the number `digits` written at [a, b), or None. block: written as one
    group of digits (no separator, no X)."""
    if len(digits) > 18 and block and len(digits) <= 20 and is_valid_id18(digits[:18]):
        # An ID with one or two digits appended (残疾人证号, an old 税务登记号): the whole group.
        return (a, b, "id_number", 1.0)
    if len(digits) > 19:
        return None
    found = _number_kind(digits)
    if found is None:
        return None
    kind, skip = found
    if len(digits) == 18 and _USCC_LABEL_BEFORE.search(text, max(0, a - 24), a) and is_valid_uscc(digits):
        return None  # DOMAIN.md: a valid USCC right after 统一社会信用代码 is never masked.
    # Digits after a letter are part of a code (licence JY1360…), not a phone or card; an ID
    # is recognised even there (its check character is strong).
    if kind != "id_number" and (
        _touches_letter(text, a, b, masked, kind)
        or ((kind == "bank_card" or digits[skip] == "0") and _document_number(text, a, b, digits, kind, block))
    ):
        return None
    if skip:
        a = _skip_digits(text, a, skip)
    return (a, b, kind, 1.0)


def _candidate(
    text: str, digits: str, a: int, b: int, masked: Sequence[tuple], block: bool = False
) -> tuple[float, tuple] | None:
    """A weight and span for the number `digits` written at [a, b), or None."""
    span = _candidate_span(text, digits, a, b, masked, block)
    if span is None:
        return None
    kind = span[2]
    # An 18-digit ID (check character; perhaps with digits appended) first; then whatever
    # covers more digits (a 19-digit card, not the 15-digit "ID" inside it); then precedence.
    weight = (100 if kind == "id_number" and len(digits) >= 18 else 0) + len(digits) - PRECEDENCE[kind] / 100
    return weight, span


def _document_number(text: str, a: int, b: int, digits: str, kind: str, block: bool) -> bool:
    """True when the card or landline `digits` at [a, b) is a document's number instead:
    where a document's number stands (_DOCUMENT_LABEL_BEFORE, 〔2024〕…号), or 12 digits
    starting with 0 in one block with no phone label before them."""
    if a and text[a - 1] in "〕]］第" and text.startswith("号", b):
        return True
    label_end = a  # where a label would end: before what may stand between it and the number
    while label_end and text[label_end - 1] in _AFTER_LABEL:
        label_end -= 1
    if (
        label_end > 1
        and text[label_end - 1] in "号號"
        and text[label_end - 2] in _DOCUMENT_LABEL_SECOND_LAST  # not 卡号, 账号
        and _DOCUMENT_LABEL_BEFORE.search(text, max(0, label_end - 8), label_end)
    ):
        return True
    return (
        block and kind == "phone" and len(digits) == 12
        and _PHONE_LABEL_BEFORE.search(text, max(0, label_end - 8), label_end) is None
    )


_DOCUMENT_LABEL_SECOND_LAST = frozenset("编編文书書证證册冊记記案批次可照件")
_AFTER_LABEL = frozenset("：: \t\u3000）)为是為")
_SKIPPED = frozenset(" -\t\r\n\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d" + _DOTS)


def _skip_digits(text: str, at: int, count: int) -> int:
    """Position after `count` digits from `at` (separators skipped): drops a country code."""
    while count:
        if text[at].isdigit():
            count -= 1
        at += 1
    while text[at] in _SKIPPED:
        at += 1
    return at


def _numbers(text: str, masked: Sequence[tuple] = ()) -> list[tuple]:
    """find_numbers on (start, end, kind, confidence) tuples."""
    spans: list[tuple] = []
    bounds = sorted({p for s in masked for p in (s[0], s[1])}) if masked else None
    bracket = numerals = False
    for m in _NUMBER_RUN_OR_BRACKET.finditer(text):
        start, end = m.span()
        if end - start == 1:
            first = text[start]
            if first in "(\uff08":  # "(0": look for bracketed landlines below
                bracket = True
            elif first in _CN_DIGITS:
                if not numerals:  # five Chinese numerals: the runs of them from here on
                    numerals = True
                    _numeral_spans(text, start, masked, bounds, spans)
            elif local := _local_landline(text, start):
                spans.append(local)
            continue
        _run_spans(text, text, start, end, masked, bounds, spans)
    if bracket:
        spans.extend((m.start(), m.end(), "phone", 1.0) for m in _PAREN_LANDLINE.finditer(text))
    if spans:
        for k, span in enumerate(spans):
            # (a landline's: a mobile number has none)
            if (
                span[2] == "phone"
                and text[span[1] : span[1] + 1] in _EXTENSION_FIRST
                and text[span[0]] not in "1１一幺"
            ):
                extension = _EXTENSION.match(text, span[1])
                if extension:
                    spans[k] = (span[0], extension.end(), "phone", 1.0)
    return spans


def _numeral_spans(text: str, at: int, masked: Sequence[tuple], bounds: list[int] | None, spans: list) -> None:
    """Adds the numbers written in Chinese numerals from `at` on to `spans`."""
    as_digits = text.translate(_CN_TO_ASCII)  # (the same offsets)
    for m in _CN_NUMBER_RUN.finditer(text, at):
        start, end = m.span()
        # A whole run with no counting word beside it (一百二十…), unless another span masks that
        # word away (a name 张三万 before it): then the numerals stand alone.
        if (start and text[start - 1] in _CN_COUNTING and not _inside(masked, start - 1)) or (
            end < len(text) and text[end] in _CN_COUNTING and not _inside(masked, end)
        ):
            continue
        _run_spans(as_digits, text, start, end, masked, bounds, spans)


def _inside(spans: Sequence[tuple], at: int) -> bool:
    return any(s[0] <= at < s[1] for s in spans)


def _run_spans(
    where: str, text: str, start: int, end: int, masked: Sequence[tuple], bounds: list[int] | None, spans: list
) -> None:
    """Adds the numbers of the run at [start, end) to `spans`. where: the text with the run's
    digits as ASCII digits (text itself, or its Chinese numerals translated)."""
    # Where another span begins or ends inside the run, the run is cut: once that span is
    # masked, the digits on either side stand alone.
    # The whole run is tried too: a number there may win over the other span (an ID whose X
    # an e-mail address after it took as its first letter).
    cuts: Sequence[int] = ()
    if bounds:
        first = bisect_right(bounds, start)
        if first < len(bounds) and bounds[first] < end:
            cuts = bounds[first : bisect_left(bounds, end, first)]
    pieces: Sequence[tuple[int, int]]
    if cuts:
        pieces = [*zip((start, *cuts), (*cuts, end), strict=True), (start, end)]
    else:
        pieces = ((start, end),)
    for a, b in pieces:
        # The numbers found so far count as masked too (an ID's X before a phone, in digits or
        # numerals); so does a letter before Chinese numerals (no code is written in them).
        seen: Sequence[tuple] = [*masked, *spans] if spans else masked
        if where is not text:
            seen = [*seen, (a - 1, a, "", 0.0)]
        spans.extend(_classify_run(where, a, b, seen))


_EXTENSION_FIRST = frozenset("转轉分eE")


def _local_landline(text: str, at: int) -> tuple | None:
    """The span of a landline without its area code starting at `at`, right after a phone's
    label (and what may stand between: 电话号码：, 座机为), or None."""
    label_end = at
    while label_end and text[label_end - 1] in _AFTER_LABEL:
        label_end -= 1
    if text[label_end - 2 : label_end] in ("号码", "號碼"):
        label_end -= 2
    if text[max(0, label_end - 2) : label_end] not in _LOCAL_LABELS:
        return None
    local = _LOCAL_LANDLINE.match(text, at)
    return (at, local.end(), "phone", 1.0) if local else None


def find_numbers(text: str, masked: Sequence[Span] = ()) -> list[Span]:
    """ID numbers, phones (mobile and landline) and bank cards in any common writing.

    `masked`: spans other detectors found. A letter inside one of them (the end of an e-mail
    address, a secret term) will be masked away, so it does not make the digits next to it
    part of a code; and a run of digits is cut where one of them begins or ends.
    """
    return [Span._make(s) for s in _numbers(text, masked)]


# --------------------------------------------------------------------------------------------
# E-mail addresses. The local part starts with a letter, a digit or "_" (unless it has none):
# dots and dashes before it (邮箱...abc@x.cn, 邮箱-abc@x.cn) are the text's punctuation.
_EMAIL = re.compile(
    r"(?:[A-Za-z0-9_][A-Za-z0-9._%+\-]*|[.%+\-]+)[@\uff20][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


_EMAIL_LOCAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")


def _emails(text: str) -> list[tuple]:
    at = text.find("@")
    wide = text.find("\uff20")
    if at == -1:
        if wide == -1:
            return []
        at = wide
    elif wide != -1 and wide < at:
        at = wide
    # Every address holds an @ with its local part right before it: none starts before the
    # local part of the first @, so the search starts there.
    while at > 0 and text[at - 1] in _EMAIL_LOCAL:
        at -= 1
    return [(m.start(), m.end(), "email", 1.0) for m in _EMAIL.finditer(text, at)]


def find_emails(text: str) -> list[Span]:
    """E-mail addresses (ASCII, @ or full-width ＠)."""
    return [Span._make(s) for s in _emails(text)]


# --------------------------------------------------------------------------------------------
# The record's own terms: names, declared secrets, ID numbers from dropped columns.


def _occurrences(text: str, term: str) -> list[tuple[int, int]]:
    out = []
    at = text.find(term)
    while at != -1:
        out.append((at, at + len(term)))
        at = text.find(term, at + len(term))
    return out


def _protected(text: str, keep_whole: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the keep_whole names stand in `text`."""
    return [r for name in keep_whole if name and name in text for r in _occurrences(text, name)]


def _terms(
    text: str,
    terms: tuple[str, ...],
    kind: str,
    keep_whole: tuple[str, ...] = (),
    min_len: int = 1,
    protected: Sequence[tuple[int, int]] | None = None,
) -> list[tuple]:
    spans = []
    for term in terms:
        if len(term) < min_len:
            continue
        at = text.find(term)
        if at == -1:
            continue
        if protected is None:
            protected = _protected(text, keep_whole)
        size = len(term)
        while at != -1:
            end = at + size
            if not protected or not any(p <= at and end <= q for p, q in protected):
                spans.append((at, end, kind, 1.0))
            at = text.find(term, end)
    return spans


def find_terms(
    text: str, terms: tuple[str, ...], kind: str, keep_whole: tuple[str, ...] = (), min_len: int = 1
) -> list[Span]:
    """Every occurrence of each term as a span of `kind`, except inside a keep_whole name."""
    return [Span._make(s) for s in _terms(text, terms, kind, keep_whole, min_len)]


# --------------------------------------------------------------------------------------------
# Names of natural persons: after role words, in lists and verb frames, before particulars and
# titles (person_names.py; the role words and frames are data, lexicon.py).


def _role_names(
    text: str, keep_whole: tuple[str, ...] = (), protected: Sequence[tuple[int, int]] | None = None
) -> list[tuple]:
    return find_person_names(text, keep_whole, protected)


def find_role_names(text: str, keep_whole: tuple[str, ...] = ()) -> list[Span]:
    """Names of natural persons wherever the text names one (当事人张三, 由李四驾驶, 王五（身份证号…）),
    but not a business name, a place, a pseudonym (张某) or a statute title."""
    return [Span._make(s) for s in find_person_names(text, keep_whole)]


# --------------------------------------------------------------------------------------------
# Addresses of natural persons: keep up to the district (DOMAIN.md: "address reduced to the
# district"); the span is what comes after it.

# The labels (DOMAIN.md: 住, 住址, 家住, 户籍地, 现住, 租住于…). A bare 住 (住江西省…,
# 居住于…, 租住在…) counts only where a place name follows at once (住房, 住宿 and 住院 are
# other words); 住所 and 住所地 are also a company's registered address, which is public.
# (No capture group: a pattern whose every branch starts with a literal lets the engine skip
# to the characters that can start one.)
_ADDRESS_LABEL = re.compile(
    r"(?:住址|家住|住所地|住所|户籍地|户籍所在地|居住地|现住址|现住|現住|戶籍地|居住於|住於|住(?![房宅宿院户戶]))"
    r"(?:为|是|在|於|于)?[：:\s]*"
)
_PLACE_FIRST = re.compile(r"[\u4e00-\u9fff]{1,6}?[省市区县旗州區縣]")
# What an address is written with: Chinese characters (〇 too), digits, Latin letters (A栋,
# B座) and the number sign (5#楼); hyphens (12-3号) and non-breaking or full-width spaces
# only inside it. Anything else ends it: brackets, quotation marks and punctuation belong to
# the text around the address and are never masked with it (当事人（住址：…12号）于… keeps its
# closing bracket).
_ADDRESS_JOINERS = "-\u2010\u2011\uff0d\u00a0\u3000"
_ADDRESS_REST = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff0-9\uff10-\uff19A-Za-z\uff21-\uff3a\uff41-\uff5a#\uff03"
    + re.escape(_ADDRESS_JOINERS) + "]{0,80}"
)
_BUSINESS_BEFORE = re.compile("(?:" + "|".join(sorted(set(ORG_SUFFIXES), key=len, reverse=True)) + ")[^。；;]{0,8}$")


def _addresses(text: str) -> list[tuple]:
    spans: list[tuple] = []
    if "住" not in text and "籍" not in text:  # every label has one of them
        return spans
    for m in _ADDRESS_LABEL.finditer(text):
        start = m.end()
        label = text[m.start() : m.start() + 2]
        if label == "住所":
            # 住所 is also a company's registered address, which is public.
            if _BUSINESS_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                continue
        elif label[0] == "住" and label not in ("住址", "住於") and not _PLACE_FIRST.match(text, start):
            continue  # a bare 住 with no place name after it
        rest = _ADDRESS_REST.match(text, start)
        assert rest is not None, "_ADDRESS_REST matches anywhere (it may match nothing)"
        end = rest.end()
        while end > start and text[end - 1] in _ADDRESS_JOINERS:
            end -= 1
        address = text[start:end]
        street = _STREET_LEVEL.search(address)
        head = address[: street.start()] if street else address
        cut = start + _district_end(head)
        while cut < end and text[cut] in _ADDRESS_JOINERS:  # 珠山区\u3000新厂路: the space stays
            cut += 1
        if cut < end:
            spans.append((cut, end, "address", 0.8))
    return spans


def find_addresses(text: str) -> list[Span]:
    """The part of a person's address after the district (住址, 家住, 户籍地, 居住地, 现住…)."""
    return [Span._make(s) for s in _addresses(text)]


# --------------------------------------------------------------------------------------------


def detect_spans(text: str, context: Context = EMPTY_CONTEXT) -> list[tuple]:
    """`detect` as (start, end, kind, confidence) tuples (what the record policy works on)."""
    return detect_with(text, context.personal_names, context.secrets, context.keep_whole, context.personal_numbers)


def detect_with(
    text: str,
    personal_names: tuple[str, ...] = (),
    secrets: tuple[str, ...] = (),
    keep_whole: tuple[str, ...] = (),
    personal_numbers: tuple[str, ...] = (),
) -> list[tuple]:
    """`detect_spans` with the context's parts passed one by one."""
    if not text:
        return []
    spans = _emails(text) if "@" in text or "\uff20" in text else []
    if secrets:
        spans += _terms(text, secrets, "secret")
    if personal_numbers:
        spans += _terms(text, personal_numbers, "id_number", min_len=6)
    protected = _protected(text, keep_whole) if keep_whole else ()
    if personal_names:
        spans += _terms(text, personal_names, "person_name", keep_whole, 2, protected)
    spans += _role_names(text, keep_whole, protected)
    if "住" in text or "籍" in text:  # every address label has one of them
        spans += _addresses(text)
    spans += _numbers(text, spans)  # it needs to know what else will be masked
    spans += find_particulars(text)
    return resolve(spans)


def detect(text: str, context: Context = EMPTY_CONTEXT) -> list[Span]:
    """Every span to mask in `text`, non-overlapping, sorted (precedence in spans.PRECEDENCE)."""
    return [Span._make(s) for s in detect_spans(text, context)]

"""Recognizers: a text and the record's context in, spans out (Presidio's recognizers, small).

Each recognizer is a function `text -> list[Span]`; `detect` runs them all and resolves
overlaps. Pure and deterministic: the build, the evaluation and the tests call the same code.

Numbers (ID, phone, card) are found in one pass: a compiled regex finds runs of at least
11 digits (ASCII or full-width, single spaces or hyphens allowed between them), and only
those runs are looked at in Python. Texts without such a run cost one regex search.
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


EMPTY_CONTEXT = Context()

# --------------------------------------------------------------------------------------------
# Character classes. Full-width forms are translated one character for one, so offsets in
# the translated text are offsets in the original.
_DIGIT = "0-9\uff10-\uff19"
_SEP = " \\-\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d"
_TO_ASCII = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff38": "X", "\uff58": "x",
        "\u00a0": " ", "\u3000": " ",
        **{chr(c): "-" for c in range(0x2010, 0x2016)},
        "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
    }
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

# A run of 11+ digits with single separators. The pattern starts with a character class so
# the regex engine skips ahead fast; a run found this way always starts at its first digit.
#
# The lookahead changes nothing found (ten more digits or separators must follow the first
# digit) but lets the engine drop a date or an amount in one step.
_NUMBER_RUN = re.compile(
    rf"[{_DIGIT}](?=[{_DIGIT}{_SEP}]{{10}})(?:[{_SEP}]?[{_DIGIT}]){{10,}}(?:[{_SEP}]?[Xx\uff38\uff58])?"
)
# The same, or a bracket before a 0 (one character: where a bracketed area code may start).
# One scan finds both, and a run never holds a bracket.
_NUMBER_RUN_OR_BRACKET = re.compile(
    rf"[{_DIGIT}(\uff08](?:(?<=[{_DIGIT}])(?=[{_DIGIT}{_SEP}]{{10}})(?:[{_SEP}]?[{_DIGIT}]){{10,}}"
    rf"(?:[{_SEP}]?[Xx\uff38\uff58])?|(?<=[(\uff08])(?=[0\uff10]))"
)
# A landline written with its area code in brackets: (0798)1234567, （0798）123 4567.
_PAREN_LANDLINE = re.compile(
    rf"[(\uff08][0\uff10][{_DIGIT}]{{2,3}}[)\uff09][{_SEP}]?[{_DIGIT}](?:[{_SEP}]?[{_DIGIT}]){{6,7}}(?![{_DIGIT}])"
)
_GROUP = re.compile(r"([0-9]+)(?:[ -]?[Xx])?")
_PHONE_LABELS = frozenset({"tel", "mob", "mobile", "phone", "fax", "sms", "cell", "mp", "call"})
# Card number prefixes (issuer identification): Visa 4, MasterCard 51–55, JCB 35, UnionPay
# 62, Discover 60/65, domestic 9…. Division codes such as 36 (Jiangxi) are not among them.
_CARD_PREFIXES = frozenset({"35", "51", "52", "53", "54", "55", "60", "62", "65"})
_USCC_LABEL_BEFORE = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|纳税人识别号|統一社會信用代碼|納稅人識別號)"
    r"[）)]?[：:\s]*(?:为|是|為)?[：:\s]*$"
)


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
    if not run.isascii():
        run = run.translate(_TO_ASCII)
    if run.isdigit():
        # The common case: one plain group of digits.
        found = _number_kind(run)
        if found is None:
            return []
        kind, skip = found
        if len(run) == 18 and _USCC_LABEL_BEFORE.search(text, max(0, start - 24), start) and is_valid_uscc(run):
            return []
        if kind != "id_number" and _touches_letter(text, start, end, masked, kind):
            return []
        return [(start + skip, end, kind, 1.0)]
    # The whole run as one number: where it is one, no cover made of fewer of its groups
    # outweighs it in _best_cover (at most one number of 10+ digits fits in 19 digits, a part
    # has fewer digits), unless a part could be an 18-character ID: the sizes below rule
    # that out. Otherwise (and for a run cut where another span begins or ends, which may
    # start or end with a separator) every sequence of groups is tried.
    tail_x = run[-1] in "Xx"
    body = run[:-1].rstrip(" -") if tail_x else run  # one separator at most before the X
    sizes = [len(g) for g in body.replace("-", " ").split(" ")]
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
            span = _candidate_span(text, number, start, stop, masked)
            if span and (span[2] != "bank_card" or _card_grouping(sizes)):
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
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > 20:
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
                found = _candidate(text, number, a, stop, masked)
                if found and (found[1][2] != "bank_card" or _card_grouping(sizes)):
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


def _candidate_span(text: str, digits: str, a: int, b: int, masked: Sequence[tuple]) -> tuple | None:
    """The span of the number `digits` written at [a, b), or None."""
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
    if kind != "id_number" and _touches_letter(text, a, b, masked, kind):
        return None
    if skip:
        a = _skip_digits(text, a, skip)
    return (a, b, kind, 1.0)


def _candidate(text: str, digits: str, a: int, b: int, masked: Sequence[tuple]) -> tuple[float, tuple] | None:
    """A weight and span for the number `digits` written at [a, b), or None."""
    span = _candidate_span(text, digits, a, b, masked)
    if span is None:
        return None
    kind = span[2]
    # An 18-digit ID (check character) first; then whatever covers more digits (a 19-digit
    # card, not the 15-digit "ID" inside it); then precedence.
    weight = (100 if kind == "id_number" and len(digits) == 18 else 0) + len(digits) - PRECEDENCE[kind] / 100
    return weight, span


def _skip_digits(text: str, at: int, count: int) -> int:
    """Position after `count` digits from `at` (separators skipped): drops a country code."""
    while count:
        if text[at].isdigit():
            count -= 1
        at += 1
    while text[at] in " -\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d":
        at += 1
    return at


def _numbers(text: str, masked: Sequence[tuple] = ()) -> list[tuple]:
    """find_numbers on (start, end, kind, confidence) tuples."""
    spans: list[tuple] = []
    bounds = sorted({p for s in masked for p in (s[0], s[1])}) if masked else None
    bracket = False
    for m in _NUMBER_RUN_OR_BRACKET.finditer(text):
        start, end = m.span()
        if end - start == 1:  # "(0": look for bracketed landlines below
            bracket = True
            continue
        # Where another span begins or ends inside the run, the run is cut: once that span
        # is masked, the digits on either side stand alone.
        # The whole run is tried too: a number there may win over the other span (an ID
        # whose X an e-mail address after it took as its first letter).
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
            # The numbers found so far count as masked too (an ID's X before a phone).
            spans.extend(_classify_run(text, a, b, [*masked, *spans[-1:]] if spans else masked))
    if bracket:
        spans.extend((m.start(), m.end(), "phone", 1.0) for m in _PAREN_LANDLINE.finditer(text))
    return spans


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
# Street-level words: the district is looked for before the first of them. 镇 and 乡 are not
# among them since city names contain them (景德镇市, 萍乡市).
_STREET_LEVEL = re.compile(r"[路街道巷弄号號栋棟楼樓室村组組]|小区|社区|大道|花园|广场|大厦|公寓|园区")
_DISTRICT = re.compile(r"[区县旗區縣]")
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


def _district_end(head: str) -> int:
    """Where the district part of an address ends (after 区/县/旗, else 市, else 省, else 0)."""
    m = _DISTRICT.search(head, 1)
    if m:
        return m.end()
    for mark in "市省":
        at = head.find(mark, 1)
        if at != -1:
            return at + 1
    return 0


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
    spans += _numbers(text, spans)  # last: it needs to know what else will be masked
    return resolve(spans)


def detect(text: str, context: Context = EMPTY_CONTEXT) -> list[Span]:
    """Every span to mask in `text`, non-overlapping, sorted (precedence in spans.PRECEDENCE)."""
    return [Span._make(s) for s in detect_spans(text, context)]

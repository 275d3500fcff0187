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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .checkdigits import is_valid_id15, is_valid_id18, is_valid_uscc, luhn_valid
from .memo import Memo, memoized
from .names import (
    COMPOUND_SURNAMES,
    ORG_KEYWORDS,
    ORG_SINGLE_SUFFIXES,
    ORG_SUFFIXES,
    SINGLE_SURNAMES,
)
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
# Names after a role word: 当事人张三, 负责人：李四, 法定代表人 欧阳修.

ROLE_WORDS = (
    "现场负责人", "法定代表人", "法人代表", "委托代理人", "当事人", "负责人", "经营者", "驾驶员",
    "驾驶人", "员工", "证人", "受害人", "被害人", "股东", "监护人", "联系人", "投资人", "业主",
    "财务人员", "财务负责人", "出纳", "收款人", "举报人", "投诉人",
    "現場負責人", "財務人員", "收款人", "舉報人", "投訴人", "當事人", "負責人", "經營者", "駕駛員", "駕駛人",
    "員工", "證人", "股東", "監護人", "聯繫人", "投資人",
)
_ROLE_WORD = "(?:" + "|".join(sorted(ROLE_WORDS, key=len, reverse=True)) + ")"
# (No role word starts another: at a position at most one matches, whatever the order.)
_ROLE_TAIL = r"(?:姓名|名字)?[：:\s]*(?:(?:为|是|系|為|係)[：:\s]*)?"
_ROLE = re.compile(_ROLE_WORD + _ROLE_TAIL)
# Two-character words starting with a surname character that follow a role word and are no
# name (当事人陈述, 当事人高价销售…).
_NOT_A_NAME = frozenset(
    "陈述 陈列 申请 申辩 申报 申明 申诉 高价 高于 高出 万元 时年 时任 时间 成立 全部 全面 安全 "  # noqa: SIM905
    "安装 安排 常年 常住 方面 方式 文化 文件 经营 经过 房屋 车辆 车间 车牌 钱款 金额 单位 商品 "
    "商业 管理 应当 应该 应按 应于 强制 司机 江西 景德 乐平 浮梁 南昌 余额 余款 路段 路边 向本 "
    "向消 向社 向他 向其 向有 向相 向该 向市 向区 向县 向当 向执 向法 向行 向公 向被 向顾 向客 "
    "向购 向不 向群 向外 向用 向买 向我 向你 于本 于当 于今 于同 于次 于该 于案 于近 于每 "
    "于上 于下 于前 于事 于其 于此 于是 许可 周边 周围 程序 关于 关系 任何 任职 夏季 秦岭 "
    "宿舍 冷藏 冷库 冷冻 冷链 冷饮 陳述 申請 申辯 高價 經營 車輛 單位 應當 關於 時間".split()
)
# A given name's first character is never one of these (they start the next clause).
_GIVEN_FIRST_STOP = frozenset(
    "本该此这那们当今次年月日的了在于与及或并而但因被将把对从到等所以也都就还又再已未不没无些每各消顾购执"
    "該這們當於與並從對將無購執"
)
def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, grouped by first character (the engine then
    tries one group at a position instead of every word)."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        groups.setdefault(word[0], []).append(word[1:])
    parts = []
    for first, rests in groups.items():
        if len(rests) == 1:
            parts.append(re.escape(first + rests[0]))
        elif "" in rests:
            parts.append(re.escape(first) + "(?:" + "|".join(re.escape(r) for r in rests if r) + ")?")
        else:
            parts.append(re.escape(first) + "(?:" + _alternation(rests) + ")")
    return "|".join(parts)


# Where a name starts, as _name_end decides it (not a _NOT_A_NAME word; a compound surname,
# else a single one; then a CJK character that can start a given name).
_NAME_START = (
    "(?!" + _alternation(_NOT_A_NAME) + ")"
    "(?>" + _alternation(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SINGLE_SURNAMES)) + "])"
    "(?![" + "".join(sorted(_GIVEN_FIRST_STOP)) + "])[\u4e00-\u9fff]"
)
# A role word with what follows it, found only where a name starts after it: the regex
# engine passes the others by (当事人陈述, 当事人景德镇市…) without a trip through Python.
# (No role word starts another, so the role word at a position is the one _ROLE finds
# there, and what follows it is taken as _ROLE takes it: atomically. The pattern starts
# with the role words so the engine can skip ahead to their first characters.)
_ROLE_BEFORE_NAME = re.compile("(?:" + _alternation(ROLE_WORDS) + ")(?>" + _ROLE_TAIL + ")(?=" + _NAME_START + ")")

# A given name's second character is rarely one of these, which often follow a name.
_GIVEN_SECOND_STOP = frozenset(
    "于在因未的等系是与及称说驾擅将对向从到被已所涉违拒不并携以把让由自现男女无持销购使经曾也都就还又再其该此这那"
    "於為與從對將說稱駕無銷購經係違現曾這"
)
# Words that start right after a two-character name (李四明知 is 李四 + 明知).
_AFTER_NAME_WORDS = frozenset(
    "明知 明显 知道 承认 同意 表示 认为 供述 陈述 交代 签字 签名 确认 负责 经营 驾驶 销售 购买 "  # noqa: SIM905
    "使用 未经 擅自 拒绝 自行 作为 担任 先生 女士 同志 本人 一人 二人 夫妇 夫妻 父子 母子 "
    "辩称 声称 主动 如实 现年 出生 居住 户籍 身份 名下 个人".split()
)
# A clause word inside what follows a role word: then it is not a business name.
_CLAUSE = re.compile(
    "[在于因未将擅驾持称已被向对从把让的了和与为是拒]|销售|经营|生产|使用|提供|购进|存在|涉嫌|承认|以上|事实|等人|明知|对此"
    "|签字|签名|确认|到场|当场|组织|指使|带领|供述|陈述|现年|本人|家属|负责|无证|持有|出生|[0-9０-９]"
    "|" + "|".join(ROLE_WORDS)
)
_SEGMENT_END = frozenset("，。；;,、！？!?：:\n\r\t “”\"'（(")
# What follows a role word up to the end of its phrase (40 characters at most).
_SEGMENT = re.compile("[^" + "".join(re.escape(c) for c in sorted(_SEGMENT_END)) + "]{0,40}")
_SUFFIX_SET = frozenset(ORG_SUFFIXES) | ORG_SINGLE_SUFFIXES
_SUFFIX_SIZES = tuple(sorted({len(x) for x in _SUFFIX_SET}, reverse=True))
_SUFFIX_LAST_CHAR = re.compile("[" + "".join(sorted({x[-1] for x in _SUFFIX_SET})) + "]")
# What may follow the end of a business name in a sentence.
_AFTER_BUSINESS = frozenset("于在因未将擅自以及与和的（(等对向从被已系为是销经生使违拒涉无称现，。；;,、！？!?：: \n")
# A suffix's last character at the end of a phrase or before what may follow a business name.
_SUFFIX_END = re.compile(
    _SUFFIX_LAST_CHAR.pattern + "(?=[" + "".join(re.escape(c) for c in sorted(_AFTER_BUSINESS)) + r"]|\Z)"
)


def _business_name_at(text: str, at: int, name_end: int, segment: str | None = None) -> bool:
    """True when a business name (…有限公司, …水果店) starts at `at` (当事人景德镇市某某有限公司).

    `name_end` is where the shortest person's name starting at `at` would end (surname and
    one given character): the business name must go on past it with no clause word
    (张三在某某超市… is a person, then a place), and end where the phrase ends (followed by
    punctuation or a clause word: 某某银行卡号 is no bank).
    """
    if segment is None:  # (the phrase from `at`: _SEGMENT's match there)
        phrase = _SEGMENT.match(text, at)
        assert phrase is not None, "_SEGMENT matches anywhere (it may match nothing)"
        segment = phrase.group()
    after_name = name_end - at
    for m in _SUFFIX_END.finditer(segment):  # the last character of a suffix, where a name may end
        stop = m.end()
        for size in _SUFFIX_SIZES:
            if size > stop or segment[stop - size : stop] not in _SUFFIX_SET:
                continue
            head = segment[: stop - size]
            if size == 1 and len(head) < 4 and not any(word in head for word in ORG_KEYWORDS):
                continue  # 张三店 is too short to tell; 张三水果店 is a shop
            # 和 and 为 end many given names (余云和食品店): not a clause right after the name.
            skip = after_name + (after_name < len(head) and head[after_name] in "和为")
            return not _CLAUSE.search(head, min(skip, len(head)))
    return False


def _name_end(text: str, at: int) -> int:
    """End of a 2–4 character Chinese name starting at `at`, or 0 if none starts there.

    The name is the surname and one given character, plus a second given character unless
    it looks like the start of what follows; in doubt the longer name (masking one character
    too many loses less than leaving one).
    """
    first_two = text[at : at + 2]
    if first_two in _NOT_A_NAME:
        return 0
    if first_two in COMPOUND_SURNAMES:
        pos = at + 2
    elif text[at : at + 1] in SINGLE_SURNAMES:
        pos = at + 1
    else:
        return 0
    size = len(text)
    if pos >= size:
        return 0
    ch = text[pos]
    if not ("\u4e00" <= ch <= "\u9fff") or ch in _GIVEN_FIRST_STOP:  # (a CJK character)
        return 0
    pos += 1
    if pos < size:
        ch = text[pos]
        if "\u4e00" <= ch <= "\u9fff" and ch not in _GIVEN_SECOND_STOP and text[pos : pos + 2] not in _AFTER_NAME_WORDS:
            pos += 1
    return pos


_NAMES_AT: Memo[str, int] = Memo(8192)  # what follows a role word, to its phrase's end → name size


def _name_at(text: str, at: int) -> int:
    """End of the person's name that starts at `at` after a role word, or 0 (none, or a
    business name starts there).

    Both decisions read the phrase from `at` to its end (40 characters at most) and the
    character after it, no more: the answer is remembered for that piece of text.
    """
    phrase = _SEGMENT.match(text, at)
    assert phrase is not None, "_SEGMENT matches anywhere (it may match nothing)"
    segment_end = phrase.end()
    key = text[at : segment_end + 1]
    size = _NAMES_AT.get(key)
    if size is None:
        end = _name_end(text, at)
        if end and _business_name_at(
            text, at, at + (3 if text[at : at + 2] in COMPOUND_SURNAMES else 2), text[at:segment_end]
        ):
            end = 0
        size = _NAMES_AT.remember(key, end - at if end else 0)
    return at + size if size else 0


def _role_names(
    text: str, keep_whole: tuple[str, ...] = (), protected: Sequence[tuple[int, int]] | None = None
) -> list[tuple]:
    spans = []
    pos = 0
    size = len(text)
    while (m := _ROLE_BEFORE_NAME.search(text, pos)) is not None:
        at = m.end()
        pos = m.start() + 1  # role words may overlap: 驾驶员工为… is also 员工为…
        for _ in range(6):  # 股东张三、李四、王五
            end = _name_at(text, at) if at < size else 0
            if not end:
                break
            spans.append((at, end, "person_name", 0.9))
            pos = end
            if end + 1 < size and text[end] == "、":
                at = end + 1
            else:
                break
    if keep_whole and spans:
        if protected is None:
            protected = _protected(text, keep_whole)
        if protected:
            kept = []
            for span in spans:
                for p, q in protected:
                    if p <= span[0] and span[1] <= q:
                        break
                else:
                    kept.append(span)
            spans = kept
    return spans


def find_role_names(text: str, keep_whole: tuple[str, ...] = ()) -> list[Span]:
    """Names right after a role word (当事人, 负责人, 法定代表人…), but not a business name."""
    return [Span._make(s) for s in _role_names(text, keep_whole)]


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

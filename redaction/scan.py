"""The second line of defence: find personal numbers in any text or in a whole SQLite file.

Independent of the detectors on purpose: it shares only the check-digit arithmetic
(checkdigits.py) with them and has its own patterns, so one bug does not blind both. It looks
for what must never be published (CONTRACT.md "Build outputs"): resident ID numbers
(GB 11643-1999, 18 digits with a valid check character, or 15 with a real birth date), mobile
phone numbers, Luhn-valid bank card numbers (16–19 digits) and e-mail addresses, in the usual
writings (spaces or hyphens inside, full-width digits, +86 / 0086).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .checkdigits import is_valid_id15, is_valid_id18, is_valid_uscc, luhn_valid

__all__ = ["Finding", "find_in_text", "may_contain", "scan_database", "is_uscc_column", "KIND_CODES"]


@dataclass(frozen=True)
class Finding:
    """One thing found in a database: where, what kind, and an excerpt that hides most of it."""

    table: str
    column: str
    rowid: int | None
    kind: str
    excerpt: str


# Stable codes for what the per-record check reports (check.py).
KIND_CODES = {
    "id_number": "id_number_in_output",
    "phone": "phone_in_output",
    "bank_card": "card_in_output",
    "email": "email_in_output",
}

# Full-width digits and the separators people type between digits, as ASCII, one for one.
_FOLD = {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
_FOLD.update({"\uff38": "X", "\uff58": "x", "\u3000": " ", "\u00a0": " ", "\uff0d": "-", "\u2212": "-", "\ufe63": "-"})
_FOLD.update({chr(c): "-" for c in range(0x2010, 0x2016)})
_FOLD_TABLE = str.maketrans(_FOLD)

# A run of 11+ digit-likes with single separators, found in the text as written.
_RUN = re.compile(
    "[0-9\uff10-\uff19](?:[ \\-\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d]?[0-9\uff10-\uff19]){10,}"
    "(?:[ \\-\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d]?[Xx\uff38\uff58])?"
)
_LATIN = "A-Za-z\uff21-\uff3a\uff41-\uff5a"
_SEPARATOR = "[ -]"

# Cheap test first: eleven digit-likes in a row (single separators allowed) or an @.
_MAYBE = re.compile(
    "[0-9\uff10-\uff19](?:[ \\-\u00a0\u3000\u2010-\u2015\u2212\ufe63\uff0d]?[0-9\uff10-\uff19]){10}|[@\uff20]"
)

# Every start position is tried (a lookahead captures), so numbers written next to each
# other ("13812345678 13912345678") are all found.
_ID18 = re.compile(rf"(?<![0-9])(?=([0-9](?:{_SEPARATOR}?[0-9]){{16}}{_SEPARATOR}?[0-9Xx])(?![0-9]))")
_ID15 = re.compile(rf"(?<![0-9])(?=([0-9](?:{_SEPARATOR}?[0-9]){{14}})(?![0-9Xx]))")
_MOBILE = re.compile(rf"(?<![0-9])((?:\+?86|0086){_SEPARATOR}?)?(1[3-9][0-9](?:{_SEPARATOR}?[0-9]){{8}})(?![0-9])")
_CARDS = tuple(
    re.compile(rf"(?<![0-9{_LATIN}])(?=([3-69](?:{_SEPARATOR}?[0-9]){{{n - 1}}})(?![0-9]))")
    for n in range(16, 20)
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@\uff20][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_USCC_LABEL = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|纳税人识别号|統一社會信用代碼|納稅人識別號)[）)]?[：:\s]*(?:为|是|為)?[：:\s]*$"
)


def may_contain(text: str) -> bool:
    """False when `text` certainly holds nothing `find_in_text` reports (one regex search)."""
    return _MAYBE.search(text) is not None


def _digits(s: str) -> str:
    return s.replace(" ", "").replace("-", "")


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a"


def _labelled_uscc(text: str, start: int, digits: str) -> bool:
    """A valid USCC right after its label (统一社会信用代码：…) is the subject's code, not an ID."""
    return len(digits) == 18 and is_valid_uscc(digits.upper()) and _USCC_LABEL.search(text, max(0, start - 24), start) is not None


def find_in_text(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every ID number, mobile phone, bank card and e-mail in `text`.

    kind is "id_number", "phone", "bank_card" or "email". A valid USCC right after its label
    is not reported.
    """
    if not text:
        return []
    found: dict[tuple[int, int], str] = {}
    for run in _RUN.finditer(text):
        # The patterns are tried only around a run of 11+ digit-likes: six characters before
        # it (a +86 prefix, a letter) and one after (for the right-hand lookaheads).
        lo = max(0, run.start() - 6)
        window = text[lo : run.end() + 1]
        if not window.isascii():
            window = window.translate(_FOLD_TABLE)
        size = sum(c.isdigit() for c in run.group())
        _find_numbers(text, window, lo, size, found)
    if "@" in text or "\uff20" in text:
        for m in _EMAIL.finditer(text):
            found[(m.start(), m.end())] = "email"
    return sorted((a, b, kind) for (a, b), kind in found.items())


def _find_numbers(text: str, window: str, lo: int, size: int, found: dict[tuple[int, int], str]) -> None:
    """Numbers in `window` (text[lo:…] with ASCII digits), added to `found` in text offsets.

    `size` is how many digits the run holds: patterns longer than that are not tried.
    """
    if size >= 17:
        for m in _ID18.finditer(window):
            digits = _digits(m.group(1))
            if is_valid_id18(digits) and not _labelled_uscc(text, lo + m.start(1), digits):
                found[(lo + m.start(1), lo + m.end(1))] = "id_number"
    if size >= 15:
        for m in _ID15.finditer(window):
            digits = _digits(m.group(1))
            # No division code starts with 0 (and a 0086-prefixed phone is 15 digits too).
            if digits[0] != "0" and is_valid_id15(digits):
                found.setdefault((lo + m.start(1), lo + m.end(1)), "id_number")
    for m in _MOBILE.finditer(window):
        start = m.start(1) if m.group(1) else m.start(2)
        if start > 0 and _is_latin(window[start - 1]):
            continue  # after a letter: part of a code such as a licence number
        found.setdefault((lo + m.start(2), lo + m.end(2)), "phone")
    for pattern in _CARDS if size >= 16 else ():
        for m in pattern.finditer(window):
            written = m.group(1)
            digits = _digits(written)
            if not _is_card(digits, written):
                continue
            after = window[m.end(1) : m.end(1) + 1]
            token = window[m.start(1) : m.start(1) + 19]
            if len(written) < 18 and after and _is_latin(after) and is_valid_uscc(token[:18]) and not _is_latin(token[18:]):
                continue  # the digits that start a USCC (…7818X2), not a card
            a, b = lo + m.start(1), lo + m.end(1)
            if not any(x <= a < y or x < b <= y for x, y in found):
                found[(a, b)] = "bank_card"


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
    blocks = [len(b) for b in re.split(r"[ -]", written)]
    return len(blocks) == 1 or (len(blocks) == 2 and blocks[0] == 6) or (
        set(blocks[:-1]) == {4} and blocks[-1] <= 4
    )


def is_uscc_column(name: str) -> bool:
    """A column that holds USCCs: `uscc`, `*_uscc`, or a Chinese header naming the code."""
    lowered = name.lower()
    return lowered == "uscc" or lowered.endswith("_uscc") or "统一社会信用代码" in name or "纳税人识别号" in name


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


def _rows(con: sqlite3.Connection, table: str):
    """(rowid or None, column names, row iterator) for every row of a table, streamed."""
    quoted = table.replace("]", "]]")
    try:
        cur = con.execute(f"SELECT rowid, * FROM [{quoted}]")
        names = [d[0] for d in cur.description][1:]
        return names, ((row[0], row[1:]) for row in cur)
    except sqlite3.OperationalError:
        cur = con.execute(f"SELECT * FROM [{quoted}]")
        names = [d[0] for d in cur.description]
        return names, ((None, row) for row in cur)


def scan_database(path: str | Path) -> list[Finding]:
    """Every ID number, phone, card or e-mail in any text of any table of a SQLite file.

    Read-only. Shadow tables of full-text indexes (…_fts_content, …_fts_data) and virtual
    tables are read like any other; a table that cannot be read is reported as kind
    "unreadable" (an unread table is not a clean one). A valid USCC is exempt where it stands
    alone in a USCC column or right after its label.
    """
    uri = "file:" + quote(str(Path(path).resolve())) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    findings: list[Finding] = []
    try:
        masters = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = {name for name, sql in masters if sql and sql.lstrip().upper().startswith("CREATE VIRTUAL")}
        for table, _sql in masters:
            try:
                raw_names, rows = _rows(con, table)
                names = _column_names(con, table, raw_names, virtual)
                uscc_columns = [is_uscc_column(n) for n in names]
                # A full-text index's own data holds the indexed words of every column, USCC
                # columns included, without saying which: a valid USCC there is exempt.
                index_data = _is_fts_index(table, virtual)
                for rowid, row in rows:
                    texts = [_as_text(v) for v in row]
                    if not may_contain("\x00".join(t for t in texts if t)):
                        continue
                    for column, text, is_uscc in zip(names, texts, uscc_columns):
                        if not text:
                            continue
                        if is_uscc and is_valid_uscc(text.strip()):
                            continue
                        for start, end, kind in find_in_text(text):
                            if index_data and is_valid_uscc(_digits(text[start:end]).upper()):
                                continue
                            findings.append(Finding(table, column, rowid, kind, excerpt(text, start, end)))
            except sqlite3.Error as exc:
                findings.append(Finding(table, "", None, "unreadable", f"无法读取该表：{exc}"))
    finally:
        con.close()
    return findings

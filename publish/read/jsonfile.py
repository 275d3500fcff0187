"""JSON as platforms' APIs return it: an array of objects, or an object holding them under
`rows`, `data` or `list` beside a `total`, a `code`, a `msg`… (the records may sit one
level further down: `{"code": 0, "data": {"total": 9, "list": […]}}`).

The file is never loaded whole. It is decoded a chunk at a time, and one element of the
records' array at a time is parsed (by json's own C decoder when the element lies whole in
the buffer; else a scanner finds where it ends, reading on). Memory holds a chunk and one
record, at most JSON_MAX_RECORD_CHARS (a longer element is read past unheld and
quarantined); values beside the records (a `msg`, a `total`) are read past unheld too.
Every element is a record: one that does not decode, does not parse or is not an object is
a `BadRecord`, never lost. A container that breaks part-way (a truncated file, a stray
character between records) stops the reading with the table's error, its records so far
counted; one with no records' array at all (`rows` holding a string) is a file error.

Bytes that do not decode are kept as lone surrogates (surrogateescape) so that only the
record holding them fails (`undecodable_row`), whatever the encoding.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..settings import JSON_MAX_RECORD_CHARS
from .jsonlines import parse_object
from .lines import sniff
from .objects import Objects, object_tables
from .tables import BadRecord, FileError, SourceTable

# The members of an API answer that hold its records, in DOMAIN.md's words.
RECORD_KEYS = ("rows", "data", "list")
# How far down the records' array may sit: {"data": {"list": […]}} is two levels.
MAX_ANSWER_LEVELS = 3
CHUNK_BYTES = 1 << 20
KEY_MAX_CHARS = 64 << 10

_WHITESPACE = re.compile(r"[ \t\r\n]*+")
# Outside strings: everything up to the next bracket or an unfinished string, complete
# strings included, in one C call.
_SKIP = re.compile(r'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_LITERAL = re.compile(r"[^ \t\r\n,\]}]*+")
_UNDECODED = re.compile("[\udc80-\udcff]")   # a byte that did not decode (surrogateescape)
_OPENING = "[{"
_DECODER = json.JSONDecoder(strict=False)   # raw TABs in strings: cleaned later, not refused


class _TextChunks:
    """A text file decoded a chunk at a time ("" at its end); bytes that do not decode
    become lone surrogates."""

    def __init__(self, fh: BinaryIO, encoding: str):
        self.fh = fh
        self.bom = encoding == "utf-8-sig"
        self.decoder = codecs.getincrementaldecoder(encoding.removesuffix("-sig"))(errors="surrogateescape")

    def read(self) -> str:
        while True:
            data = self.fh.read(CHUNK_BYTES)
            if self.bom:
                self.bom, data = False, data.removeprefix(codecs.BOM_UTF8)
            text = self.decoder.decode(data, final=not data)
            if text or not data:   # a few bytes of one character decode to nothing yet
                return text


@dataclass
class Scanned:
    """One JSON value as scanned: its text (None when longer than the limit asked for) and
    its length."""
    text: str | None
    size: int


def _truncated() -> FileError:
    return FileError("json_truncated", "JSON 文件不完整（在一个值的中间结束），其后的记录无法读取")


def _malformed(message: str) -> FileError:
    return FileError("malformed_json_file", f"JSON 结构错误：{message}")


class Scanner:
    """A cursor over a JSON text, read a chunk at a time, that cuts out whole values."""

    def __init__(self, chunks: _TextChunks):
        self.chunks = chunks
        self.buf = ""
        self.pos = 0
        self.at_end = False

    def _more(self) -> bool:
        """Appends a chunk after the unread text; False at the end of the file."""
        if self.at_end:
            return False
        text = self.chunks.read()
        if not text:
            self.at_end = True
            return False
        self.buf, self.pos = self.buf[self.pos:] + text, 0
        return True

    def peek(self) -> str | None:
        """The next character that is not whitespace (not consumed); None at the end."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()   # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return None

    def expect(self, char: str, where: str) -> None:
        found = self.peek()
        if found is None:
            raise _truncated()
        if found != char:
            raise _malformed(f"{where}应为“{char}”，却是“{found}”")
        self.pos += 1

    def parsed_object(self) -> object | None:
        """The object at the cursor parsed in place when it lies whole in the buffer (the
        common case, at C speed); None when it does not (cut by the chunk, or broken)."""
        try:
            value, end = _DECODER.raw_decode(self.buf, self.pos)
        except (ValueError, RecursionError):   # JSONDecodeError is a ValueError
            return None
        if end - self.pos > JSON_MAX_RECORD_CHARS or _UNDECODED.search(self.buf, self.pos, end):
            return None   # the scanner's way reports these
        self.pos = end
        return value

    def value(self, limit: int) -> Scanned:
        """The next value's text, held only while it stays within `limit` characters."""
        first = self.peek()
        if first is None:
            raise _truncated()
        if first in "]},:":
            raise _malformed(f"应为一个值，却是“{first}”")
        literal = first != '"' and first not in _OPENING
        pieces: list[str] = []
        size = depth = 0
        held, in_string = True, False
        start = self.pos
        if first == '"':
            in_string, self.pos = True, self.pos + 1
        while True:
            buf, p = self.buf, self.pos
            if literal:
                p = _LITERAL.match(buf, p).end()   # type: ignore[union-attr]
                done = p < len(buf)
            else:
                p, depth, in_string, done = _walk(buf, p, depth, in_string)
            size += p - start
            if held:
                if size > limit:
                    held, pieces = False, []
                else:
                    pieces.append(buf[start:p])
            self.pos = p
            if done:
                break
            if not self._more():
                if literal:
                    break   # a number or a word may end the file
                raise _truncated()
            start = self.pos
        return Scanned("".join(pieces) if held else None, size)

    def key(self) -> str:
        """A member's name."""
        if self.peek() != '"':
            raise _malformed("对象中应为带引号的字段名")
        scanned = self.value(KEY_MAX_CHARS)
        if scanned.text is None:
            raise _malformed(f"字段名长 {scanned.size} 个字符")
        try:
            name = json.loads(scanned.text)
        except ValueError as exc:
            raise _malformed(f"字段名无法读取：{exc}") from None
        return str(name)


def _walk(buf: str, p: int, depth: int, in_string: bool) -> tuple[int, int, bool, bool]:
    """Walks an array or object from `p` to where it closes or the buffer ends:
    (position, depth, inside a string, closed)."""
    n = len(buf)
    while True:
        if in_string:
            p = _string_end(buf, p)
            if p >= n or buf[p] != '"':
                return p, depth, True, False   # goes on in the next chunk (a last `\` waits for it)
            in_string, p = False, p + 1
            if depth == 0:
                return p, depth, False, True
            continue
        p = _SKIP.match(buf, p).end()   # type: ignore[union-attr]
        if p >= n:
            return p, depth, False, False
        char = buf[p]
        p += 1
        if char == '"':
            in_string = True
        elif char in _OPENING:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return p, depth, False, True


def _string_end(buf: str, p: int) -> int:
    """From inside a string at `p`: the position of its closing quote, else how far it can
    be read in `buf` (an escape cut by the buffer's end is left for the next chunk). str.find
    runs at memory speed, where a regex crawls through a long value."""
    n = len(buf)
    quote = buf.find('"', p)
    while True:
        end = n if quote == -1 else quote
        escape = buf.find("\\", p, end)
        if escape == -1:
            return end
        if escape + 1 >= n:
            return escape
        p = escape + 2
        if quote != -1 and p > quote:   # that quote was escaped: the next one
            quote = buf.find('"', p)


def _record(scanned: Scanned, encoding: str) -> dict | BadRecord:
    """An element the fast path could not take, as an object or the reason it is not one."""
    text = scanned.text
    if text is None:
        return BadRecord("malformed_json", f"该条记录长 {scanned.size} 个字符，超过上限 {JSON_MAX_RECORD_CHARS}", "")
    if _UNDECODED.search(text):
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return BadRecord("undecodable_row", f"该条记录含不符合 {encoding.upper()} 编码的字节", shown)
    return parse_object(text)


Records = Generator[tuple[int, dict | BadRecord], None, bool]


class _Answer:
    """Walks a JSON document to its records: the array at the top, or under a record key."""

    def __init__(self, scanner: Scanner, encoding: str):
        self.scanner = scanner
        self.encoding = encoding

    def element(self) -> dict | BadRecord:
        scanner = self.scanner
        if scanner.peek() == "{":
            parsed = scanner.parsed_object()
            if isinstance(parsed, dict):
                return parsed
        return _record(scanner.value(JSON_MAX_RECORD_CHARS), self.encoding)

    def array(self) -> Records:
        """(number from 1, record) of each element of the array at the cursor."""
        scanner = self.scanner
        scanner.expect("[", "记录数组开头")
        number = 0
        while True:
            if scanner.peek() == "]":   # `[]`, or a comma before the end (read leniently)
                scanner.pos += 1
                return True
            number += 1
            yield number, self.element()
            following = scanner.peek()
            if following == ",":
                scanner.pos += 1
            elif following == "]":
                scanner.pos += 1
                return True
            elif following is None:
                raise _truncated()
            else:
                raise _malformed(f"第 {number} 条记录之后应为“,”或“]”，却是“{following}”，其后的记录无法读取")

    def answer(self, level: int, where: str) -> Records:
        """The records of the object at the cursor (an API answer); True when it held them."""
        scanner = self.scanner
        scanner.expect("{", "JSON 对象开头")
        found = False
        first = True
        while True:
            if scanner.peek() == "}":
                scanner.pos += 1
                return found
            if not first:
                scanner.expect(",", "字段之间")
                if scanner.peek() == "}":
                    continue
            first = False
            key = scanner.key()
            scanner.expect(":", f"字段“{key}”之后")
            path = f"{where}.{key}" if where else key
            following = scanner.peek()
            if key not in RECORD_KEYS or (found and following != "["):
                scanner.value(0)   # beside the records: read past, never held
            elif found:
                raise FileError("json_many_arrays", f"JSON 中“{path}”是另一组记录，未读取：一个文件只应有一组记录")
            elif following == "[":
                found = yield from self.array()
            elif following == "{" and level < MAX_ANSWER_LEVELS:
                found = yield from self.answer(level + 1, path)
            else:
                _not_records(path, scanner.value(KEY_MAX_CHARS))


def _not_records(path: str, scanned: Scanned) -> None:
    """A record key whose value is not the records: null is no records here, else an error."""
    if scanned.text is not None and scanned.text.strip() == "null":
        return
    first = (scanned.text or "?")[:1]
    kind = {'"': "字符串", "{": "对象", "t": "布尔值", "f": "布尔值"}.get(first, "数值")
    raise FileError("json_rows_not_a_list", f"JSON 中“{path}”不是记录数组，而是{kind}：找不到记录")


def json_records(path: Path, errors: list) -> Iterator[tuple[int, dict | BadRecord]]:
    """(number, object or BadRecord) of every record of a JSON file; what stopped the
    reading part-way is appended to `errors`."""
    with open(path, "rb") as fh:
        encoding = sniff(fh)
        scanner = Scanner(_TextChunks(fh, encoding))
        answer = _Answer(scanner, encoding.removesuffix("-sig"))
        count = 0
        try:
            top = scanner.peek()
            if top == "[":
                records = answer.array()
            elif top == "{":
                records = answer.answer(1, "")
            else:
                raise _malformed("文件应以“[”（记录数组）或“{”（接口应答）开头")
            for count, record in enumerate(_all_of(records), start=1):  # noqa: B007 - count is read below
                yield record
            if count == 0:
                raise FileError("empty_file", "JSON 中没有任何记录")
            if scanner.peek() is not None:
                raise _malformed("JSON 结束之后还有内容，未读取")
        except FileError as exc:
            errors.append((None, exc.code, exc.message))


def _all_of(records: Records) -> Iterator[tuple[int, dict | BadRecord]]:
    """The records, then an error if the document held no records' array at all."""
    if not (yield from records):
        raise FileError("json_no_rows", "JSON 对象中没有记录数组（rows、data 或 list）")


def holds_records_under_a_key(path: Path) -> bool:
    """Whether a JSON file that starts with `{` is an API answer (a record key among its
    top-level members) rather than JSON Lines (objects that are records themselves)."""
    try:
        with open(path, "rb") as fh:
            scanner = Scanner(_TextChunks(fh, sniff(fh)))
            scanner.expect("{", "JSON 对象开头")
            while True:
                following = scanner.peek()
                if following in ("}", None):
                    return False
                if following == ",":
                    scanner.pos += 1
                elif scanner.key() in RECORD_KEYS:
                    return True
                else:
                    scanner.expect(":", "字段名之后")
                    scanner.value(0)
    except FileError:
        return False   # not a well-formed object: JSON Lines reading reports its lines one by one


def starts_with(path: Path) -> int | None:
    """The first byte of a text file that is not whitespace (after a UTF-8 BOM)."""
    with open(path, "rb") as fh:
        head = fh.read(4096).removeprefix(codecs.BOM_UTF8)
    stripped = head.lstrip(b" \t\r\n")
    return stripped[0] if stripped else None


def read_json(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    opener: Callable[[list], Objects] = lambda errors: json_records(path, errors)  # noqa: E731
    return object_tables(label, opener, is_header)

"""CSV: every record the file holds comes out, as cells or as a `BadRecord`.

A line that does not decode, a line over the cap, a record csv cannot parse: each is one bad
record, and reading goes on. When a record csv rejects spans several physical lines (an
unclosed quote swallows the lines after it), only its first line is the bad record and the
lines after it are parsed again, so one stray quote cannot take the rest of the file with it.
"""
from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from ..settings import CSV_FIELD_LIMIT, CSV_MAX_RECORD_LINES, MAX_LINE_BYTES
from .lines import LineDecoder, skip_rest_of_line, sniff, undecodable_message, without_controls_in_line
from .notes import table_without_notes
from .tables import BadRecord, SourceTable, find_header

csv.field_size_limit(CSV_FIELD_LIMIT)


class _Lines:
    """Feeds csv decoded lines and remembers the lines of the record being parsed; lines
    that cannot be fed (undecodable, over-long) wait as bad records. Called once per line
    of every file: kept to a few C calls a line."""

    def __init__(self, fh: BinaryIO, decoder: LineDecoder):
        self.readline = fh.readline
        self.fh = fh
        self.decoder = decoder
        self.encoding = decoder.encoding
        self.again: deque[str] = deque()     # lines to parse again after a rejected record
        self.current: list[str] = []         # the lines of the record being parsed
        self.bad: list[BadRecord] = []       # lines that could not be fed, in order

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        current = self.current
        # Ending a record that runs on too long makes csv reject it (and we go on after it);
        # csv asks again for the next record, so stopping here is not the end of the file.
        if len(current) >= CSV_MAX_RECORD_LINES:
            raise StopIteration
        if self.again:
            line = self.again.popleft()
        else:
            while True:
                raw = self.readline(LINE_LIMIT)
                if not raw:
                    raise StopIteration
                if len(raw) == LINE_LIMIT and not raw.endswith(b"\n"):
                    self._overlong(raw)
                    continue
                try:
                    line = without_controls_in_line(raw, self.encoding)
                    break
                except UnicodeDecodeError as exc:
                    self.bad.append(BadRecord("undecodable_row", undecodable_message(exc, self.encoding),
                                              self.decoder.shown(raw)))
        current.append(line)
        return line

    def _overlong(self, head: bytes) -> None:
        size = len(head) + skip_rest_of_line(self.fh)
        self.bad.append(BadRecord("oversized_field", f"该行长 {size} 字节，超过上限 {MAX_LINE_BYTES} 字节", ""))

    def take_record(self) -> list[str]:
        lines, self.current = self.current, []
        return lines

    def take_bad(self) -> list[BadRecord]:
        bad, self.bad = self.bad, []
        return bad


LINE_LIMIT = MAX_LINE_BYTES + 1


def csv_records(path: Path) -> Generator[list, None, None]:
    """Every record of a CSV file, in order: cells, or a BadRecord. Empty lines are not records."""
    with open(path, "rb") as fh:
        encoding = sniff(fh)
        if encoding == "utf-8-sig":
            fh.read(len(codecs.BOM_UTF8))
        lines = _Lines(fh, LineDecoder(encoding.removesuffix("-sig")))
        reader = csv.reader(lines, strict=True)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                yield from lines.take_bad()
                return
            except csv.Error as exc:
                yield from lines.take_bad()
                yield _rejected(lines, str(exc))
                continue
            lines.current = []
            if lines.bad:
                yield from lines.take_bad()
            if cells:
                yield cells


def _rejected(lines: _Lines, reason: str) -> BadRecord:
    record = lines.take_record()
    if len(record) > 1:
        lines.again.extendleft(reversed(record[1:]))
    first = record[0].rstrip("\r\n") if record else ""
    code = "oversized_field" if "field larger than field limit" in reason else "malformed_row"
    return BadRecord(code, f"CSV 无法解析：{reason}", first)


def read_csv(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    records = csv_records(path)
    numbered = enumerate(records, start=1)
    found = find_header(numbered, is_header)
    if found is None:
        records.close()
        yield SourceTable(label, [], 0, iter(()), [])
        return
    header_row, header = found
    yield table_without_notes(label, header, header_row, numbered, records.close)

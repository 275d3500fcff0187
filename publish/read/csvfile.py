"""CSV: every record the file holds comes out, as cells or as a `BadRecord`.

A line that does not decode, a line over the cap, a record csv cannot parse: each is one bad
record, and reading goes on. When a record csv rejects spans several physical lines (an
unclosed quote swallows the lines after it), only its first line is the bad record and the
lines after it are parsed again, so one stray quote cannot take the rest of the file with it.
"""
from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from ..settings import CSV_FIELD_LIMIT, CSV_MAX_RECORD_LINES, MAX_LINE_BYTES
from .cells import without_controls
from .lines import LineDecoder, Overlong, physical_lines, sniff, undecodable_message
from .tables import BadRecord, Row, SourceTable, find_header

csv.field_size_limit(CSV_FIELD_LIMIT)


class _Lines:
    """Feeds csv decoded lines and remembers the lines of the record being parsed; lines
    that cannot be fed (undecodable, over-long) wait as bad records."""

    def __init__(self, raw: Iterator[bytes | Overlong], decoder: LineDecoder):
        self.raw = iter(raw)
        self.decoder = decoder
        self.again: deque[str] = deque()     # lines to parse again after a rejected record
        self.current: list[str] = []         # the lines of the record being parsed
        self.bad: list[BadRecord] = []       # lines that could not be fed, in order

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        # Ending a record that runs on too long makes csv reject it (and we go on after it);
        # csv asks again for the next record, so stopping here is not the end of the file.
        if len(self.current) >= CSV_MAX_RECORD_LINES:
            raise StopIteration
        if self.again:
            line = self.again.popleft()
        else:
            got = self._next_decoded()
            if got is None:
                raise StopIteration
            line = got
        self.current.append(line)
        return line

    def _next_decoded(self) -> str | None:
        for raw in self.raw:
            if isinstance(raw, Overlong):
                self.bad.append(BadRecord("oversized_field", f"该行长 {raw.size} 字节，超过上限 {MAX_LINE_BYTES} 字节", ""))
                continue
            try:
                return without_controls(self.decoder.decode(raw))
            except UnicodeDecodeError as exc:
                self.bad.append(BadRecord("undecodable_row", undecodable_message(exc, self.decoder.encoding),
                                          self.decoder.shown(raw)))
        return None

    def take_record(self) -> list[str]:
        lines, self.current = self.current, []
        return lines

    def take_bad(self) -> list[BadRecord]:
        bad, self.bad = self.bad, []
        return bad


def csv_records(path: Path) -> Iterator[list]:
    """Every record of a CSV file, in order: cells, or a BadRecord. Empty lines are not records."""
    with open(path, "rb") as fh:
        decoder = LineDecoder(sniff(fh))
        lines = _Lines(physical_lines(fh, MAX_LINE_BYTES), decoder)
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
            lines.take_record()
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

    def rows() -> Iterator[Row]:
        try:
            yield from numbered
        finally:
            records.close()

    yield SourceTable(label, header, header_row, rows(), [])

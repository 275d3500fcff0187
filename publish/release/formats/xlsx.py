"""`<table>.xlsx`, the format to point Excel users to (xlsxwriter in constant-memory mode: one
row in memory at a time, every cell written with its type, several times faster than
openpyxl's write-only mode on a million rows).

Excel's limits (Microsoft, "Excel specifications and limits"): 1,048,576 rows a sheet (one of
them our header) and 32,767 characters a cell (UTF-16 units). A longer table goes on numbered
sheets; a longer cell is cut with a visible marker and counted (the README of the release says
how many; the CSV and the other formats hold the whole text). Every string is written as a
text cell (never guessed as a number, a formula or a link), so an all-digit USCC keeps its 18
digits; formula-like text is a text cell with Excel's quotePrefix, so it is shown and kept as
typed and never run. Control characters XML cannot hold are replaced by U+FFFD.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..tables import ReleaseTable
from . import FORMULA_STARTS

SHEET_ROWS = 1_048_575          # data rows a sheet holds below its header
CELL_CHARACTERS = 32_767
CUT_MARKER = "…［内容过长已截断，完整内容见同名 CSV 文件］"
SHEET_NAME_CHARACTERS = 31


@dataclass(frozen=True)
class XlsxWritten:
    size: int
    sheets: int
    cut_cells: int


def sheet_name(table: str, number: int, numbered: bool) -> str:
    if not numbered:
        return table[:SHEET_NAME_CHARACTERS]
    suffix = f"_{number}"
    return table[:SHEET_NAME_CHARACTERS - len(suffix)] + suffix


def _utf16_units(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def cut_to_cell(value: str) -> str | None:
    """The value cut with the marker to fit a cell, or None when it fits as it is."""
    if len(value) <= CELL_CHARACTERS // 2 or _utf16_units(value) <= CELL_CHARACTERS:
        return None
    keep = CELL_CHARACTERS - len(CUT_MARKER)
    while _utf16_units(value[:keep]) > CELL_CHARACTERS - len(CUT_MARKER):
        keep -= 1
    return value[:keep] + CUT_MARKER


class XlsxWriter:
    """Writes the table; `sheet_rows` is Excel's limit (smaller only to test the split)."""

    def __init__(self, path: Path, table: ReleaseTable, sheet_rows: int = SHEET_ROWS) -> None:
        self.path, self.table, self.sheet_rows = path, table, sheet_rows
        # (constant_memory writes each row when the next begins; strings stay inline in the
        # sheet, so no table of all the distinct strings is kept)
        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                        "strings_to_formulas": False, "strings_to_urls": False})
        self.quoted = self.workbook.add_format({"quote_prefix": True})
        self.sheets: list = []
        self.cut = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheet = self.workbook.add_worksheet(f"s{len(self.sheets) + 1}")  # named at close
        self.sheets.append(self.sheet)
        for col, label in enumerate(self.table.labels):
            self.sheet.write_string(0, col, label)
        self.count = 0

    def write(self, batch: list[tuple]) -> None:
        start = 0
        while start < len(batch):
            if self.count == self.sheet_rows:
                self._new_sheet()
            part = batch[start:start + self.sheet_rows - self.count]
            self._write_rows(part, self.count + 1)
            self.count += len(part)
            start += len(part)

    def _write_rows(self, rows: list[tuple], first: int) -> None:
        write_string, write_number = self.sheet.write_string, self.sheet.write_number
        quoted, illegal, starts, half = self.quoted, ILLEGAL_CHARACTERS_RE.search, FORMULA_STARTS, CELL_CHARACTERS // 2
        for number, values in enumerate(rows, start=first):
            for col, value in enumerate(values):
                if value.__class__ is str:
                    if len(value) > half:
                        cut = cut_to_cell(value)
                        if cut is not None:
                            value, self.cut = cut, self.cut + 1
                    if illegal(value):
                        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
                    if value.startswith(starts):
                        write_string(number, col, value, quoted)
                    else:
                        write_string(number, col, value)
                elif value is not None:
                    write_number(number, col, value)

    def close(self) -> XlsxWritten:
        numbered = len(self.sheets) > 1
        for number, sheet in enumerate(self.sheets, start=1):
            sheet.name = sheet_name(self.table.name, number, numbered)
        self.workbook.close()
        return XlsxWritten(self.path.stat().st_size, len(self.sheets), self.cut)

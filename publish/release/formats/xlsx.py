"""`<table>.xlsx`, the format to point Excel users to (openpyxl, write-only mode for speed).

Excel's limits (Microsoft, "Excel specifications and limits"): 1,048,576 rows a sheet (one of
them our header) and 32,767 characters a cell. A longer table goes on numbered sheets; a
longer cell is cut with a visible marker and counted (the README of the release says how
many; the CSV and the other formats hold the whole text). Every code is a text cell, so an
all-digit USCC keeps its 18 digits; formula-like text is written as a text cell with Excel's
quotePrefix, so it is shown and kept as typed and never run. Control characters XML cannot
hold are replaced by U+FFFD.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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


class _Cells:
    """Turns stored values into what a cell holds, counting the cut ones."""

    def __init__(self, sheet: object) -> None:
        self.sheet = sheet
        self.cut = 0

    def row(self, values: tuple) -> list:
        return [self.text(v) if v.__class__ is str else v for v in values]

    def text(self, value: str) -> object:
        if len(value) > CELL_CHARACTERS:
            value = value[:CELL_CHARACTERS - len(CUT_MARKER)] + CUT_MARKER
            self.cut += 1
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(self.sheet, value)
            cell.data_type = "s"      # openpyxl would otherwise store "=…" as a formula
            cell.quotePrefix = True
            return cell
        return value


class XlsxWriter:
    """Writes the table; `sheet_rows` is Excel's limit (smaller only to test the split)."""

    def __init__(self, path: Path, table: ReleaseTable, sheet_rows: int = SHEET_ROWS) -> None:
        self.path, self.table, self.sheet_rows = path, table, sheet_rows
        self.workbook = Workbook(write_only=True)
        self.cut = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheet = self.workbook.create_sheet()
        self.cells = _Cells(self.sheet)
        self.sheet.append(list(self.table.labels))
        self.count = 0

    def write(self, batch: list[tuple]) -> None:
        start = 0
        while start < len(batch):
            if self.count == self.sheet_rows:
                self.cut += self.cells.cut
                self._new_sheet()
            part = batch[start:start + self.sheet_rows - self.count]
            append, row = self.sheet.append, self.cells.row
            for values in part:
                append(row(values))
            self.count += len(part)
            start += len(part)

    def close(self) -> XlsxWritten:
        self.cut += self.cells.cut
        sheets = self.workbook.worksheets
        for number, ws in enumerate(sheets, start=1):
            ws.title = sheet_name(self.table.name, number, len(sheets) > 1)
        self.workbook.save(self.path)
        return XlsxWritten(self.path.stat().st_size, len(sheets), self.cut)

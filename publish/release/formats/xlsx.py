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

from collections.abc import Iterable
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


def write_xlsx(path: Path, table: ReleaseTable, batches: Iterable[list[tuple]],
               sheet_rows: int = SHEET_ROWS) -> XlsxWritten:
    """Writes the table; `sheet_rows` is Excel's limit (smaller only to test the split)."""
    rows = (row for batch in batches for row in batch)
    first = next(rows, None)
    pending: list[tuple] = [] if first is None else [first]
    workbook = Workbook(write_only=True)
    sheets, cut, numbered = 0, 0, False
    while True:
        sheets += 1
        sheet = workbook.create_sheet()
        cells = _Cells(sheet)
        sheet.append(list(table.labels))
        count = 0
        for row in pending:
            sheet.append(cells.row(row))
            count += 1
        pending = []
        for row in rows:
            if count == sheet_rows:
                pending = [row]
                numbered = True
                break
            sheet.append(cells.row(row))
            count += 1
        cut += cells.cut
        if not pending:
            break
    for number, ws in enumerate(workbook.worksheets, start=1):
        ws.title = sheet_name(table.name, number, numbered)
    workbook.save(path)
    return XlsxWritten(path.stat().st_size, sheets, cut)

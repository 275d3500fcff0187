"""`<table>.xlsx`, the format to point Excel users to, written as its XML directly (Office Open
XML, ECMA-376 part 1: SpreadsheetML), one row at a time into the zip.

Why not a library: a million-row table is tens of millions of cells, and openpyxl (write-only)
and xlsxwriter (constant-memory) spend microseconds of Python on each (cell references, type
guessing, escaping each string three times, a write call per XML tag); here a row is one
string built from its cells' texts, which makes the format four to six times faster than
xlsxwriter. What a release needs of SpreadsheetML is small: text and number cells, one style
(quotePrefix), numbered sheets.

Excel's limits (Microsoft, "Excel specifications and limits"): 1,048,576 rows a sheet (one of
them our header) and 32,767 characters a cell (UTF-16 units). A longer table goes on numbered
sheets (and so does a sheet whose XML reaches what a zip entry holds without Zip64,
SHEET_BYTES); a longer cell is cut with a visible marker and counted (the README of the release says
how many; the CSV and the other formats hold the whole text). Every string is an inline text
cell (never guessed as a number, a date or a formula), so an all-digit USCC keeps its 18 digits;
formula-like text is a text cell with Excel's quotePrefix style, so it is shown and kept as typed
and never run. Control characters XML cannot hold are replaced by U+FFFD; a literal `_xHHHH_`
(SpreadsheetML's escape of a character) is kept literal by escaping its underscore.
"""
from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from ..tables import ReleaseTable
from . import FORMULA_STARTS

SHEET_ROWS = 1_048_575          # data rows a sheet holds below its header
CELL_CHARACTERS = 32_767
CUT_MARKER = "…［内容过长已截断，完整内容见同名 CSV 文件］"
SHEET_NAME_CHARACTERS = 31
# A sheet's XML stays below what a zip entry holds without Zip64 (zipfile.ZIP64_LIMIT), which not
# every spreadsheet reads: a sheet that reaches it is continued on the next numbered sheet.
SHEET_BYTES = zipfile.ZIP64_LIMIT - (256 << 20)
COMPRESSION = 3                 # zlib level: 1 is a third bigger, 6 twice as slow for 10% less

ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED_LOOKING = re.compile("_(x[0-9A-Fa-f]{4}_)")
_NEEDS_WORK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x")
_ENTITIES = {"\r": "&#13;"}     # (an XML reader would read a bare CR as a line feed)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_START = _XML + f'<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"
_STYLES = _XML + (
    f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_ROOT_RELS = _XML + (
    f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')


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


def column_letters(index: int) -> str:
    """A, B, … Z, AA, AB…: the column of a cell's reference (0 is A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


def cell_text(value: str) -> str:
    """A string as the XML text of a cell: escaped (a CR as a character reference), illegal
    characters replaced."""
    if ILLEGAL_CHARACTERS.search(value):
        value = ILLEGAL_CHARACTERS.sub("\ufffd", value)
    if "_x" in value:
        value = _ESCAPED_LOOKING.sub(r"_x005F_\1", value)
    return escape(value, _ENTITIES)


class XlsxWriter:
    """Writes the table; `sheet_rows` is Excel's limit (smaller only to test the split)."""

    def __init__(self, path: Path, table: ReleaseTable, sheet_rows: int = SHEET_ROWS) -> None:
        self.path, self.table, self.sheet_rows = path, table, sheet_rows
        self.columns = [column_letters(n) for n in range(len(table.columns))]
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION)
        self.count = self.size = 0
        self.sheets = 0
        self.sheet: IO[bytes] | None = None
        self.cut = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._end_sheet()
        self.sheets += 1
        self.sheet = self.zip.open(f"xl/worksheets/sheet{self.sheets}.xml", "w")
        self.sheet.write(_SHEET_START.encode())
        self.count = self.size = 0
        self._write_rows([tuple(self.table.labels)], 1)

    def _end_sheet(self) -> None:
        if self.sheet is not None:
            self.sheet.write(_SHEET_END.encode())
            self.sheet.close()
            self.sheet = None

    def write(self, batch: list[tuple]) -> None:
        start = 0
        while start < len(batch):
            if self.count == self.sheet_rows or self.size >= SHEET_BYTES:
                self._new_sheet()
            written = self._write_rows(batch[start:start + self.sheet_rows - self.count], self.count + 2)
            self.count += written
            start += written

    def _write_rows(self, rows: list[tuple], first: int) -> int:
        """Writes rows until the sheet's XML reaches SHEET_BYTES; how many it wrote."""
        needs_work, starts, half, columns = _NEEDS_WORK.search, FORMULA_STARTS, CELL_CHARACTERS // 2, self.columns
        out = []
        for number, values in enumerate(rows, start=first):
            cells = [f'<row r="{number}">']
            for column, value in zip(columns, values, strict=True):
                kind = value.__class__
                if kind is str:
                    if len(value) > half:
                        cut = cut_to_cell(value)
                        if cut is not None:
                            value, self.cut = cut, self.cut + 1
                    style = ' s="1"' if value.startswith(starts) else ""
                    if needs_work(value):
                        value = cell_text(value)
                    cells.append(f'<c r="{column}{number}"{style} t="inlineStr"><is><t xml:space="preserve">{value}'
                                 "</t></is></c>")
                elif value is None:
                    continue
                elif kind is int or (kind is float and math.isfinite(value)):
                    cells.append(f'<c r="{column}{number}"><v>{value!r}</v></c>')
                else:   # (what XML's numbers cannot hold: infinities, and anything else, as text)
                    cells.append(f'<c r="{column}{number}" t="inlineStr"><is><t>{cell_text(str(value))}</t></is></c>')
            cells.append("</row>")
            row = "".join(cells).encode()
            out.append(row)
            self.size += len(row)
            if self.size >= SHEET_BYTES:
                break
        assert self.sheet is not None
        self.sheet.write(b"".join(out))
        return len(out)

    def close(self) -> XlsxWritten:
        self._end_sheet()
        numbered = self.sheets > 1
        numbers = range(1, self.sheets + 1)
        sheets = "".join(f'<sheet name={quoteattr(sheet_name(self.table.name, n, numbered))} sheetId="{n}" '
                         f'r:id="rId{n}"/>' for n in numbers)
        self.zip.writestr("xl/workbook.xml", _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}'
                                                    "</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                       for n in numbers)
        rels += f'<Relationship Id="rId{self.sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        self.zip.writestr("xl/_rels/workbook.xml.rels", _XML + f'<Relationships xmlns="{_PACKAGE_REL}">{rels}'
                                                              "</Relationships>")
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.writestr("_rels/.rels", _ROOT_RELS)
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
                            for n in numbers)
        self.zip.writestr("[Content_Types].xml", _XML + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))
        self.zip.close()
        return XlsxWritten(self.path.stat().st_size, self.sheets, self.cut)

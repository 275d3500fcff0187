"""Readers for the containers departments deliver: CSV, XLSX and JSON Lines.

Each file (or XLSX sheet) becomes a `SourceTable`: its header row and an iterator of
(row number, cells). Rows are streamed, so memory does not grow with file size. The
header row is found by the dataset definitions (title rows above it are skipped).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import PublishError

SUPPORTED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json"}
HEADER_SEARCH_ROWS = 20
SNIFF_BYTES = 1 << 20

Row = tuple[int, list]


@dataclass
class SourceTable:
    """One table of a source file: `source` names file and sheet for people."""
    source: str
    header: list
    header_row: int
    rows: Iterator[Row]
    errors: list          # problems met while streaming: (row number or None, code, message)


class FileError(PublishError):
    """A whole file (or sheet) cannot be read; the build reports it and goes on."""


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, judged from the bytes, never the file name."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileError("unknown_encoding", "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK）") from exc
    return "gb18030"


def _find_header(rows: Iterator[list], is_header: Callable[[list], bool]) -> tuple[int, list] | None:
    """The first row (1-based number, cells) among the first rows that `is_header` accepts."""
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None
        if is_header(cells):
            return number, cells
    return None


def read_csv(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    if not head.strip():
        raise FileError("empty_file", "文件为空")
    encoding = detect_encoding(head)
    fh = open(path, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(fh, strict=True)
    errors: list = []
    try:
        found = _find_header(reader, is_header)
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise FileError("malformed_csv", f"CSV 格式错误（第 {reader.line_num} 行附近）：{exc}") from exc
    if found is None:
        fh.close()
        yield SourceTable(label, [], 0, iter(()), errors)
        return
    header_row, header = found

    def rows() -> Iterator[Row]:
        try:
            number = header_row
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    errors.append((reader.line_num, "malformed_csv",
                                   f"CSV 格式错误，第 {reader.line_num} 行起无法解析：{exc}"))
                    return
                number += 1
                if cells:
                    yield number, cells
        finally:
            fh.close()

    yield SourceTable(label, header, header_row, rows(), errors)


def read_xlsx(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    import openpyxl  # imported here: only XLSX sources pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError("unreadable_xlsx", f"XLSX 文件损坏或不完整，无法打开：{exc}") from exc
    try:
        for sheet in workbook.worksheets:
            sheet_label = f"{label}#{sheet.title}"
            errors: list = []
            try:
                cells_iter = (list(r) for r in sheet.iter_rows(values_only=True))
                found = _find_header(cells_iter, is_header)
            except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
                yield SourceTable(sheet_label, [], -1, iter(()),
                                  [(None, "unreadable_xlsx", f"工作表无法读取：{exc}")])
                continue
            if found is None:
                yield SourceTable(sheet_label, [], 0, iter(()), errors)
                continue
            header_row, header = found

            def rows(cells_iter=cells_iter, header_row=header_row, errors=errors) -> Iterator[Row]:
                number = header_row
                try:
                    for cells in cells_iter:
                        number += 1
                        if any(c not in (None, "") for c in cells):
                            yield number, cells
                except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
                    errors.append((number, "unreadable_xlsx", f"第 {number} 行起无法读取：{exc}"))

            yield SourceTable(sheet_label, header, header_row, rows(), errors)
    finally:
        workbook.close()


def read_jsonl(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    """JSON Lines: one object per line, keys are the headers (taken from the first object)."""
    fh = open(path, "rb")
    head = fh.read(SNIFF_BYTES)
    if not head.strip():
        fh.close()
        raise FileError("empty_file", "文件为空")
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=detect_encoding(head), newline="")
    errors: list = []
    header: list = []
    first: tuple[int, dict] | None = None
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append((number, "malformed_json", f"第 {number} 行不是合法的 JSON：{exc.msg}"))
            continue
        if isinstance(obj, dict):
            header, first = list(obj), (number, obj)
            break
        errors.append((number, "malformed_json", f"第 {number} 行不是 JSON 对象"))
    if first is None or not is_header(header):
        text.close()
        yield SourceTable(label, header, 0 if first is None else first[0], iter(()), errors)
        return

    def rows() -> Iterator[Row]:
        try:
            yield first[0], [first[1].get(k) for k in header]
            for number, line in enumerate(text, start=first[0] + 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    # Kept as a row so the build quarantines it with its original text.
                    yield number, JsonLineError(line.rstrip("\n"), exc.msg)
                    continue
                if not isinstance(obj, dict):
                    yield number, JsonLineError(line.rstrip("\n"), "不是 JSON 对象")
                    continue
                yield number, [obj.get(k) for k in header]
        finally:
            text.close()

    yield SourceTable(label, header, first[0], rows(), errors)


class JsonLineError(list):
    """A JSON Lines row that could not be parsed: carries the raw line for the quarantine."""

    def __init__(self, raw: str, reason: str):
        super().__init__()
        self.raw = raw
        self.reason = reason


def open_tables(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterable[SourceTable]:
    """The tables of one file, by container (from the bytes for ZIP, else the suffix)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise FileError("empty_file", "文件为空")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, label, is_header)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, label, is_header)
    if suffix in (".csv", ".txt"):
        return read_csv(path, label, is_header)
    raise FileError("unsupported_format", f"不支持的文件格式：{suffix or '无扩展名'}")

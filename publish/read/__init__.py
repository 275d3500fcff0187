"""Readers for the containers departments deliver: CSV, XLSX, XLS, JSON Lines and JSON (an
array of objects, or an API answer holding them under rows / data / list).

Each file (or workbook sheet) becomes a `SourceTable`: its header row and an iterator of
(row number, cells). Rows are streamed, so memory does not grow with file size. Every
record a file holds comes out: as cells, or as a `BadRecord` the build quarantines; template
note rows (表格说明：…) are skipped and counted (`notes_skipped`). A file that cannot be read
at all raises `FileError`, and the build reports it and goes on.
One module per container: csvfile, jsonlines, jsonfile, workbook (with sheet_reader, its
child process); lines (encodings, bounded lines), cells (control characters, nested
values), objects (tables of JSON objects) and notes are shared.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .csvfile import read_csv
from .jsonfile import holds_records_under_a_key, read_json, starts_with
from .jsonlines import read_jsonl
from .lines import detect_encoding
from .tables import HEADER_SEARCH_ROWS, BadRecord, FileError, Row, SourceTable
from .workbook import not_a_workbook, read_workbook, workbook_format

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
SUPPORTED_SUFFIXES = {".csv", ".txt", *WORKBOOK_SUFFIXES, *JSON_SUFFIXES}

__all__ = ["HEADER_SEARCH_ROWS", "SUPPORTED_SUFFIXES", "BadRecord", "FileError", "Row", "SourceTable",
           "detect_encoding", "open_tables"]


def open_tables(path: Path, label: str, is_header: Callable[[list], bool],
                only: str | None = None) -> Iterable[SourceTable]:
    """The tables of one file, by container (from the bytes for workbooks and JSON, else
    the suffix); `only` names the one table wanted (a workbook then reads no other sheet)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise FileError("empty_file", "文件为空")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    kind = workbook_format(head[:8])
    if kind is not None:
        return read_workbook(path, kind, label, is_header, only)
    if suffix in WORKBOOK_SUFFIXES:
        raise not_a_workbook(head, suffix)
    if suffix in JSON_SUFFIXES:
        return _json_tables(path, suffix, label, is_header)
    if suffix in (".csv", ".txt"):
        return read_csv(path, label, is_header)
    raise FileError("unsupported_format", f"不支持的文件格式：{suffix or '无扩展名'}")


def _json_tables(path: Path, suffix: str, label: str, is_header: Callable[[list], bool]) -> Iterable[SourceTable]:
    """.jsonl and .ndjson are JSON Lines; a .json file is an array of records when it starts
    with `[`, an API answer when it starts with `{` and a top-level member is rows / data /
    list, else JSON Lines (one object per line, as many exporters name them)."""
    if suffix == ".json":
        first = starts_with(path)
        if first == ord("[") or (first == ord("{") and holds_records_under_a_key(path)):
            return read_json(path, label, is_header)
    return read_jsonl(path, label, is_header)

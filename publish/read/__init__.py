"""Readers for the containers departments deliver: CSV, XLSX and JSON Lines.

Each file (or XLSX sheet) becomes a `SourceTable`: its header row and an iterator of
(row number, cells). Rows are streamed, so memory does not grow with file size. Every
record a file holds comes out: as cells, or as a `BadRecord` the build quarantines. A file
that cannot be read at all raises `FileError`, and the build reports it and goes on.
One module per container: csvfile, jsonlines, xlsx (with sheet_reader, its child process);
lines (encodings, bounded lines) and cells (control characters, nested values) are shared.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .csvfile import read_csv
from .jsonlines import read_jsonl
from .lines import detect_encoding
from .tables import HEADER_SEARCH_ROWS, BadRecord, FileError, Row, SourceTable
from .xlsx import read_xlsx

SUPPORTED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json"}

__all__ = ["HEADER_SEARCH_ROWS", "SUPPORTED_SUFFIXES", "BadRecord", "FileError", "Row", "SourceTable",
           "detect_encoding", "open_tables"]


def open_tables(path: Path, label: str, is_header: Callable[[list], bool],
                only: str | None = None) -> Iterable[SourceTable]:
    """The tables of one file, by container (from the bytes for ZIP, else the suffix);
    `only` names the one table wanted (a workbook then reads no other sheet)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise FileError("empty_file", "文件为空")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, label, is_header, only)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, label, is_header)
    if suffix in (".csv", ".txt"):
        return read_csv(path, label, is_header)
    raise FileError("unsupported_format", f"不支持的文件格式：{suffix or '无扩展名'}")

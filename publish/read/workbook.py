"""Workbooks, XLSX and XLS (BIFF8) alike: each worksheet is a table. The reading itself
happens in a child process (publish/read/sheet_reader.py) under a memory limit; this side
turns its messages into tables, and its errors or death into a FileError for that file or
sheet, so a hostile workbook is one file's problem.

Which format a file is comes from its bytes, never its name: Java exports write HTML
tables and SpreadsheetML under an .xls name, and those are reported as what they are.
"""
from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ..settings import SPREADSHEET_READER_MEMORY_BYTES, XLS_MAX_BYTES
from .notes import table_without_notes
from .tables import FileError, Row, SourceTable, find_header

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the compound file an XLS (BIFF8) lives in
_MIB = 1 << 20


def workbook_format(magic: bytes) -> str | None:
    """"xlsx" or "xls" from a file's first 8 bytes; None for anything else."""
    if magic.startswith(ZIP_MAGIC):
        return "xlsx"
    if magic.startswith(OLE2_MAGIC):
        return "xls"
    return None


_HTML = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|style|title)\b",
                   re.IGNORECASE | re.DOTALL)
_XML = re.compile(rb"\s*<\?xml\b", re.IGNORECASE)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def not_a_workbook(head: bytes, suffix: str) -> FileError:
    """Why a file named like a workbook (its first KiB in `head`) is not one."""
    for bom in _BOMS:
        head = head.removeprefix(bom)
    if b"\x00" in head[:64] and head[:2] in (b"<\x00", b"\x00<"):   # UTF-16 text: look at its ASCII
        head = head.replace(b"\x00", b"")
    if _HTML.match(head) or (_XML.match(head) and re.search(rb"<html\b", head, re.IGNORECASE)):
        return FileError("xls_is_html", f"文件扩展名为 {suffix}，内容却是 HTML 网页表格（一些系统导出的“Excel”"
                                        "其实是网页）：请在 Excel 中另存为 XLSX 或 CSV 后重新报送")
    if _XML.match(head):
        return FileError("xls_is_xml", f"文件扩展名为 {suffix}，内容却是 XML（Excel 2003 XML 表格）："
                                       "请在 Excel 中另存为 XLSX 或 CSV 后重新报送")
    kind = "xls" if suffix == ".xls" else "xlsx"
    named = "Excel 97-2003 (XLS/BIFF8)" if kind == "xls" else "XLSX"
    return FileError(f"unreadable_{kind}", f"文件扩展名为 {suffix}，内容却不是 {named} 工作簿，无法读取")


class _Reader:
    """One child process reading one workbook (its sheet list, or one sheet's rows)."""

    def __init__(self, path: Path, sheet: str, kind: str):
        self.kind = kind
        env = dict(os.environ)
        # The child runs this very code, whichever copy of the package imported it.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "publish.read.sheet_reader", str(path), sheet,
             str(SPREADSHEET_READER_MEMORY_BYTES)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def messages(self) -> Iterator[tuple]:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            try:
                message = pickle.load(stdout)
            except Exception:  # noqa: BLE001 - the child died mid-message, or never spoke
                raise FileError(f"unreadable_{self.kind}",
                                f"工作簿读取进程异常退出（{_exit_reason(self.proc.wait())}），"
                                "文件可能损坏或读取所需内存超过上限") from None
            if message[0] == "error":
                raise FileError(message[1], message[2])
            yield message
            if message[0] in ("sheets", "end"):
                return

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"信号 {signal.Signals(-returncode).name}"
        except ValueError:
            return f"信号 {-returncode}"
    return f"退出码 {returncode}"


def sheet_names(path: Path, kind: str) -> list[str]:
    reader = _Reader(path, "", kind)
    try:
        for message in reader.messages():
            if message[0] == "sheets":
                return list(message[1])
        return []
    finally:
        reader.close()


def _sheet_rows(reader: _Reader) -> Iterator[Row]:
    """(row number in the sheet, cells) of every non-empty row."""
    number = 0
    for message in reader.messages():
        if message[0] == "start":
            number = message[1]
        elif message[0] == "rows":
            for cells in message[1]:
                number += 1
                if any(c not in (None, "") for c in cells):
                    yield number, cells


def check_size(path: Path, kind: str) -> None:
    """An XLS is not compressed: its size on disk is what the reader must hold."""
    size = path.stat().st_size
    if kind == "xls" and size > XLS_MAX_BYTES:
        raise FileError("xls_too_large",
                        f"XLS 文件 {size / _MIB:.0f} MiB，超过上限 {XLS_MAX_BYTES / _MIB:.0f} MiB，未读取")


def read_workbook(path: Path, kind: str, label: str, is_header: Callable[[list], bool],
                  only: str | None = None) -> Iterator[SourceTable]:
    """The worksheets of a workbook (`kind` "xlsx" or "xls") as tables (only the one
    labelled `only`, when given)."""
    check_size(path, kind)
    for name in sheet_names(path, kind):
        sheet_label = f"{label}#{name}"
        if only is not None and sheet_label != only:
            continue
        reader = _Reader(path, name, kind)
        stream = _sheet_rows(reader)
        try:
            found = find_header(stream, is_header)
        except FileError as exc:
            reader.close()
            yield SourceTable(sheet_label, [], -1, iter(()), [(None, exc.code, exc.message)])
            continue
        if found is None:
            reader.close()
            yield SourceTable(sheet_label, [], 0, iter(()), [])
            continue
        header_row, header = found
        errors: list = []
        yield table_without_notes(sheet_label, header, header_row, _rest(stream, errors), reader.close, errors)


def _rest(stream: Iterator[Row], errors: list) -> Iterator[Row]:
    """The rows after the header; a reading that stops part-way is the sheet's error."""
    try:
        yield from stream
    except FileError as exc:
        errors.append((None, exc.code, f"工作表未读完：{exc.message}"))

"""XLSX (and every workbook calamine reads): each worksheet is a table. The reading itself
happens in a child process (publish/read/sheet_reader.py) under a memory limit; this side
turns its messages into tables, and its errors or death into a FileError for that file or
sheet, so a hostile workbook is one file's problem."""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ..settings import SPREADSHEET_READER_MEMORY_BYTES
from .tables import FileError, Row, Rows, SourceTable, find_header

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class _Reader:
    """One child process reading one workbook (its sheet list, or one sheet's rows)."""

    def __init__(self, path: Path, sheet: str):
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
                raise FileError("unreadable_xlsx",
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


def sheet_names(path: Path) -> list[str]:
    reader = _Reader(path, "")
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


def read_xlsx(path: Path, label: str, is_header: Callable[[list], bool],
              only: str | None = None) -> Iterator[SourceTable]:
    """The worksheets of a workbook as tables (only the one labelled `only`, when given)."""
    for name in sheet_names(path):
        sheet_label = f"{label}#{name}"
        if only is not None and sheet_label != only:
            continue
        reader = _Reader(path, name)
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
        yield SourceTable(sheet_label, header, header_row, Rows(_rest(stream, errors), reader.close), errors)


def _rest(stream: Iterator[Row], errors: list) -> Iterator[Row]:
    """The rows after the header; a reading that stops part-way is the sheet's error."""
    try:
        yield from stream
    except FileError as exc:
        errors.append((None, exc.code, f"工作表未读完：{exc.message}"))

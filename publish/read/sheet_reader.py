"""The spreadsheet reader's child process: `python -m publish.read.sheet_reader PATH SHEET MEMORY`.

Workbooks, XLSX and XLS (BIFF8), are read with python-calamine (Rust: fast, reads both,
never expands XML entities). Calamine builds a sheet in memory and aborts its process when an allocation
fails (a tiny file can ask for a grid of billions of cells), so it runs here, under an
address-space limit, and the build only ever sees messages or this process's death.

It writes pickled messages to stdout: `("sheets", [names])` when SHEET is empty; else
`("start", first row index)`, `("rows", [cells, …])`…, `("end",)`; or `("error", code,
message)`. Before calamine opens anything, the zip directory is checked against the caps
(publish/settings.py), so a part that would expand past them is never read.
"""
from __future__ import annotations

import pickle
import resource
import sys
import zipfile
from pathlib import Path
from typing import BinaryIO

from ..settings import (
    XLSX_MAX_PARTS,
    XLSX_OTHER_PART_MAX_BYTES,
    XLSX_SHARED_STRINGS_MAX_BYTES,
    XLSX_SHEET_MAX_BYTES,
)
from .cells import without_controls

CHUNK_CELLS = 50_000   # per message: wide rows make short chunks, so the build's memory stays flat
_MIB = 1 << 20


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def part_cap(name: str) -> int | None:
    """The largest expanded size allowed for a zip part (None: a part no reader expands)."""
    lower = name.lower()
    if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
        return XLSX_SHEET_MAX_BYTES
    if lower.endswith("sharedstrings.xml"):
        return XLSX_SHARED_STRINGS_MAX_BYTES
    if lower.endswith((".xml", ".rels", ".vml")):
        return XLSX_OTHER_PART_MAX_BYTES
    return None


def check_parts(path: Path) -> None:
    """Refuses a workbook whose zip directory declares a part larger than its cap (the zip
    reader never expands a part past its declared size: a lying size is a read error)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise Refused("unreadable_xlsx", f"XLSX 文件损坏或不完整，无法打开：{exc}") from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise Refused("xlsx_too_large", f"XLSX 文件含 {len(parts)} 个部件，超过上限 {XLSX_MAX_PARTS}")
        for part in parts:
            cap = part_cap(part.filename)
            if cap is not None and part.file_size > cap:
                raise Refused("xlsx_too_large",
                              f"XLSX 部件 {part.filename} 解压后 {part.file_size / _MIB:.0f} MiB，"
                              f"超过上限 {cap / _MIB:.0f} MiB，未读取")


def _cell(value: object) -> object:
    return without_controls(value) if isinstance(value, str) else value


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


def _open(path: Path, kind: str):
    from python_calamine import CalamineWorkbook  # only this process pays for it

    if path.suffix.lower() in _SUFFIXES[kind]:
        return CalamineWorkbook.from_path(str(path))
    with open(path, "rb") as fh:   # a workbook under another name: judged from its bytes
        return CalamineWorkbook.from_filelike(fh)


def _kind(path: Path) -> str:
    """"xlsx" for a zip, else "xls" (the parent sends only these two, judged from the bytes)."""
    with open(path, "rb") as fh:
        return "xlsx" if fh.read(4) == b"PK\x03\x04" else "xls"


def worksheet_names(workbook) -> list[str]:
    from python_calamine import SheetTypeEnum

    return [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]


def run(path: Path, sheet: str, out: BinaryIO) -> None:
    def send(message: tuple) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    kind = _kind(path)
    try:
        if kind == "xlsx":
            check_parts(path)
        workbook = _open(path, kind)
        if not sheet:
            send(("sheets", worksheet_names(workbook)))
            return
        data = workbook.get_sheet_by_name(sheet)
        start = data.start
        send(("start", start[0] if start else 0))
        chunk: list[list] = []
        cells = 0
        for row in data.iter_rows():
            chunk.append([_cell(v) for v in row])
            cells += len(row)
            if cells >= CHUNK_CELLS:
                send(("rows", chunk))
                chunk, cells = [], 0
        if chunk:
            send(("rows", chunk))
        send(("end",))
    except Refused as exc:
        send(("error", exc.code, exc.message))
    except MemoryError:
        send(("error", f"{kind}_too_large", "读取该工作簿所需内存超过上限，未读取"))
    except Exception as exc:  # noqa: BLE001 - whatever a hostile workbook makes the reader raise
        send(("error", f"unreadable_{kind}", f"工作簿无法读取：{type(exc).__name__}: {str(exc)[:300]}"))


def main(argv: list[str]) -> int:
    path, sheet, memory = Path(argv[0]), argv[1], int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    out = sys.stdout.buffer
    run(path, sheet, out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

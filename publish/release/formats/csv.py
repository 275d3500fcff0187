"""`<table>.csv`: UTF-8 with a byte-order mark (so Excel on Chinese Windows reads it as
UTF-8), a header row of the standard's Chinese names, and formula-like text cells prefixed
with `'` as OWASP recommends ("CSV Injection"), so a spreadsheet shows them as text."""
from __future__ import annotations

import csv
from pathlib import Path

from ..tables import ReleaseTable
from . import FORMULA_STARTS


def neutralised(row: tuple) -> list:
    return [f"'{v}" if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in row]


class CsvWriter:
    def __init__(self, path: Path, table: ReleaseTable) -> None:
        self.path = path
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed in close())
        self.writer = csv.writer(self.file)
        self.writer.writerow(table.labels)

    def write(self, batch: list[tuple]) -> None:
        self.writer.writerows(neutralised(row) for row in batch)

    def close(self) -> int:
        self.file.close()
        return self.path.stat().st_size

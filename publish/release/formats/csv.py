"""`<table>.csv`: UTF-8 with a byte-order mark (so Excel on Chinese Windows reads it as
UTF-8), a header row of the standard's Chinese names, and formula-like text cells prefixed
with `'` as OWASP recommends ("CSV Injection"), so a spreadsheet shows them as text."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..tables import ReleaseTable
from . import FORMULA_STARTS


def neutralised(row: tuple) -> list:
    return [f"'{v}" if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in row]


def write_csv(path: Path, table: ReleaseTable, batches: Iterable[list[tuple]]) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.labels)
        for batch in batches:
            writer.writerows(neutralised(row) for row in batch)
    return path.stat().st_size

"""One module per file format of a release; each writes one table from batches of rows
(publish/release/tables.py) and says how many bytes it wrote.

What spreadsheets do with a text cell is decided here, once: a cell a spreadsheet would run
as a formula (OWASP "CSV Injection": starting with `=`, `+`, `-`, `@`, TAB or CR).
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)

"""One module per file format of a release; each writes one table from batches of rows
(publish/release/tables.py) and says how many bytes it wrote.

What spreadsheets do with a text cell is decided here, once: a cell a spreadsheet would run
as a formula (OWASP "CSV Injection": starting with `=`, `+`, `-`, `@`, TAB or CR).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

R = TypeVar("R", covariant=True)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class Writer(Protocol[R]):
    """A format's writer of one table: batches of rows in, then what it wrote."""

    def write(self, batch: list[tuple]) -> None: ...

    def close(self) -> R: ...


def write_table(writer: Writer[R], batches: Iterable[list[tuple]]) -> R:
    for batch in batches:
        writer.write(batch)
    return writer.close()

"""Nothing in a release escapes redaction: the release's public.db goes through the project's
scanner (redaction/scan.py `scan_database`, the rules `scan` applies), and every other file it
writes is read back with the tool a user would use and compared, row by row, with that
database: a row that is not exactly the database's (as the format writes it) is searched by the
same scanner, and so is a header that is not the table's. Each value is thus searched once, not
once per format, and a value planted in any one file is still found. A finding refuses the
release (publish/release/command.py)."""
from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import zip_longest
from pathlib import Path
from urllib.parse import quote

from redaction.checkdigits import is_valid_uscc
from redaction.scan import (
    SHORT,
    Finding,
    excerpt,
    find_in_text,
    find_in_text_remembered,
    is_digest,
    is_uscc_column,
    scan_database,
    worth_searching,
)

from .formats import FORMULA_STARTS
from .tables import ReleaseTable


def _fingerprint(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def scan_values(where: str, names: tuple[str, ...], rows: Iterable[Iterable[object]],
                clean: set[bytes] | None = None) -> list[Finding]:
    """What the scanner finds in rows of values under the columns `names` (English field
    names): a valid USCC alone in a USCC column and a digest in a digest column are exempt,
    as in scan_database. `clean`: fingerprints of long texts already searched and found
    clean (in another file of the same table), which need no second search; texts found
    clean here are added."""
    columns = [(name, is_uscc_column(name)) for name in names]
    found: list[Finding] = []
    for number, row in enumerate(rows, start=1):
        for (column, is_uscc), value in zip(columns, row, strict=False):
            if value is None or isinstance(value, bool):
                continue
            if isinstance(value, int | float) and -1e10 < value < 1e10:
                continue
            text = value if isinstance(value, str) else str(value)
            if len(text) < 11 and not worth_searching(text, len(text)):
                continue
            if is_digest(column, text) or (is_uscc and is_valid_uscc(text.strip())):
                continue
            if clean is not None and len(text) > SHORT:
                key = _fingerprint(text)
                if key in clean:
                    continue
                hits = find_in_text(text)
                if not hits:
                    clean.add(key)
            else:
                hits = find_in_text_remembered(text)
            for start, end, kind in hits:
                found.append(Finding(where, column, number, kind, excerpt(text, start, end)))
    return found


# --- Reading the files back ------------------------------------------------------------------
# Each reader yields a file's rows below its header(s), and adds each header it passes to
# `headers` (a header that is not the table's Chinese names is searched too).

Reader = Callable[[Path, ReleaseTable, list], Iterator[Sequence[object]]]


def _csv_rows(path: Path, table: ReleaseTable, headers: list) -> Iterator[Sequence[object]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        headers.append(tuple(next(reader, ())))
        yield from map(tuple, reader)


class _Unexpected:
    """Heads a JSON line that is not an object with the table's keys in order: its keys and
    values follow, so the row equals no row of the reference and all of it is searched."""

    def __repr__(self) -> str:
        return ""


UNEXPECTED = _Unexpected()


def _jsonl_rows(path: Path, table: ReleaseTable, headers: list) -> Iterator[Sequence[object]]:
    names, loads = table.names, json.loads
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            record = loads(line)
            if record.__class__ is dict and tuple(record) == names:
                yield tuple(record.values())
            elif isinstance(record, dict):
                yield (UNEXPECTED, *record, *record.values())
            else:
                yield (UNEXPECTED, record)


def _parquet_rows(path: Path, table: ReleaseTable, headers: list) -> Iterator[Sequence[object]]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    labels = dict(zip(table.names, table.labels, strict=True))
    headers.append(tuple(labels.get(n, n) for n in parquet.schema_arrow.names))
    for batch in parquet.iter_batches(batch_size=20_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _xlsx_rows(path: Path, table: ReleaseTable, headers: list) -> Iterator[Sequence[object]]:
    """Every sheet's rows below its header, read with python-calamine (the project's workbook
    reader, publish/read/sheet_reader.py): openpyxl reads a million rows a hundred times slower."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        rows = map(tuple, workbook.get_sheet_by_name(name).iter_rows())
        headers.append(next(rows, ()))
        yield from rows


READERS: dict[str, Reader] = {".csv": _csv_rows, ".jsonl": _jsonl_rows, ".parquet": _parquet_rows,
                              ".xlsx": _xlsx_rows}


# --- What each format holds for a row of the release's public.db ------------------------------
# Rendered by SQLite, so comparing a file's row with the reference's is one comparison of two
# tuples. A number with 11 digits or more that is not an integer (which scan_database does not
# search as text, but which a file writes as digits) renders as NULL: it equals no cell, so its
# row is searched in the file.

def _guarded(column: str, rendered: str) -> str:
    return f"CASE WHEN typeof({column}) = 'real' AND abs({column}) >= 1e10 THEN NULL ELSE {rendered} END"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'" if value.isprintable() else f"char({ord(value)})"


def _csv_cell(column: str, sql_type: type) -> str:
    """csv.py's cell: NULL as empty, formula-like text after a `'`."""
    if sql_type is not str:
        return _guarded(column, f"ifnull(CAST({column} AS TEXT), '')")
    starts = ", ".join(_sql_text(s) for s in FORMULA_STARTS)
    return (f"CASE WHEN {column} IS NULL THEN '' WHEN substr({column}, 1, 1) IN ({starts}) "
            f"THEN {_sql_text(chr(39))} || {column} ELSE CAST({column} AS TEXT) END")


def _typed_cell(column: str, sql_type: type) -> str:
    return column if sql_type is str else _guarded(column, column)


def _xlsx_cell(column: str, sql_type: type) -> str:
    """As python-calamine reads a cell back: an empty one as ''."""
    return f"ifnull({column}, '')" if sql_type is str else _guarded(column, f"ifnull({column}, '')")


CELLS: dict[str, Callable[[str, type], str]] = {".csv": _csv_cell, ".jsonl": _typed_cell,
                                                ".parquet": _typed_cell, ".xlsx": _xlsx_cell}


def _reference_rows(conn: sqlite3.Connection, table: ReleaseTable, suffix: str) -> Iterator[tuple]:
    render = CELLS[suffix]
    columns = ", ".join(render(f"[{c.name}]", c.sql_type) for c in table.columns)
    yield from conn.execute(f"SELECT {columns} FROM [{table.name}] ORDER BY rowid")


def _differing(rows: Iterator[Sequence[object]], reference: Iterator[tuple]) -> Iterator[tuple[int, Sequence]]:
    """(number, row) of each row of a file that is not the reference's row at its place."""
    for number, (row, expected) in enumerate(zip_longest(rows, reference), start=1):
        if row != expected and row is not None:
            yield number, row


def _scan_row(where: str, table: ReleaseTable, number: int, row: Sequence[object],
              clean: set[bytes] | None) -> list[Finding]:
    aligned = len(row) == len(table.names) and (not row or row[0] is not UNEXPECTED)
    names = table.names if aligned else ("",) * len(row)   # (no column's exemption applies)
    return [Finding(f.table, f.column, number, f.kind, f.excerpt) for f in scan_values(where, names, [row], clean)]


def scan_file(path: Path, table: ReleaseTable, reference: sqlite3.Connection | None = None,
              clean: set[bytes] | None = None) -> list[Finding]:
    """What the scanner finds in one file of the table, read back as a user would read it.

    With `reference` (the release's public.db, which scan_database searched whole), only the
    rows that are not exactly the reference's row at their place are searched: the others hold
    nothing the database's scan did not see. Without it, every row is."""
    headers: list = []
    rows = READERS[path.suffix](path, table, headers)
    if reference is None:
        found = [f for number, row in enumerate(rows, start=1) for f in _scan_row(path.name, table, number, row, clean)]
    else:
        found = [f for number, row in _differing(rows, _reference_rows(reference, table, path.suffix))
                 for f in _scan_row(path.name, table, number, row, clean)]
    for header in headers:
        if header != table.labels:
            found += scan_values(path.name, ("header",) * len(header), [header])
    return found


def scan_table_files(directory: Path, table: ReleaseTable, reference: Path | None = None) -> list[Finding]:
    """The table's CSV, JSON Lines, Parquet and XLSX files, read back and scanned; with
    `reference` (the release's public.db, scanned whole), only what differs from it."""
    conn = _connect_ro(reference) if reference else None
    found: list[Finding] = []
    clean: set[bytes] = set()
    try:
        for suffix in READERS:
            found += scan_file(directory / f"{table.name}{suffix}", table, conn, clean)
    finally:
        if conn is not None:
            conn.close()
    return found


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def _scan_job(job: tuple[Path, ReleaseTable, str, Path]) -> list[Finding]:
    directory, table, suffix, reference = job
    conn = _connect_ro(reference)
    try:
        return scan_file(directory / f"{table.name}{suffix}", table, conn)
    finally:
        conn.close()


def scan_release_files(directory: Path, tables: Iterable[ReleaseTable], reference: Path,
                       processes: int = 1) -> list[Finding]:
    """scan_table_files for every table, a file at a time in each of `processes` processes
    (the biggest tables first, so they end together); the findings in the tables' order."""
    from .parallel import map_forked

    jobs = [(directory, table, suffix, reference) for table in tables for suffix in READERS]
    order = sorted(range(len(jobs)), key=lambda i: -(directory / f"{jobs[i][1].name}.csv").stat().st_size)
    done = dict(zip(order, map_forked(_scan_job, [jobs[i] for i in order], processes), strict=True))
    return [finding for i in range(len(jobs)) for finding in done[i]]


def scan_release_db(path: Path) -> list[Finding]:
    return [Finding(f"{path.name}:{f.table}", f.column, f.rowid, f.kind, f.excerpt) for f in scan_database(path)]


def scan_text_file(path: Path) -> list[Finding]:
    """A text file of ours (README, CHANGES, the data package): its whole text."""
    text = path.read_text(encoding="utf-8")
    return [Finding(path.name, "", None, kind, excerpt(text, start, end)) for start, end, kind in find_in_text(text)]


def scan_delta(path: Path) -> list[Finding]:
    """A delta holds record keys only (digests, exempt) and the names of ops and tables."""
    with open(path, encoding="utf-8") as fh:
        rows = ([line.get("op"), line.get("table"), line.get("key")] for line in map(json.loads, fh))
        return scan_values(path.name, ("op", "table", "record_key"), rows)

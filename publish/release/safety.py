"""Nothing in a release escapes redaction: every file it writes is read back with the tool
a user would use and each value goes through the project's scanner (redaction/scan.py), the
same rules `scan` applies to a database; the release's public.db through `scan_database`.
A finding refuses the release (publish/release/command.py)."""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

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


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # the header: Chinese names, the columns are the table's
        yield from reader


def _jsonl_rows(path: Path, names: tuple[str, ...]) -> Iterator[list[object]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            yield [record.get(n) for n in names]


def _parquet_rows(path: Path) -> Iterator[tuple]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=20_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _xlsx_rows(path: Path) -> Iterator[Sequence[object]]:
    """Every sheet's rows below its header, read with python-calamine (the project's workbook
    reader, publish/read/sheet_reader.py): openpyxl reads a million rows a hundred times slower."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).iter_rows()
        next(rows, None)
        yield from rows


def scan_table_files(directory: Path, table: ReleaseTable) -> list[Finding]:
    """The table's CSV, JSON Lines, Parquet and XLSX files, read back and scanned."""
    names = table.names
    readers: dict[str, Callable[[Path], Iterator[Sequence[object]]]] = {
        ".csv": _csv_rows, ".jsonl": lambda p: _jsonl_rows(p, names), ".parquet": _parquet_rows, ".xlsx": _xlsx_rows,
    }
    found: list[Finding] = []
    clean: set[bytes] = set()
    for suffix, read in readers.items():
        path = directory / f"{table.name}{suffix}"
        found += scan_values(path.name, names, read(path), clean)
    return found


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

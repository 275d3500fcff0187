"""What every reader gives the build: tables of (row number, cells), and the two ways
reading can fail: a whole file (`FileError`) or one record (`BadRecord`)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import PublishError
from ..settings import MAX_CELL_CHARS

HEADER_SEARCH_ROWS = 20

Row = tuple[int, list]


class NoteCount:
    """How many template note rows a table's reading skipped so far (publish/read/notes.py)."""

    def __init__(self) -> None:
        self.skipped = 0


@dataclass
class SourceTable:
    """One table of a source file: `source` names file and sheet for people."""
    source: str
    header: list
    header_row: int
    rows: Iterator[Row]
    errors: list          # problems that stopped the reading: (row number or None, code, message)
    notes: NoteCount = field(default_factory=NoteCount)

    @property
    def notes_skipped(self) -> int:
        """Note rows skipped among the rows read so far (all of them, once `rows` ended)."""
        return self.notes.skipped


class FileError(PublishError):
    """A whole file (or sheet) cannot be read; the build reports it and goes on."""


class BadRecord(list):
    """A record of the file that could not be decoded or parsed: counted and quarantined
    with `code` (a reason of publish/validate.py REASONS) and its raw text, never lost."""

    def __init__(self, code: str, message: str, raw: str):
        super().__init__()
        self.code = code
        self.message = message
        self.raw = shorten(raw)


class Rows:
    """A table's rows that release what reads them (a file, a child process) when they end
    or are closed, even if never started: a generator's `finally` would not run then."""

    def __init__(self, rows: Iterator[Row], release: Callable[[], None]):
        self._rows = rows
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Rows:
        return self

    def __next__(self) -> Row:
        try:
            return next(self._rows)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


def shorten(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """A raw value as the quarantine keeps it: whole up to the cell cap, else cut and marked."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（已截断，原长 {len(text)} 字符）"


def find_header(rows: Iterator[Row], is_header: Callable[[list], bool]) -> Row | None:
    """The first (row number, cells) among the first rows that `is_header` accepts; bad
    records before it sit where title rows do and are not records of the table."""
    for seen, (number, cells) in enumerate(rows, start=1):
        if seen > HEADER_SEARCH_ROWS:
            return None
        if not isinstance(cells, BadRecord) and is_header(cells):
            return number, cells
    return None

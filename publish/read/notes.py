"""Template note rows (表格说明：…, 填报说明, 注：…): skipped and counted, never records.

The note words are data (publish/data/template_notes.yml). A row is a note when its only
non-empty cell is one, or when its first cell is one (unless the table's own first column
is headed by a note word, e.g. a 备注 column first: then its cells are data); the rows
right after a note whose only cell begins with a list number are its items.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import yaml

from ..resources import data_file
from .tables import BadRecord, NoteCount, Row, Rows, SourceTable

_LIST_ITEM = re.compile(r"\s*(?:[(（]?[0-9０-９一二三四五六七八九十]{1,3}[)）、.．:：]|[①-⑳])")


@lru_cache(maxsize=4)
def note_pattern(path: Path | None = None) -> re.Pattern[str]:
    """The note words of data/template_notes.yml as one pattern (longest word first)."""
    with open(path or data_file("template_notes.yml"), encoding="utf-8") as fh:
        words = sorted(yaml.safe_load(fh)["words"], key=len, reverse=True)
    words_ = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\s*[※*＊#＃]*\s*(?:[【\[［(（<《]\s*(?:{words_})\s*[】\]］)）>》]"
                      rf"|(?:{words_})\s*(?:[0-9０-９一二三四五六七八九十]{{0,3}}\s*[:：]|$))")


def is_note_cell(value: object) -> bool:
    return isinstance(value, str) and note_pattern().match(value) is not None


def _filled(cells: list) -> list:
    return [c for c in cells if c is not None and (not isinstance(c, str) or c.strip())]


def table_without_notes(source: str, header: list, header_row: int, rows: Iterator[Row],
                        release: Callable[[], None], errors: list | None = None) -> SourceTable:
    """A table whose rows skip (and count) note rows and release their reader when done."""
    count = NoteCount()
    return SourceTable(source, header, header_row, Rows(NoteRows(rows, header, count), release),
                       [] if errors is None else errors, count)


class NoteRows:
    """The rows of a table without its note rows, counted in `count`."""

    def __init__(self, rows: Iterator[Row], header: list, count: NoteCount):
        self._rows = rows
        # A table whose first column is itself a note word (备注 first) holds data there.
        self._first_cell_rule = not (header and is_note_cell(header[0]))
        self._after_note = False
        self.count = count

    def __iter__(self) -> NoteRows:
        return self

    def __next__(self) -> Row:
        while True:
            number, cells = next(self._rows)
            if isinstance(cells, BadRecord) or not self._is_note(cells):
                self._after_note = False
                return number, cells
            self.count.skipped += 1
            self._after_note = True

    def _is_note(self, cells: list) -> bool:
        filled = _filled(cells)
        if len(filled) == 1:
            only = filled[0]
            if is_note_cell(only):
                return True
            return self._after_note and isinstance(only, str) and _LIST_ITEM.match(only) is not None
        return bool(filled) and self._first_cell_rule and is_note_cell(cells[0])

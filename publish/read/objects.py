"""Tables of JSON objects (JSON Lines, JSON arrays, API answers): the header is the keys of
the first objects in the order first seen (an export may leave out a null field, so one
object's keys are not the table's), and each object's values come out in header order."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from ..settings import JSON_HEADER_OBJECTS, JSON_MAX_DEPTH
from .cells import TooDeep, flat_value, without_controls
from .notes import table_without_notes
from .tables import BadRecord, FileError, SourceTable

# (record number, object or BadRecord) of every record, from the top; closed when done.
Objects = Iterator[tuple[int, dict | BadRecord]]


def shown_text(text: str) -> str:
    return without_controls(text.rstrip("\r\n"))


def cells_of(obj: dict, keys: list, known: frozenset) -> list | BadRecord:
    """The object's values in header order, each a cell (nested values as text). A key the
    header lacks (first seen after the objects the header was read from) holding a value
    makes the record bad: its value would be dropped unseen."""
    try:
        cells = [flat_value(obj.get(key), JSON_MAX_DEPTH) for key in keys]
    except TooDeep:
        return BadRecord("malformed_json", f"嵌套超过 {JSON_MAX_DEPTH} 层",
                         shown_text(json.dumps(obj, ensure_ascii=False)))
    if not known.issuperset(obj):
        extra = [k for k in obj if k not in known and obj[k] not in (None, "")]
        if extra:
            listed = "、".join(f"“{without_controls(str(k))}”" for k in extra[:5])
            return BadRecord("malformed_json", f"含表头之外的字段 {listed}（表头取自前 {JSON_HEADER_OBJECTS} 个对象）",
                             shown_text(json.dumps(obj, ensure_ascii=False, default=str)))
    return cells


def header_of(objects: Objects) -> tuple[list, int]:
    """(keys as written, the first object's record number) over the first objects; ([], 0)
    when the records hold no object."""
    keys: dict = {}
    first = seen = 0
    try:
        for number, obj in objects:
            if isinstance(obj, dict):
                first = first or number
                keys.update(dict.fromkeys(obj))
                seen += 1
                if seen >= JSON_HEADER_OBJECTS:
                    break
    finally:
        close = getattr(objects, "close", None)
        if close is not None:
            close()
    return list(keys), first


def object_tables(label: str, open_objects: Callable[[list], Objects],
                  is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    """The one table of a file of objects. `open_objects(errors)` reads its records from the
    top (twice: for the header, then for the rows) and appends to `errors` a reason that
    stopped it part-way."""
    stopped: list = []
    keys, header_row = header_of(open_objects(stopped))
    if not header_row and stopped:   # no record read at all: the file is the problem
        raise FileError(*stopped[0][1:])
    header = [without_controls(str(k)) for k in keys]
    if not header_row or not is_header(header):
        yield SourceTable(label, header, header_row, iter(()), [])
        return
    known = frozenset(keys)
    errors: list = []
    records = open_objects(errors)
    rows = ((number, obj if isinstance(obj, BadRecord) else cells_of(obj, keys, known)) for number, obj in records)
    yield table_without_notes(label, header, header_row, rows, getattr(records, "close", lambda: None), errors)

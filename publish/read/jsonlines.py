"""JSON Lines: one object per line; the first object's keys are the header. Every non-blank
line is a record: one that does not decode, does not parse (nesting too deep for the
parser, an integer past Python's digit limit, a line over the cap) or is not an object is a
`BadRecord` (`undecodable_row`, `malformed_json`), never lost. Nested values become text."""
from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from ..settings import JSON_MAX_DEPTH, MAX_LINE_BYTES
from .cells import TooDeep, flat_value, without_controls
from .lines import LineDecoder, Overlong, physical_lines, sniff, undecodable_message
from .tables import BadRecord, Rows, SourceTable


def parse_line(raw: bytes | Overlong, decoder: LineDecoder) -> dict | BadRecord:
    """One line as an object, or the reason it is not one."""
    if isinstance(raw, Overlong):
        return BadRecord("malformed_json", f"该行长 {raw.size} 字节，超过上限 {MAX_LINE_BYTES} 字节", "")
    try:
        text = decoder.decode(raw)
    except UnicodeDecodeError as exc:
        return BadRecord("undecodable_row", undecodable_message(exc, decoder.encoding), decoder.shown(raw))
    try:
        obj = json.loads(text, strict=False)   # raw TABs in strings: cleaned below, not refused
    except json.JSONDecodeError as exc:
        return BadRecord("malformed_json", f"不是合法的 JSON：{exc.msg}", _shown(text))
    except RecursionError:
        return BadRecord("malformed_json", "嵌套层数过多", _shown(text))
    except ValueError as exc:   # e.g. an integer longer than Python's digit limit
        return BadRecord("malformed_json", f"数值无法读取：{str(exc)[:100]}", _shown(text))
    if not isinstance(obj, dict):
        return BadRecord("malformed_json", "不是 JSON 对象", _shown(text))
    return obj


def _shown(text: str) -> str:
    return without_controls(text.rstrip("\r\n"))


def cells_of(obj: dict, header: list) -> list | BadRecord:
    """The object's values in header order, each a cell (nested values as text)."""
    try:
        return [flat_value(obj.get(key), JSON_MAX_DEPTH) for key in header]
    except TooDeep:
        return BadRecord("malformed_json", f"嵌套超过 {JSON_MAX_DEPTH} 层", _shown(json.dumps(obj, ensure_ascii=False)))


def jsonl_records(path: Path) -> Generator[tuple[int, dict | BadRecord], None, None]:
    """(line number, object or BadRecord) for every non-blank line."""
    with open(path, "rb") as fh:
        decoder = LineDecoder(sniff(fh))
        for number, raw in enumerate(physical_lines(fh, MAX_LINE_BYTES), start=1):
            if isinstance(raw, bytes) and not raw.strip():
                continue
            yield number, parse_line(raw, decoder)


def read_jsonl(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    header: list = []
    keys: list = []     # as written; the header shows them without control characters
    header_row = 0
    search = jsonl_records(path)
    for number, parsed in search:
        if isinstance(parsed, dict):
            keys, header_row = list(parsed), number
            header = [without_controls(str(k)) for k in keys]
            break
    search.close()
    if not header_row or not is_header(header):
        yield SourceTable(label, header, header_row, iter(()), [])
        return

    # A second pass from the top: bad lines above the first object are records too.
    records = jsonl_records(path)
    rows = ((number, parsed if isinstance(parsed, BadRecord) else cells_of(parsed, keys))
            for number, parsed in records)
    yield SourceTable(label, header, header_row, Rows(rows, records.close), [])


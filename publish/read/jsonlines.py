"""JSON Lines: one object per line. Every non-blank line is a record: one that does not
decode, does not parse (nesting too deep for the parser, an integer past Python's digit
limit, a line over the cap) or is not an object is a `BadRecord` (`undecodable_row`,
`malformed_json`), never lost. Nested values become text (publish/read/objects.py)."""
from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from ..settings import MAX_LINE_BYTES
from .lines import LineDecoder, Overlong, physical_lines, sniff, undecodable_message
from .objects import object_tables, shown_text
from .tables import BadRecord, SourceTable


def parse_line(raw: bytes | Overlong, decoder: LineDecoder) -> dict | BadRecord:
    """One line as an object, or the reason it is not one."""
    if isinstance(raw, Overlong):
        return BadRecord("malformed_json", f"该行长 {raw.size} 字节，超过上限 {MAX_LINE_BYTES} 字节", "")
    try:
        text = decoder.decode(raw)
    except UnicodeDecodeError as exc:
        return BadRecord("undecodable_row", undecodable_message(exc, decoder.encoding), decoder.shown(raw))
    return parse_object(text)


def parse_object(text: str) -> dict | BadRecord:
    """The JSON text of one record as an object, or the reason it is not one."""
    try:
        obj = json.loads(text, strict=False)   # raw TABs in strings: cleaned later, not refused
    except json.JSONDecodeError as exc:
        return BadRecord("malformed_json", f"不是合法的 JSON：{exc.msg}", shown_text(text))
    except RecursionError:
        return BadRecord("malformed_json", "嵌套层数过多", shown_text(text))
    except ValueError as exc:   # e.g. an integer longer than Python's digit limit
        return BadRecord("malformed_json", f"数值无法读取：{str(exc)[:100]}", shown_text(text))
    if not isinstance(obj, dict):
        return BadRecord("malformed_json", "不是 JSON 对象", shown_text(text))
    return obj


def jsonl_records(path: Path) -> Generator[tuple[int, dict | BadRecord], None, None]:
    """(line number, object or BadRecord) for every non-blank line."""
    with open(path, "rb") as fh:
        decoder = LineDecoder(sniff(fh))
        for number, raw in enumerate(physical_lines(fh, MAX_LINE_BYTES), start=1):
            if isinstance(raw, bytes) and not raw.strip():
                continue
            yield number, parse_line(raw, decoder)


def read_jsonl(path: Path, label: str, is_header: Callable[[list], bool]) -> Iterator[SourceTable]:
    # Bad lines above the first object are records too: the rows are read from the top.
    return object_tables(label, lambda errors: jsonl_records(path), is_header)

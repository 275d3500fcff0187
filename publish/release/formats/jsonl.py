"""`<table>.jsonl`: one JSON object a line, English field names, values as stored (the
dictionary in datapackage.json gives their Chinese names)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..tables import ReleaseTable


def write_jsonl(path: Path, table: ReleaseTable, batches: Iterable[list[tuple]]) -> int:
    names = table.names
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for batch in batches:
            fh.write("".join(encode(dict(zip(names, row, strict=True))) + "\n" for row in batch))
    return path.stat().st_size

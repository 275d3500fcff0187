"""`<table>.jsonl`: one JSON object a line, English field names, values as stored (the
dictionary in datapackage.json gives their Chinese names)."""
from __future__ import annotations

import json
from pathlib import Path

from ..tables import ReleaseTable


class JsonlWriter:
    def __init__(self, path: Path, table: ReleaseTable) -> None:
        self.path = path
        self.names = table.names
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 (closed in close())

    def write(self, batch: list[tuple]) -> None:
        names, encode = self.names, self.encode
        self.file.write("".join([encode(dict(zip(names, row, strict=True))) + "\n" for row in batch]))

    def close(self) -> int:
        self.file.close()
        return self.path.stat().st_size

"""`<table>.parquet` (pyarrow): typed columns from the kind model; codes are strings, so a
USCC of digits alone keeps its digits."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..tables import ReleaseTable

ARROW_TYPES = {int: pa.int64(), float: pa.float64(), str: pa.string()}


def arrow_schema(table: ReleaseTable) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.sql_type]) for c in table.columns])


class ParquetWriter:
    def __init__(self, path: Path, table: ReleaseTable) -> None:
        self.path = path
        self.schema = arrow_schema(table)
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, batch: list[tuple]) -> None:
        columns = zip(*batch, strict=True)
        self.writer.write_batch(pa.record_batch(
            [pa.array(column, type=f.type) for column, f in zip(columns, self.schema, strict=True)],
            schema=self.schema))

    def close(self) -> int:
        self.writer.close()
        return self.path.stat().st_size

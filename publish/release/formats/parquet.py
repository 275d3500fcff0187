"""`<table>.parquet` (pyarrow): typed columns from the kind model; codes are strings, so a
USCC of digits alone keeps its digits. Batches are gathered into row groups of ROW_GROUP rows:
a row group per 10,000-row batch would make a file slower to write and to read and less
compressed."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..tables import ReleaseTable

ARROW_TYPES = {int: pa.int64(), float: pa.float64(), str: pa.string()}
ROW_GROUP = 100_000


def arrow_schema(table: ReleaseTable) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.sql_type]) for c in table.columns])


class ParquetWriter:
    def __init__(self, path: Path, table: ReleaseTable) -> None:
        self.path = path
        self.schema = arrow_schema(table)
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.pending: list[pa.RecordBatch] = []
        self.rows = 0

    def write(self, batch: list[tuple]) -> None:
        columns = zip(*batch, strict=True)
        self.pending.append(pa.record_batch(
            [pa.array(column, type=f.type) for column, f in zip(columns, self.schema, strict=True)],
            schema=self.schema))
        self.rows += len(batch)
        if self.rows >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.Table.from_batches(self.pending, schema=self.schema), row_group_size=self.rows)
            self.pending, self.rows = [], 0

    def close(self) -> int:
        self._flush()
        self.writer.close()
        return self.path.stat().st_size

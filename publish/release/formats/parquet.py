"""`<table>.parquet` (pyarrow): typed columns from the kind model; codes are strings, so a
USCC of digits alone keeps its digits."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..tables import ReleaseTable

ARROW_TYPES = {int: pa.int64(), float: pa.float64(), str: pa.string()}


def arrow_schema(table: ReleaseTable) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.sql_type]) for c in table.columns])


def write_parquet(path: Path, table: ReleaseTable, batches: Iterable[list[tuple]]) -> int:
    schema = arrow_schema(table)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            columns = list(zip(*batch, strict=True))
            writer.write_batch(pa.record_batch([pa.array(list(col), type=f.type)
                                                for col, f in zip(columns, schema, strict=True)], schema=schema))
    return path.stat().st_size

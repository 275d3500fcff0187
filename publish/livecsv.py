"""`/downloads/live/<table>.csv`: a whole public table as of today, as the release writes it.

The tables, their Chinese headers and their rows are the release's (publish/release/tables.py:
the same public tables, the windowed kinds read through their views), and so is each cell
(publish/release/formats/csv.py: UTF-8 with a byte-order mark, formula-like text prefixed with
`'`); only the day differs: the release applies the day after its build, this stream the day
the request came (one day for the whole stream, however long it runs).

Rows are read in key order by keyset (`WHERE key > last ORDER BY key LIMIT n`), never
`OFFSET`, so every batch costs the same however deep into the table it is; each batch is read
and encoded on one of the server's read threads and sent as one body chunk.

A client may hold STREAMS_PER_CLIENT streams at once (`StreamSlots`); another is refused with
429 and Retry-After.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

from .release.formats.csv import neutralised
from .release.tables import ReleaseTable

ROUTE = re.compile(r"^/downloads/live/([A-Za-z0-9_]+)\.csv$")
PREFIX = "/downloads/live/"
STREAMS_PER_CLIENT = 2
RETRY_AFTER_SECONDS = 10
# Rows per batch: one read-thread call and one body chunk (about 1–5 MB of CSV for the kinds).
BATCH_ROWS = 5_000
ROWID = "rowid"


def live_url(table: str) -> str:
    return f"{PREFIX}{table}.csv"


def key_columns(table: ReleaseTable) -> tuple[str, ...]:
    """What the stream orders and resumes by: the table's primary key (the release's order),
    else its rowid."""
    return table.primary_key or (ROWID,)


def batch_sql(table: ReleaseTable, first: bool) -> str:
    """A batch of rows after the last key sent (the first batch: from the start). The key
    columns lead each row, then the released columns."""
    keys = key_columns(table)
    listed = ", ".join(f"[{c}]" for c in keys)
    selected = ", ".join(f"[{c}]" for c in (*keys, *table.names))
    after = "" if first else f" WHERE ({listed}) > ({', '.join('?' * len(keys))})"
    return f"SELECT {selected} FROM [{table.source}]{after} ORDER BY {listed} LIMIT ?"


def header_bytes(table: ReleaseTable) -> bytes:
    return codecs.BOM_UTF8 + encode_rows([table.labels])


def encode_rows(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)   # the release's CsvWriter dialect: excel, CRLF
    return out.getvalue().encode("utf-8")


class UnkeyedRow(sqlite3.DatabaseError):
    """A row whose key is NULL: keyset reading cannot resume after it (the stream would end
    early and look complete), so the stream breaks instead."""


@dataclass(frozen=True)
class Batch:
    body: bytes
    rows: int
    last_key: tuple | None   # None: the table ended with this batch


def read_batch(conn: sqlite3.Connection, table: ReleaseTable, after: tuple | None,
               size: int = BATCH_ROWS) -> Batch:
    """The CSV of the rows after key `after` (None: the first rows), at most `size` of them."""
    params = (*(after or ()), size)
    found = conn.execute(batch_sql(table, after is None), params).fetchall()
    width = len(key_columns(table))
    body = encode_rows(neutralised(row[width:]) for row in found)
    if len(found) < size:
        return Batch(body, len(found), None)
    last = tuple(found[-1][:width])
    if any(v is None for v in last):
        raise UnkeyedRow(f"{table.name}: a row without a key")
    return Batch(body, len(found), last)


def content_disposition(table: ReleaseTable, day: dt.date | str) -> str:
    """An attachment named by the table's Chinese title and the day (RFC 6266 `filename*`),
    with an ASCII name for clients that read only `filename`."""
    return (f'attachment; filename="{table.name}-{day}.csv"; '
            f"filename*=UTF-8''{quote(f'{table.title}_{day}.csv', safe='')}")


def response_headers(table: ReleaseTable, day: dt.date | str) -> list[tuple[bytes, bytes]]:
    """No Content-Length: the body is sent chunked as it is read. Not cached: "today" moves."""
    return [(b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", content_disposition(table, day).encode("latin-1")),
            (b"cache-control", b"no-store")]


class StreamSlots:
    """The streams each client holds. Used from the event loop only: `take` counts a stream in
    (or says no), every taken slot is given back once."""

    def __init__(self, per_client: int = STREAMS_PER_CLIENT) -> None:
        self.per_client = per_client
        self.held: Counter[str] = Counter()

    def take(self, client: str) -> bool:
        if self.held[client] >= self.per_client:
            return False
        self.held[client] += 1
        return True

    def give_back(self, client: str) -> None:
        self.held[client] -= 1
        if self.held[client] <= 0:
            del self.held[client]

    def refusal_message(self) -> str:
        return f"同一来源同时进行的整表下载（/downloads/live/）最多 {self.per_client} 个：请等前面的下载完成后再试。"

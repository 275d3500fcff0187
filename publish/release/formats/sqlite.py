"""`public.db` of the release: plain tables with the released rows, no views and no
function of ours, so `select * from penalties` works in sqlite3, pandas and any SQLite tool."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ..tables import SQL_TYPE_NAMES, ReleaseTable


def create_sql(table: ReleaseTable) -> str:
    columns = [f"[{c.name}] {SQL_TYPE_NAMES[c.sql_type]}" for c in table.columns]
    if table.primary_key:
        columns.append("PRIMARY KEY (" + ", ".join(f"[{c}]" for c in table.primary_key) + ")")
    return f"CREATE TABLE [{table.name}] (" + ", ".join(columns) + ")"


def write_sqlite_table(path: Path, table: ReleaseTable, batches: Iterable[list[tuple]]) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            conn.execute(create_sql(table))
            insert = (f"INSERT INTO [{table.name}] VALUES (" + ", ".join("?" * len(table.columns)) + ")")
            for batch in batches:
                conn.executemany(insert, batch)
    finally:
        conn.close()

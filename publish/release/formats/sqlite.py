"""`public.db` of the release: plain tables with the released rows, no views and no
function of ours, so `select * from <table>` works in sqlite3, pandas and any SQLite tool."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from ..tables import SQL_TYPE_NAMES, ReleaseTable


def create_sql(table: ReleaseTable) -> str:
    columns = [f"[{c.name}] {SQL_TYPE_NAMES[c.sql_type]}" for c in table.columns]
    if table.primary_key:
        columns.append("PRIMARY KEY (" + ", ".join(f"[{c}]" for c in table.primary_key) + ")")
    return f"CREATE TABLE [{table.name}] (" + ", ".join(columns) + ")"


class SqliteWriter:
    """One table into the release's public.db (shared by every table)."""

    def __init__(self, path: Path, table: ReleaseTable) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("BEGIN")
        self.conn.execute(create_sql(table))
        self.insert = f"INSERT INTO [{table.name}] VALUES (" + ", ".join("?" * len(table.columns)) + ")"

    def write(self, batch: list[tuple]) -> None:
        self.conn.executemany(self.insert, batch)

    def close(self) -> int:
        self.conn.execute("COMMIT")
        self.conn.close()
        return self.path.stat().st_size

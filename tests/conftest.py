import datetime as dt
import sqlite3
from pathlib import Path

import pytest

AS_OF = dt.date(2026, 11, 25)


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    conn.create_function("publish_today", 0, lambda: AS_OF.isoformat())
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


@pytest.fixture
def as_of():
    return AS_OF

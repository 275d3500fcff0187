"""A kind's tables in SQLite: the stored table, its indexes and the served view."""
from __future__ import annotations

import sqlite_utils

from .kinds import Kind

INDEXED = ("uscc", "subject_name", "decision_no", "publicity_end")


def create_table(db: sqlite_utils.Database, kind: Kind) -> str:
    """Creates the kind's stored table; returns its INSERT statement (columns in order)."""
    db.table(kind.storage).create({c.name: c.sql_type for c in kind.columns}, pk="id")
    names = kind.column_names
    return (f"INSERT INTO [{kind.storage}] ({', '.join(f'[{c}]' for c in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})")


def finish_table(db: sqlite_utils.Database, kind: Kind) -> None:
    """Indexes after loading (faster than maintaining them row by row), then the view."""
    table = db.table(kind.storage)
    for column in INDEXED:
        if column in kind.column_names:
            table.create_index([column], if_not_exists=True)
    if kind.has_view:
        db.execute(f"DROP VIEW IF EXISTS [{kind.table}]")
        db.execute(kind.view_sql())

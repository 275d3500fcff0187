"""The state store: what must outlive a build and is not a file of its own (signing keys'
metadata now; issued reports, tokens, throttle counters, the audit log next). One small
interface (`base.Store`: declared tables, simple queries, write transactions), backend-
neutral so that a PostgreSQL backend can come with scale-out; SQLite (`sqlite.py`,
`<state>/state.db`) is the embedded default. Contract tests: tests/test_state.py, run
against every backend in BACKENDS.

    from publish.state import Column, Table, open_store
    REPORTS = Table("reports", (Column("no", nullable=False), Column("uscc")), primary_key=("no",))
    with open_store(state_dir, [REPORTS]) as store:
        with store.write() as tx:
            tx.insert(REPORTS, {"no": "R1", "uscc": "…"})
        store.select(REPORTS, {"uscc": "…"})

A PostgreSQL backend implements the same `Store` with `sql.Statements(POSTGRES_TYPES, "%s")`;
its `write()` must serialise writers as `BEGIN IMMEDIATE` does here (a transaction-scoped
advisory lock taken first, or SERIALIZABLE with retries), then joins BACKENDS so that the
contract tests run against it too.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .base import (
    Cmp,
    Column,
    ConflictError,
    Index,
    Reader,
    Row,
    Store,
    Table,
    Transaction,
    Value,
    Where,
    ge,
    gt,
    le,
    lt,
    ne,
    one_of,
)
from .sqlite import STATE_DB, SQLiteStore

BACKENDS: dict[str, type[SQLiteStore]] = {"sqlite": SQLiteStore}

__all__ = ["BACKENDS", "STATE_DB", "Cmp", "Column", "ConflictError", "Index", "Reader", "Row", "SQLiteStore",
           "Store", "Table", "Transaction", "Value", "Where", "ge", "gt", "le", "lt", "ne", "one_of", "open_store"]


def open_store(state_dir: Path, tables: Sequence[Table] = (), *, create: bool = False,
               durable: bool = True) -> Store:
    """The state directory's store, its tables declared. Without `create`, a state directory
    that has no store yet is `state_missing` (only `keys init` makes one: a store made silently
    in another directory would hold what the server never sees). `durable=False` is for writes
    made on every request (quotas, the audit log): a commit does not wait for the disk, so a
    power cut (not a crash of the process) may take the last ones."""
    return SQLiteStore.open(state_dir, tables, create=create, durable=durable)

"""The audit log's tables in the state store.

- `audit_entries`: one row per entry, `seq` its primary key (1, 2, …) and `prev_hash` unique:
  two writers that both read the same head can never both commit, a fork fails loudly
  (`audit_chain_conflict`). `usccs` and `name_hashes` are JSON arrays; `hash` is the chain's.
- `audit_names`: the plain names asked about, with their salts, by (seq, position); erased
  (the rows deleted) after the retention. `at` repeats the entry's instant so the erasure is
  one indexed delete.
- `audit_checkpoints`: the chain's head signed (JWS, purpose `audit`) every N entries and at
  close; the signed payload is the truth, the other columns are for reading.
"""
from __future__ import annotations

from ..state import Column, Index, Row, Table

ENTRIES = Table("audit_entries", (
    Column("seq", "integer", nullable=False),
    Column("at", nullable=False),
    Column("org"),
    Column("jti"),
    Column("method", nullable=False),
    Column("route", nullable=False),
    Column("usccs", nullable=False),          # JSON array of strings
    Column("name_hashes", nullable=False),    # JSON array of keyed hashes (chain.name_hash)
    Column("build_id"),
    Column("status", "integer", nullable=False),
    Column("bytes", "integer", nullable=False),
    Column("request_id"),
    Column("outcome", nullable=False),
    Column("prev_hash", nullable=False),
    Column("hash", nullable=False),
), primary_key=("seq",), indexes=(Index(("prev_hash",), unique=True), Index(("org", "seq")), Index(("at",))))

NAMES = Table("audit_names", (
    Column("seq", "integer", nullable=False),
    Column("position", "integer", nullable=False),
    Column("name", nullable=False),
    Column("salt", nullable=False),           # hex; without it the keyed hash cannot be opened
    Column("at", nullable=False),
), primary_key=("seq", "position"), indexes=(Index(("at",)),))

CHECKPOINTS = Table("audit_checkpoints", (
    Column("seq", "integer", nullable=False),  # the head it signs
    Column("hash", nullable=False),
    Column("at", nullable=False),              # when it was signed
    Column("kid", nullable=False),
    Column("jws", nullable=False),
), primary_key=("seq",))

TABLES = (ENTRIES, NAMES, CHECKPOINTS)


def row_int(row: Row, column: str) -> int:
    """An integer column's value (the store gives every value as the union `Value`)."""
    value = row[column]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{column} should be an integer, not {value!r}")
    return value

"""Loading: batched inserts of settled rows into the staged public.db and authorized.db,
then the finishing touches (schema.py's indexes and views, entities.py, the search index,
the build's own metadata).

A kind's table exists in its default tier's database from the start; a record whose own
scope narrows it to another tier (DOMAIN.md "信息使用范围") creates the kind's table in that
database on first use, so `authorized.db` can hold any kind.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from .clock import Clock
from .definitions import Tier
from .entities import build_entities
from .kinds import TIERS, Kind
from .schema import create_table, finish_table
from .screening.index import build_screening_index
from .search_index import build_search_index

BATCH = 5000
TableKey = tuple[str, Tier]  # (kind's table, tier): one stored table in one database


def connect(path: Path, clock: Clock) -> sqlite3.Connection:
    """A connection whose `publish_today()` (the views' window end) follows `clock`."""
    conn = sqlite3.connect(str(path))
    conn.create_function("publish_today", 0, clock.today_iso)
    return conn


class Loader:
    """Writes records into the staged databases."""

    def __init__(self, staging: Path, kinds: dict[str, Kind], clock: Clock):
        self.paths = {tier: staging / f"{tier}.db" for tier in TIERS}
        self.dbs = {tier: sqlite_utils.Database(connect(path, clock)) for tier, path in self.paths.items()}
        for db in self.dbs.values():
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
        self.kinds = kinds
        self.created: set[TableKey] = set()
        self.pending: dict[TableKey, list[tuple]] = {}
        self.insert_sql: dict[TableKey, str] = {}
        self.next_id: dict[TableKey, int] = {}
        for kind in kinds.values():
            self._create(kind.table, kind.tier)

    def _create(self, table: str, tier: Tier) -> None:
        kind = self.kinds[table]
        self.insert_sql[(table, tier)] = create_table(self.dbs[tier], kind)
        self.created.add((table, tier))
        self.pending[(table, tier)] = []
        self.next_id[(table, tier)] = 1

    def add_row(self, table: str, tier: Tier, row: tuple) -> int:
        """Queues a row in its kind's column order (the first, `id`, is assigned here);
        returns the id, used to delete the row if a correction supersedes it."""
        key = (table, tier)
        if key not in self.created:
            self._create(table, tier)
        row_id = self.next_id[key]
        self.next_id[key] = row_id + 1
        pending = self.pending[key]
        pending.append((row_id, *row[1:]))
        if len(pending) >= BATCH:
            self.flush(key)
        return row_id

    def flush(self, key: TableKey | None = None) -> None:
        for k in [key] if key else list(self.pending):
            rows = self.pending[k]
            if rows:
                self.dbs[k[1]].conn.executemany(self.insert_sql[k], rows)
                rows.clear()

    def delete(self, table: str, tier: Tier, ids: list[int]) -> None:
        self.flush((table, tier))
        conn = self.dbs[tier].conn
        storage = self.kinds[table].storage
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            conn.execute(f"DELETE FROM [{storage}] WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    def finish(self, build_info: dict, deliveries: list[dict] | None = None) -> None:
        """Indexes, views, entities, search and the build's own metadata (`build_info`, and in
        public.db `deliveries` for the public kinds); then closes."""
        self.flush()
        for table, tier in sorted(self.created):
            finish_table(self.dbs[tier], self.kinds[table])
        public = self.dbs["public"]
        public_kinds = [self.kinds[t] for t, tier in sorted(self.created) if tier == "public"]
        public_kinds.sort(key=lambda k: (k.display.position, k.table))
        build_entities(public, public_kinds)
        build_search_index(public, public_kinds)
        build_screening_index(public.conn)
        write_deliveries(public, [d for d in deliveries or () if d["kind"] in self.kinds
                                  and self.kinds[d["kind"]].tier == "public"])
        for tier, db in self.dbs.items():
            db.table("build_info").insert_all(
                [{"key": k, "value": str(v)} for k, v in {**build_info, "tier": tier}.items()],
                pk="key", replace=True)
            db.conn.commit()
            db.execute("VACUUM")
            db.conn.close()


DELIVERY_COLUMNS = {"kind": str, "dataset": str, "file": str, "department": str, "authority": str,
                    "rows": int, "newest_update": str}


def write_deliveries(db: sqlite_utils.Database, deliveries: list[dict]) -> None:
    """`deliveries`: which department delivered which kind, in which file, how many rows and
    the newest 数据更新时间戳 of them, one row per (file, department, deciding authority). The
    names are read from the redacted records (public authorities); a file recognised as its
    dataset with no row is a nil return (rows 0, department 未注明). The credit report reads
    it: a field is certified only on data its departments delivered."""
    db.table("deliveries").create(DELIVERY_COLUMNS, replace=True)
    ordered = sorted(deliveries, key=lambda d: (d["kind"], d["file"], d["department"], d["authority"] or ""))
    db.table("deliveries").insert_all([{c: d.get(c) for c in DELIVERY_COLUMNS} for d in ordered])
    db.execute("CREATE INDEX deliveries_kind ON deliveries(kind)")

"""What a build publishes, as the feed sees it: each record's key, kind, content digest and
subject, read from the build's `public.db` and `authorized.db` (never any other content).

The kinds are derived from the build itself: every table that carries the build's
`record_key` and `digest` columns (publish/kinds.py TRAILING_COLUMNS) holds published
records; its kind is the kind whose stored table it is (a kind with a view stores its rows in
`<kind>_records`).
"""
from __future__ import annotations

import datetime as dt
import heapq
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from publish.builds import recorded_build_id
from publish.errors import PublishError
from publish.kinds import load_kinds, public_today_sql

DATABASES = ("public.db", "authorized.db")
# (record_key, kind, digest, uscc): ordered by key, then kind.
Record = tuple[str, str, str, str | None]
MAX_USCCS = 1000   # subjects one snapshot (or one filtered read of the feed) may name


def open_build_db(path: Path) -> sqlite3.Connection:
    """A finished build's database, read-only (a build is immutable once written)."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)


def build_databases(build_dir: Path) -> list[Path]:
    found = [build_dir / name for name in DATABASES if (build_dir / name).is_file()]
    if not found:
        raise PublishError("build_missing", f"构建目录中没有数据库：{build_dir}")
    return found


def build_id_of(build_dir: Path) -> str:
    """The id the build wrote into its `build_info` table (its directory's name else)."""
    return recorded_build_id(build_databases(build_dir)[0]) or build_dir.name


def _kind_names() -> dict[str, str]:
    return {kind.storage: kind.table for kind in load_kinds()}


def record_tables(conn: sqlite3.Connection) -> list[tuple[str, str, bool, bool]]:
    """(table, kind, has uscc, has publicity_end) of each table holding published records."""
    names = _kind_names()
    found = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
        if {"record_key", "digest"} <= columns:
            found.append((table, names.get(table, table), "uscc" in columns, "publicity_end" in columns))
    return found


def _table_records(path: Path, table: str, kind: str, has_uscc: bool) -> Iterator[Record]:
    uscc = "uscc" if has_uscc else "NULL"
    with closing(open_build_db(path)) as conn:
        rows = conn.execute(f"SELECT record_key, digest, {uscc} FROM [{table}] "
                            "WHERE record_key IS NOT NULL ORDER BY record_key")
        for key, digest, subject in rows:
            yield key, kind, digest or "", subject


def build_records(build_dir: Path) -> Iterator[Record]:
    """Every published record of the build, ordered by (key, kind): one sorted stream per
    table, merged, so a million records never sit in memory together."""
    streams = []
    for path in build_databases(build_dir):
        with closing(open_build_db(path)) as conn:
            tables = record_tables(conn)
        streams += [_table_records(path, table, kind, has_uscc) for table, kind, has_uscc, _ in tables]
    return heapq.merge(*streams, key=lambda r: (r[0], r[1]))


def current_records(build_dir: Path, usccs: list[str], today: dt.date) -> list[dict]:
    """The records of these subjects the build publishes today: a record whose window ended
    after the build is left out (as the pages leave it out)."""
    if len(usccs) > MAX_USCCS:
        raise PublishError("too_many_usccs", f"一次最多查询 {MAX_USCCS} 个统一社会信用代码（收到 {len(usccs)} 个）")
    wanted = sorted(set(usccs))
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    found = []
    for path in build_databases(build_dir):
        with closing(open_build_db(path)) as conn:
            for table, kind, has_uscc, ends in record_tables(conn):
                if not has_uscc:
                    continue
                window = f" AND {public_today_sql('?')}" if ends else ""
                params = [*wanted, today.isoformat()] if ends else wanted
                for key, subject in conn.execute(f"SELECT record_key, uscc FROM [{table}] "
                                                 f"WHERE uscc IN ({marks}){window}", params):
                    found.append({"kind": kind, "key": key, "uscc": subject})
    found.sort(key=lambda r: (r["uscc"], r["kind"], r["key"]))
    return found

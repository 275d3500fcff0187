"""What a release holds: every public table of a build, as one day's snapshot.

A release made from the build of day D is replaced by the next night's, so it holds only the
records whose publicity lasts through D+1 (issue 17, 终止公示 in releases): the windowed kinds
are read through their own views (publish/kinds.py `view_sql`) with `publish_today()` fixed to
D+1, which applies the one "public today" rule and computes a licence's shown status as of
that day. `entities` and `deliveries` are copied as built. The search and screening indexes,
full-text shadow tables and `build_info` are bookkeeping of the site, never released.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..errors import PublishError
from ..kinds import Column, Kind, ended_sql, load_kinds
from ..metadata import build_metadata

# The tables of public.db that are released as they are, besides the kinds.
PLAIN_TABLES = ("entities", "deliveries")
SQL_TYPE_NAMES: dict[type, str] = {int: "INTEGER", float: "REAL", str: "TEXT"}


@dataclass(frozen=True)
class ReleaseTable:
    """One released table: its name, Chinese title, columns (English names, Chinese labels)
    and how to read its rows from the build's public.db."""
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    source: str                 # the table or view of public.db it is read from
    keyed: bool                 # has record_key and digest: CHANGES.md and deltas count it

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    def select_sql(self) -> str:
        columns = ", ".join(f"[{c}]" for c in self.names)
        order = ", ".join(f"[{c}]" for c in self.primary_key) or "rowid"
        return f"SELECT {columns} FROM [{self.source}] ORDER BY {order}"


@dataclass(frozen=True)
class BuildInfo:
    build_id: str
    as_of: dt.date

    @property
    def release_day(self) -> dt.date:
        """The day whose windows the release applies: the day after the build's."""
        return self.as_of + dt.timedelta(days=1)


def open_build_db(path: Path, day: dt.date) -> sqlite3.Connection:
    """The build's public.db, read-only, with `publish_today()` answering `day`."""
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise PublishError("build_db_unreadable", f"构建的数据库无法读取：{path}（{exc}）") from exc
    conn.create_function("publish_today", 0, day.isoformat, deterministic=True)
    return conn


def build_info(conn: sqlite3.Connection, path: Path) -> BuildInfo:
    try:
        info = dict(conn.execute("SELECT key, value FROM build_info").fetchall())
        return BuildInfo(str(info["build_id"]), dt.date.fromisoformat(str(info["as_of"])))
    except (sqlite3.Error, KeyError, ValueError) as exc:
        raise PublishError("build_info_missing",
                           f"构建的数据库缺少构建信息（build_info 表的 build_id、as_of）：{path}") from exc


def _kind_table(kind: Kind) -> ReleaseTable:
    description = "来自：" + "、".join(sorted(d.title for d in kind.layouts)) + "。"
    if kind.ends:
        description += "只含公示期持续到发布次日的记录。"
    return ReleaseTable(name=kind.table, title=kind.label, description=description,
                        columns=kind.view_columns if kind.has_view else kind.columns, primary_key=("id",),
                        source=kind.table, keyed=True)


def _described(text: str) -> tuple[str, str]:
    """metadata.py writes a column as "中文名 (english)"."""
    label, _, english = text.rpartition(" (")
    return (label, english.rstrip(")")) if label else (text, text)


def _plain_table(name: str, conn: sqlite3.Connection) -> ReleaseTable:
    described = build_metadata()["databases"]["public"]["tables"][name]
    types = {row[1]: str(row[2]).upper() for row in conn.execute(f"PRAGMA table_info([{name}])")}
    by_type = {name: kind for kind, name in SQL_TYPE_NAMES.items()}
    columns = []
    for column in types:
        label, english = _described(described["columns"].get(column, column))
        columns.append(Column(column, label, english, by_type.get(types[column], str)))
    primary = tuple(row[1] for row in conn.execute(f"PRAGMA table_info([{name}])") if row[5])
    title, _ = _described(described["title"])
    return ReleaseTable(name=name, title=title, description=described["description"], columns=tuple(columns),
                        primary_key=primary, source=name, keyed=False)


def released_tables(conn: sqlite3.Connection) -> tuple[ReleaseTable, ...]:
    """The public tables present in the build's database, in display order."""
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    tables = [_kind_table(k) for k in load_kinds() if k.tier == "public" and k.table in present]
    tables += [_plain_table(name, conn) for name in PLAIN_TABLES if name in present]
    return tuple(tables)


def rows(conn: sqlite3.Connection, table: ReleaseTable, batch: int = 10_000) -> Iterator[list[tuple]]:
    """The table's released rows, in batches, in key order."""
    cursor = conn.execute(table.select_sql())
    while True:
        found = cursor.fetchmany(batch)
        if not found:
            return
        yield found


def left_out(conn: sqlite3.Connection, day: dt.date) -> dict[str, int]:
    """Per windowed kind, the records of the build whose window ends before `day`: in the
    build, not in its release."""
    counts: dict[str, int] = {}
    for kind in load_kinds():
        if kind.tier != "public" or not kind.ends:
            continue
        try:
            (n,) = conn.execute(f"SELECT count(*) FROM [{kind.storage}] WHERE {ended_sql('?')}",
                                (day.isoformat(),)).fetchone()
        except sqlite3.OperationalError:
            continue  # the kind is not in this build
        counts[kind.table] = int(n)
    return counts

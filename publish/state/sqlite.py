"""The embedded state store: one SQLite file, `<state>/state.db` (0600), in WAL mode (readers
never wait for the writer), `synchronous=FULL` (a committed report or token survives a power
cut; a store opened with `durable=False`, for the server's per-request writes, is NORMAL: in
WAL mode still never corrupted by a crash, but a power cut may take its last commits), a busy
timeout, and `BEGIN IMMEDIATE` for every write transaction (the write lock is taken at the
start, so two processes' read-modify-writes are serialised instead of one of them failing at
its first write). The store's own layout and each declared table carry a version
(`store_meta`, `store_tables`), migrated when the store is opened.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from ..errors import PublishError
from .base import (
    ConflictError,
    Declared,
    Reader,
    Row,
    Store,
    Table,
    Transaction,
    Value,
    Where,
    check_order,
    check_row,
    check_where,
)
from .sql import SQLITE_TYPES, Statements

STATE_DB = "state.db"
# The store's own layout (store_meta, store_tables); raise it with a step below.
LAYOUT_VERSION = 1
_LAYOUT_STEPS: dict[int, tuple[str, ...]] = {
    1: ("CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS store_tables (name TEXT PRIMARY KEY, version INTEGER NOT NULL, "
        "columns TEXT NOT NULL)"),
}
_SQL = Statements(SQLITE_TYPES, "?")

# A process forked from one holding open connections (a build's workers, forked by a test or a
# command that also had the state open) must never close them: SQLite's locks are not
# inherited, so a child's close could checkpoint and delete the WAL under the parent's feet
# and corrupt the database. After a fork the child keeps its inherited connections here,
# referenced until it exits, and opens its own when it needs the store.
_STORES: weakref.WeakSet[SQLiteStore] = weakref.WeakSet()
_INHERITED: list[sqlite3.Connection] = []


def _forget_inherited_connections() -> None:
    for store in list(_STORES):
        _INHERITED.extend(conn for conn, _ in store._connections)
        store._connections = []
        store._local = threading.local()
        store._lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_inherited_connections)


def _translate(exc: sqlite3.Error, location: str) -> Exception:
    """A PublishError an operator can act on, or the exception itself (a bug of ours)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return PublishError("state_busy", f"状态数据库正被其他进程占用，等待超时：{location}（请稍后重试）")
    if name.startswith(("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_PERM")):
        return PublishError("state_unwritable", f"状态数据库无法写入：{location}（{exc}）")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CANTOPEN", "SQLITE_IOERR")):
        return PublishError("state_unreadable", f"状态数据库无法读取：{location}（{exc}）")
    return exc


class _Ops(Transaction):
    """Queries on one connection: a transaction's (writable) or a store's own reads."""

    def __init__(self, store: SQLiteStore, conn: sqlite3.Connection, writable: bool):
        self._store = store
        self._conn = conn
        self._writable = writable
        self.open = True

    def _run(self, table: Table, sql: str, params: Sequence[Value]) -> sqlite3.Cursor:
        if not self.open:
            raise RuntimeError("this transaction has ended")
        self._store.declared.check(table)
        try:
            return self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:   # a unique index (or the key) taken by put() or update()
            if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"):
                raise ConflictError(table.name) from exc
            raise
        except sqlite3.Error as exc:
            raise _translate(exc, self._store.location) from exc

    def _writing(self) -> None:
        if not self._writable:
            raise RuntimeError("writes happen inside store.write()")

    def get(self, table: Table, key: Mapping[str, Value]) -> Row | None:
        if set(key) != set(table.primary_key):
            raise ValueError(f"get({table.name}) needs exactly the primary key {table.primary_key}")
        rows = self.select(table, key, limit=1)
        return rows[0] if rows else None

    def select(self, table: Table, where: Where | None = None, *, order_by: str | Sequence[str] = (),
               limit: int | None = None) -> list[Row]:
        check_where(table, where)
        sql, params = _SQL.select(table, where, check_order(table, order_by), limit)
        names = table.column_names
        return [dict(zip(names, r, strict=True)) for r in self._run(table, sql, params).fetchall()]

    def count(self, table: Table, where: Where | None = None) -> int:
        check_where(table, where)
        sql, params = _SQL.count(table, where)
        return int(self._run(table, sql, params).fetchone()[0])

    def insert(self, table: Table, row: Mapping[str, Value]) -> None:
        self._writing()
        check_row(table, row, insert=True)
        if self._run(table, *_SQL.insert_new(table, row)).rowcount == 0:
            raise ConflictError(table.name)

    def insert_many(self, table: Table, rows: Sequence[Mapping[str, Value]]) -> None:
        self._writing()
        if not rows:
            return
        names = list(rows[0])
        for row in rows:
            if list(row) != names:
                raise ValueError(f"insert_many({table.name}): every row must give the same columns {names}")
            check_row(table, row, insert=True)
        sql, _ = _SQL.insert(table, rows[0])
        self._conn.execute("SAVEPOINT insert_many")
        try:
            self._run_many(table, sql, [[row[n] for n in names] for row in rows])
        except BaseException:
            self._conn.execute("ROLLBACK TO insert_many")
            self._conn.execute("RELEASE insert_many")
            raise
        self._conn.execute("RELEASE insert_many")

    def _run_many(self, table: Table, sql: str, params: Sequence[Sequence[Value]]) -> None:
        if not self.open:
            raise RuntimeError("this transaction has ended")
        self._store.declared.check(table)
        try:
            self._conn.executemany(sql, params)
        except sqlite3.IntegrityError as exc:
            if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"):
                raise ConflictError(table.name) from exc
            raise
        except sqlite3.Error as exc:
            raise _translate(exc, self._store.location) from exc

    def put(self, table: Table, row: Mapping[str, Value]) -> None:
        self._writing()
        check_row(table, row, insert=True)
        missing = [c for c in table.primary_key if c not in row]
        if missing:
            raise ValueError(f"put({table.name}) needs the primary key {table.primary_key}")
        self._run(table, *_SQL.put(table, row))

    def update(self, table: Table, where: Where, values: Mapping[str, Value]) -> int:
        self._writing()
        if not where or not values:
            raise ValueError("update() needs a condition and values")
        check_where(table, where)
        check_row(table, values, insert=False)
        return self._run(table, *_SQL.update(table, where, values)).rowcount

    def delete(self, table: Table, where: Where) -> int:
        self._writing()
        if not where:
            raise ValueError("delete() needs a condition")
        check_where(table, where)
        return self._run(table, *_SQL.delete(table, where)).rowcount

    def add(self, table: Table, key: Mapping[str, Value], column: str, amount: int | float = 1) -> int | float:
        self._writing()
        if set(key) != set(table.primary_key) or column in key:
            raise ValueError(f"add({table.name}) needs exactly the primary key {table.primary_key} and another column")
        check_row(table, {**key, column: amount}, insert=True)
        if table.column(column).type not in ("integer", "real"):
            raise TypeError(f"add() needs a number column, not {column}")
        value: int | float = self._run(table, *_SQL.add(table, key, column, amount)).fetchone()[0]
        return value


class SQLiteStore(Store):
    backend = "sqlite"

    def __init__(self, path: Path, busy_timeout: float, synchronous: str = "FULL"):
        self.synchronous = synchronous
        self.path = path
        self.location = str(path)
        self.busy_timeout = busy_timeout
        self.declared = Declared()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[sqlite3.Connection, int]] = []   # (connection, the pid that opened it)
        self._closed = False
        _STORES.add(self)

    @classmethod
    def open(cls, state_dir: Path, tables: Sequence[Table] = (), *, create: bool = False,
             busy_timeout: float | None = None, durable: bool = True) -> SQLiteStore:
        from ..settings import STATE_BUSY_TIMEOUT_SECONDS

        path = state_dir / STATE_DB
        if not path.exists():
            if not create:
                raise PublishError("state_missing", f"状态目录中没有状态数据库：{path}"
                                                    "（请先运行 python -m publish keys init）")
            state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass   # another process made it first
        elif not path.is_file():
            raise PublishError("state_unreadable", f"状态数据库不是文件：{path}")
        store = cls(path, STATE_BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout,
                    "FULL" if durable else "NORMAL")
        try:
            store._migrate_layout()
            store.declare(*tables)
        except BaseException:
            store.close()
            raise
        return store

    # --- connections -------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("the store is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise PublishError("state_unwritable", f"状态数据库无法切换到 WAL 模式：{self.location}（{mode}）")
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        except sqlite3.Error as exc:
            raise _translate(exc, self.location) from exc
        self._local.conn, self._local.pid, self._local.in_tx = conn, os.getpid(), False
        with self._lock:
            self._connections.append((conn, os.getpid()))
        return conn

    def close(self) -> None:
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
        for conn, pid in connections:
            if pid == os.getpid():   # never one inherited through fork: it belongs to the parent
                conn.close()

    # --- transactions ------------------------------------------------------------------
    @contextmanager
    def _transaction(self, begin: str, writable: bool) -> Iterator[_Ops]:
        conn = self._connection()
        if self._local.in_tx:
            raise RuntimeError("state transactions do not nest")
        try:
            conn.execute(begin)
        except sqlite3.Error as exc:
            raise _translate(exc, self.location) from exc
        self._local.in_tx = True
        ops = _Ops(self, conn, writable)
        try:
            yield ops
        except BaseException:
            ops.open = False
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            ops.open = False
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise _translate(exc, self.location) from exc
        finally:
            self._local.in_tx = False

    def write(self) -> AbstractContextManager[Transaction]:
        return self._transaction("BEGIN IMMEDIATE", writable=True)

    def read(self) -> AbstractContextManager[Reader]:
        return self._transaction("BEGIN", writable=False)

    def _reads(self) -> _Ops:
        return _Ops(self, self._connection(), writable=False)

    def get(self, table: Table, key: Mapping[str, Value]) -> Row | None:
        return self._reads().get(table, key)

    def select(self, table: Table, where: Where | None = None, *, order_by: str | Sequence[str] = (),
               limit: int | None = None) -> list[Row]:
        return self._reads().select(table, where, order_by=order_by, limit=limit)

    def count(self, table: Table, where: Where | None = None) -> int:
        return self._reads().count(table, where)

    # --- schema ------------------------------------------------------------------------
    def _raw(self, sql: str, params: Sequence[Value] = ()) -> list[tuple[Value, ...]]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _translate(exc, self.location) from exc

    def _has_table(self, name: str) -> bool:
        return bool(self._raw("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _layout(self) -> int:
        if not self._has_table("store_meta"):
            return 0
        rows = self._raw("SELECT value FROM store_meta WHERE key = 'layout'")
        return int(rows[0][0]) if rows else 0  # type: ignore[arg-type]

    def _too_new(self, what: str, found: int, known: int) -> PublishError:
        return PublishError("state_too_new", f"状态数据库由较新版本的程序写入（{what} 版本 {found}，"
                                             f"本程序只认识到 {known}）：{self.location}")

    def _migrate_layout(self) -> None:
        layout = self._layout()
        if layout == LAYOUT_VERSION:
            return
        if layout > LAYOUT_VERSION:
            raise self._too_new("store", layout, LAYOUT_VERSION)
        with self._transaction("BEGIN IMMEDIATE", writable=True):
            layout = self._layout()
            for version in range(layout + 1, LAYOUT_VERSION + 1):
                for sql in _LAYOUT_STEPS[version]:
                    self._raw(sql)
            self._raw("INSERT INTO store_meta (key, value) VALUES ('layout', ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(LAYOUT_VERSION),))

    def _recorded(self, table: Table) -> int | None:
        rows = self._raw("SELECT version FROM store_tables WHERE name = ?", (table.name,))
        return int(rows[0][0]) if rows else None  # type: ignore[arg-type]

    def declare(self, *tables: Table) -> None:
        for table in tables:
            known = self.declared.tables.get(table.name)
            if known is not None and known != table:
                raise ValueError(f"table {table.name} was declared differently on this store")
            self.declared.tables[table.name] = table
        for table in tables:
            recorded = self._recorded(table)
            if recorded == table.version:
                continue
            if recorded is not None and recorded > table.version:
                raise self._too_new(table.name, recorded, table.version)
            with self._transaction("BEGIN IMMEDIATE", writable=True) as tx:
                self._migrate_table(table, self._recorded(table), tx)

    def _migrate_table(self, table: Table, recorded: int | None, tx: Transaction) -> None:
        if recorded == table.version:
            return   # another process did it while this one waited for the lock
        if recorded is not None and recorded > table.version:
            raise self._too_new(table.name, recorded, table.version)
        if recorded is None:
            self._raw(_SQL.create_table(table))
        else:
            present = {str(r[1]) for r in self._raw(f'PRAGMA table_info("{table.name}")')}
            for column in table.columns:
                if column.name not in present:
                    if column.required:
                        raise ValueError(f"table {table.name}: added column {column.name} needs a default "
                                         "or nullable=True")
                    self._raw(_SQL.add_column(table, column))
        for index in table.indexes:
            self._raw(_SQL.create_index(table, index))
        if recorded is not None:
            for version, migration in sorted(table.migrations, key=lambda m: m[0]):
                if recorded < version <= table.version:
                    migration(tx)
        self._raw("INSERT INTO store_tables (name, version, columns) VALUES (?, ?, ?) "
                  "ON CONFLICT (name) DO UPDATE SET version = excluded.version, columns = excluded.columns",
                  (table.name, table.version, json.dumps(table.column_names)))

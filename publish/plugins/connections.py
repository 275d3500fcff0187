"""SQLite connections for serving, and which threads run which queries.

- Every connection gets SQLITE_LIMIT_LENGTH (publish/limits.py): no query can build a string
  or blob beyond it, however it asks (one `replace(printf(…))` made a gigabyte), while no cell
  of a build comes near it.
- The databases are immutable while served, so SQLite may read them through a memory map
  instead of read() calls into each connection's own page cache (measured with bench/web.py:
  about a fifth less time per search query on a million-entity build; the pages are shared by
  every SQL thread through the OS cache).
- Arbitrary SQL runs on its own threads. Datasette 0.65's `Database.execute` and
  `execute_fn` run every query on the instance's one executor (`num_sql_threads`), so a few
  slow `?sql=` queries would take every thread search and profiles need. `BoundedDatabase`
  (what `make_datasette` serves the build through) sends a query to the SQL lane's own pool
  when the request that asked for it runs in that lane (`in_lane`, set by plugins/sqllimits.py
  around the request), and there reads the rows of the answer (the queries Datasette asks
  to truncate: the client's own, a table page's rows) with a byte budget: an answer beyond
  it stops being read and fails as `ResultTooLarge`, before it fills the memory. Datasette's
  own queries on the way (schemas, counts, facets) are read as Datasette reads them.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from datasette import hookimpl
from datasette.database import Database, QueryInterrupted, Results, connections
from datasette.views.base import DatasetteError

from publish.limits import LENGTH_LIMIT_BYTES, SqlLimits, row_cost, too_large_message
from publish.settings import SQL_THREAD_NICENESS

MMAP_BYTES = 4 * 1024 ** 3
# SQLite virtual-machine steps between two checks of the time limit on the SQL lane's
# threads (about 4 ms of work): each check takes the GIL from the pages' threads.
LANE_PROGRESS_STEPS = 50_000

@dataclass(frozen=True)
class LaneRequest:
    """The request the current task serves, when it runs in a lane: its lane, and the byte
    budget of its answer's rows (None: a stream, whose pages are sent as they are read)."""
    lane: str
    budget: int | None


_LANE: contextvars.ContextVar[LaneRequest | None] = contextvars.ContextVar("publish_sql_lane", default=None)


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LENGTH_LIMIT_BYTES)
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")


class ResultTooLarge(DatasetteError):
    """An arbitrary-SQL answer beyond the size limit: an error, never a truncated answer."""

    def __init__(self, limit: int) -> None:
        super().__init__(too_large_message(limit), title="Result too large", status=400)
        self.limit = limit


@contextlib.contextmanager
def in_lane(lane: str, budget: int | None = None) -> Iterator[None]:
    """Queries made by the current request (and tasks it starts) run in `lane`, the rows of
    its answer read within `budget` bytes."""
    token = _LANE.set(LaneRequest(lane, budget))
    try:
        yield
    finally:
        _LANE.reset(token)


def current_lane() -> LaneRequest | None:
    return _LANE.get()


class _LaneState:
    def __init__(self, limits: SqlLimits) -> None:
        self.limits = limits
        self.executor: ThreadPoolExecutor | None = None


_STATES: weakref.WeakKeyDictionary[Any, _LaneState] = weakref.WeakKeyDictionary()


def configure_lane(datasette, limits: SqlLimits) -> None:
    """The SQL lane's limits for this instance (its threads start with its first query)."""
    previous = _STATES.get(datasette)
    if previous and previous.executor:
        previous.executor.shutdown(wait=False)
    _STATES[datasette] = _LaneState(limits)


def lane_limits(datasette) -> SqlLimits:
    state = _STATES.get(datasette)
    return state.limits if state else SqlLimits()


def _lower_priority() -> None:
    """Runs in each SQL-lane thread as it starts: Linux schedules threads one by one, so this
    thread alone gets a lower priority than the server's other threads."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SQL_THREAD_NICENESS)


def lane_executor(datasette) -> ThreadPoolExecutor:
    state = _STATES.get(datasette)
    if state is None:
        state = _STATES[datasette] = _LaneState(SqlLimits())
    if state.executor is None:
        state.executor = ThreadPoolExecutor(max_workers=state.limits.threads, thread_name_prefix="sql-lane",
                                            initializer=_lower_priority)
    return state.executor


@contextlib.contextmanager
def time_limit(conn: sqlite3.Connection, milliseconds: int, steps: int) -> Iterator[None]:
    """Interrupts the statement running on `conn` once `milliseconds` have passed."""
    deadline = time.perf_counter() + milliseconds / 1000

    def past_deadline() -> int:
        return 1 if time.perf_counter() >= deadline else 0

    conn.set_progress_handler(past_deadline, steps)
    try:
        yield
    finally:
        conn.set_progress_handler(None, steps)


def read_bounded(cursor: sqlite3.Cursor, max_rows: int | None, budget: int | None) -> list[tuple]:
    """At most `max_rows` rows (all with None), stopping with ResultTooLarge as soon as
    their cost passes `budget` bytes (no budget: None)."""
    rows: list[tuple] = []
    spent = 0
    for row in cursor:
        if budget is not None:
            spent += row_cost(row)
            if spent > budget:
                raise ResultTooLarge(budget)
        rows.append(row)
        if max_rows is not None and len(rows) >= max_rows:
            break
    return rows


class BoundedDatabase(Database):
    """A served database whose arbitrary-SQL queries run on the SQL lane (see above), and
    whose SQL errors are not written to the log (they quote what clients typed)."""

    @classmethod
    def replacing(cls, db: Database) -> BoundedDatabase:
        bounded = cls(db.ds, path=db.path, is_mutable=db.is_mutable)
        bounded.name, bounded.route = db.name, db.route
        return bounded

    async def execute_fn(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if current_lane() is None or self.ds.executor is None:
            return await super().execute_fn(fn)
        name = self.name

        def on_lane_thread() -> Any:
            # One connection per database per thread, as on Datasette's own threads.
            conn = getattr(connections, name, None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, name)
                setattr(connections, name, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(lane_executor(self.ds), on_lane_thread)

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        lane = current_lane()
        if lane is None:
            return await super().execute(sql, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                         page_size=page_size, log_sql_errors=False)
        limit_ms = self.ds.sql_time_limit_ms
        if custom_time_limit and custom_time_limit < limit_ms:
            limit_ms = custom_time_limit
        max_rows = self._max_rows(truncate, page_size or self.ds.page_size)
        budget = lane.budget if truncate else None

        def run(conn: sqlite3.Connection) -> Results:
            with time_limit(conn, limit_ms, LANE_PROGRESS_STEPS):
                try:
                    cursor = conn.execute(sql, params if params is not None else {})
                    rows = read_bounded(cursor, None if max_rows is None else max_rows + 1, budget)
                except sqlite3.OperationalError as exc:
                    if exc.args == ("interrupted",):
                        raise QueryInterrupted(exc, sql, params) from exc
                    raise
            truncated = max_rows is not None and len(rows) > max_rows
            return Results(rows[:max_rows] if truncated else rows, truncated, cursor.description)

        return await self.execute_fn(run)

    def _max_rows(self, truncate: bool, page_size: int) -> int | None:
        """How many rows a truncated query returns, as Datasette counts them: a table page
        asks for one row more than its page size to know whether there is a next page."""
        max_rows = self.ds.max_returned_rows
        if not (truncate and max_rows):
            return None
        return max_rows + 1 if max_rows == page_size else max_rows


def install_bounded_databases(datasette) -> None:
    """Serves every file database of `datasette` through BoundedDatabase."""
    for name, db in list(datasette.databases.items()):
        if db.path and not isinstance(db, BoundedDatabase):
            datasette.databases[name] = BoundedDatabase.replacing(db)

"""SQL functions the built databases' views rely on."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from datasette import hookimpl

from publish.clock import clock_of


def answer_today(conn: sqlite3.Connection, today: Callable[[], str]) -> None:
    """`publish_today()` on this connection answers `today()` (an ISO day)."""
    conn.create_function("publish_today", 0, today)


@hookimpl
def prepare_connection(conn, datasette):
    # Request-time windows: views compare publicity_end with today in Asia/Shanghai, as the
    # instance's clock says (fixed in tests).
    answer_today(conn, clock_of(datasette).today_iso)

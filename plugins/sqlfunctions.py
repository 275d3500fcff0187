"""SQL functions the built databases' views rely on."""
from __future__ import annotations

from datasette import hookimpl

from publish.load import publish_today


@hookimpl
def prepare_connection(conn):
    # Request-time windows: views compare publicity_end with today in Asia/Shanghai
    # (or PUBLISH_TODAY in tests).
    conn.create_function("publish_today", 0, publish_today)

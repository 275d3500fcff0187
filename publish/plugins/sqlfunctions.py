"""SQL functions the built databases' views rely on."""
from __future__ import annotations

from datasette import hookimpl

from publish.clock import clock_of


@hookimpl
def prepare_connection(conn, datasette):
    # Request-time windows: views compare publicity_end with today in Asia/Shanghai, as the
    # instance's clock says (fixed in tests).
    clock = clock_of(datasette)
    conn.create_function("publish_today", 0, clock.today_iso)

"""`/downloads/live/<table>.csv` (publish/livecsv.py), answered in one ASGI wrapper before
Datasette sees the request: the stream sends its own ASGI messages, so a read that fails after
the answer has begun breaks the connection (no final chunk: the client sees a broken
transfer), where Datasette would answer the exception with an error page inside the 200.

- A public table's stream reads as of the day the request came, on the server's read
  threads, one batch ahead of what the client has taken: uvicorn's `send` waits while the
  client does not read (its flow control), so a slow client holds one batch, never the table.
- A client that goes away ends its stream at the next batch (uvicorn's `send` does not
  raise then: `receive` says `http.disconnect`).
- Datasette's own whole-table stream is off (publish/serve.py SETTINGS): a public table's CSV
  asked with `_stream` is answered 400 with the address of its live stream.
- Anything else under /downloads/live/ (an unknown table, the site's own tables: the search
  index, build_info, a kind's `_records` snapshot) is 404.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import weakref
from typing import Any

from datasette import hookimpl

from publish.clock import Clock, clock_of
from publish.httperrors import send_error, wants_json
from publish.limits import client_of
from publish.livecsv import (
    PREFIX,
    RETRY_AFTER_SECONDS,
    ROUTE,
    Batch,
    StreamSlots,
    header_bytes,
    live_url,
    read_batch,
    response_headers,
)
from publish.release.tables import ReleaseTable, released_tables

from .parameters import query_args
from .routing import UndecodablePath, fold, raw_path, resolve
from .site import DATABASE
from .sqlfunctions import answer_today

logger = logging.getLogger("publish.livecsv")

_TABLES: weakref.WeakKeyDictionary[Any, dict[str, ReleaseTable]] = weakref.WeakKeyDictionary()
_SLOTS: weakref.WeakKeyDictionary[Any, StreamSlots] = weakref.WeakKeyDictionary()


class StreamBroken(RuntimeError):
    """A read failed after the answer began: raised out of the ASGI app, so the server closes
    the connection without the final chunk."""


async def live_tables(datasette) -> dict[str, ReleaseTable]:
    """The public tables of the served build by name (the build never changes while served)."""
    found = _TABLES.get(datasette)
    if found is None:
        tables = await datasette.get_database(DATABASE).execute_fn(released_tables)
        found = _TABLES[datasette] = {t.name: t for t in tables}
    return found


def stream_slots(datasette) -> StreamSlots:
    slots = _SLOTS.get(datasette)
    if slots is None:
        slots = _SLOTS[datasette] = StreamSlots()
    return slots


def _read_as_of(day: str, clock: Clock, table: ReleaseTable, after: tuple | None, conn: sqlite3.Connection) -> Batch:
    """One batch with the views answering the stream's day, then the clock's again (the
    connection serves other requests next)."""
    answer_today(conn, lambda: day)
    try:
        return read_batch(conn, table, after)
    finally:
        answer_today(conn, clock.today_iso)


async def _stream_asked_of_datasette(datasette, scope) -> ReleaseTable | None:
    """The public table whose CSV a request asks Datasette to stream whole (`_stream`), if any."""
    query = scope.get("query_string") or b""
    if b"_stream" not in query or not any(query_args(query).get("_stream", [])):
        return None
    route = resolve(datasette, scope)
    if route.kind != "table" or route.format != "csv" or fold(route.database) != DATABASE:
        return None
    return next((t for name, t in (await live_tables(datasette)).items() if name.lower() == fold(route.table)), None)


async def _watch_disconnect(receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def stream_table(datasette, table: ReleaseTable, receive, send, as_json: bool) -> None:
    clock = clock_of(datasette)
    day = clock.today_iso()
    db = datasette.get_database(DATABASE)

    async def read(after: tuple | None) -> Batch:
        return await db.execute_fn(functools.partial(_read_as_of, day, clock, table, after))

    try:
        batch = await read(None)
    except sqlite3.Error as exc:   # nothing sent yet: an error answer the client can read
        logger.warning("live CSV of %s could not start: %s", table.name, exc)
        return await send_error(send, 503, "live_csv_unavailable", "整表下载暂不可用，请稍后再试。", as_json)
    gone = asyncio.Event()
    watcher = asyncio.create_task(_watch_disconnect(receive, gone))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": response_headers(table, day)})
        body = header_bytes(table) + batch.body
        while batch.last_key is not None and not gone.is_set():
            await send({"type": "http.response.body", "body": body, "more_body": True})
            try:
                batch = await read(batch.last_key)
            except sqlite3.Error as exc:
                logger.warning("live CSV of %s broken after the answer began: %s", table.name, exc)
                raise StreamBroken(f"{table.name}: {exc}") from exc
            body = batch.body
        if not gone.is_set():
            await send({"type": "http.response.body", "body": body, "more_body": False})
    finally:
        watcher.cancel()


@hookimpl
def extra_template_vars(view_name, database, table, datasette):
    # A public table's page links to its whole-table stream (templates/table.html).
    async def inner() -> dict:
        if view_name != "table" or database != DATABASE or table not in await live_tables(datasette):
            return {}
        return {"live_csv_url": live_url(table), "live_csv_streams": stream_slots(datasette).per_client}
    return inner


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def live(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            try:
                path = raw_path(scope)
            except UndecodablePath:
                return await app(scope, receive, send)
            accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
            as_json = wants_json(path, accept)
            if not path.startswith(PREFIX):
                streamed = await _stream_asked_of_datasette(datasette, scope)
                if streamed is None:
                    return await app(scope, receive, send)
                return await send_error(send, 400, "csv_stream_off",
                                        f"整表 CSV 请从 {live_url(streamed.name)} 下载（今日公示的全部记录）；"
                                        f"带筛选条件的 CSV 每次最多 {datasette.setting('max_returned_rows')} 行。",
                                        as_json)
            match = ROUTE.match(path)
            table = (await live_tables(datasette)).get(match.group(1)) if match else None
            if table is None:
                return await send_error(send, 404, "not_found",
                                        "没有这张可整表下载的公开表：请检查表名（可下载的表见 /downloads）。", as_json)
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.start", "status": 200,
                            "headers": response_headers(table, clock_of(datasette).today_iso())})
                return await send({"type": "http.response.body", "body": b""})
            slots, client = stream_slots(datasette), client_of(scope)
            if not slots.take(client):
                return await send_error(send, 429, "live_csv_client_busy", slots.refusal_message(), as_json,
                                        [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
            try:
                await stream_table(datasette, table, receive, send, as_json)
            finally:
                slots.give_back(client)

        return live

    return wrap

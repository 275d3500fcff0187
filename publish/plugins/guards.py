"""Guards on Datasette's own pages, in one ASGI wrapper:
- a table page of a hidden `<kind>_records` snapshot table is redirected to the kind's view,
  which hides records whose publicity window ended after the build; a row page of such a
  record answers 404 (CONTRACT.md "Build outputs");
- pages under /search, /entity and /public send `X-Robots-Tag: noindex, noarchive`;
- Datasette's pages are declared Chinese (`<html lang="zh-CN">`).

Every rule reads the route Datasette dispatches to (plugins/routing.py), tilde-decoded and
case-folded: `/~70ublic/<kind>~5Frecords/~31.json` is guarded as
`/public/<kind>_records/1.json` is.
"""
from __future__ import annotations

import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import Request
from datasette.views.table import _sql_params_pks

from publish.clock import clock_of

from .errors import error_response
from .routing import Route, fold, resolve
from .site import DATABASE, site_state

NOINDEX_PREFIXES = ("/search", "/entity/")
ROBOTS = (b"x-robots-tag", b"noindex, noarchive")
RECORDS_SUFFIX = "_records"


def is_noindex(route: Route) -> bool:
    """Pages that show decisions about named subjects are kept out of search engines."""
    return fold(route.database) == DATABASE or route.raw_path.startswith(NOINDEX_PREFIXES)


def windowed_table(route: Route, windowed: set[str]) -> str | None:
    """The snapshot table (as stored) a route of the public database names, if it is one
    whose records have a publicity window."""
    if fold(route.database) != DATABASE or route.table is None:
        return None
    folded = fold(route.table)
    return next((table for table in windowed if table.lower() == folded), None)


async def _ended_record(datasette, route: Route, table: str) -> bool:
    """True for a row page of a windowed snapshot table whose record's window has ended
    today, or whose row cannot be looked up the way Datasette will look it up (fail closed)."""
    db = datasette.get_database(DATABASE)
    try:
        # Datasette's own row query, so the guard finds the row Datasette would serve
        # (`01`, `1.0` and `~31` all name row 1 of an integer key).
        sql, params, _ = await _sql_params_pks(db, table, list(route.pks))
        rows = await db.execute(f"SELECT publicity_end FROM ({sql})", params)
    except sqlite3.Error:
        return True
    row = rows.first()
    return bool(row and row[0] and row[0] < clock_of(datasette).today_iso())


def _view_url(route: Route, table: str, query: bytes) -> str:
    target = f"/{DATABASE}/{table[:-len(RECORDS_SUFFIX)]}" + (f".{route.format}" if route.format else "")
    return target + (f"?{query.decode('latin-1')}" if query else "")


_LANG = b'<html lang="zh-CN">'


def _with_chinese_lang(send):
    """Datasette's own pages open with a bare <html>: declare them Chinese (screen readers,
    fonts). Holds the response start until the first body chunk to fix Content-Length."""
    held = None

    async def sender(message):
        nonlocal held
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                held = message
                return
            return await send(message)
        if held is not None:
            start, held = held, None
            body = message.get("body", b"")
            head = body[:200]
            if b"<html>" in head:
                body = body.replace(b"<html>", _LANG, 1)
                message = dict(message, body=body)
                start = dict(start, headers=[
                    (k, str(int(v) + len(_LANG) - 6).encode() if k == b"content-length" else v)
                    for k, v in start.get("headers", [])])
            await send(start)
        await send(message)

    return sender


def _with_noindex(send):
    async def sender(message):
        if message["type"] == "http.response.start":
            message = dict(message, headers=[*message.get("headers", []), ROBOTS])
        await send(message)
    return sender


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            route = resolve(datasette, scope)
            send = _with_chinese_lang(send)
            if not is_noindex(route):
                return await app(scope, receive, send)
            send = _with_noindex(send)
            if route.kind not in ("table", "row"):
                return await app(scope, receive, send)
            table = windowed_table(route, (await site_state(datasette)).windowed)
            if table is None:
                return await app(scope, receive, send)
            if route.kind == "table":
                # The snapshot table would list records whose window ended after the build:
                # its table pages are served by the view that hides them (CONTRACT.md).
                target = _view_url(route, table, scope.get("query_string", b""))
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", target.encode("latin-1")), (b"content-length", b"0")]})
                return await send({"type": "http.response.body", "body": b""})
            if await _ended_record(datasette, route, table):
                response = await error_response(
                    datasette, Request(scope, receive), 404, "not_found", "该记录已不在公示期内，不再公示。")
                return await response.asgi_send(send)
            return await app(scope, receive, send)

        return guarded

    return wrap

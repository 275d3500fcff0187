"""Guards on Datasette's own pages, in one ASGI wrapper:
- a table page of a hidden `<kind>_records` snapshot table is redirected to the kind's view,
  which hides records whose publicity window ended after the build; a row page of such a
  record answers 404 (CONTRACT.md "Build outputs");
- pages under /search, /entity and /public send `X-Robots-Tag: noindex, noarchive`;
- Datasette's pages are declared Chinese (`<html lang="zh-CN">`).
"""
from __future__ import annotations

import re

from datasette import hookimpl
from datasette.utils.asgi import Request

from publish.clock import clock_of

from .errors import error_response
from .site import DATABASE, site_state

NOINDEX_PREFIXES = ("/search", "/entity/", f"/{DATABASE}")
ROBOTS = (b"x-robots-tag", b"noindex, noarchive")
# The table page (HTML, JSON, CSV) of a hidden `<kind>_records` snapshot table.
_RECORD_TABLE = re.compile(rf"^/{DATABASE}/(?P<view>[A-Za-z0-9_]+)_records(?P<suffix>\.\w+)?$")
_RECORD_ROW = re.compile(rf"^/{DATABASE}/(?P<table>[A-Za-z0-9_]+_records)/(?P<pk>[0-9]+)(?:\.(?P<format>\w+))?$")


async def _ended_record(datasette, path: str) -> bool:
    """True for a row page of a windowed `<kind>_records` table whose row's window has
    ended today (the build still holds it; the view hides it)."""
    match = _RECORD_ROW.match(path)
    if not match:
        return False
    state = await site_state(datasette)
    table = match["table"]
    if table not in state.windowed:
        return False
    rows = await datasette.get_database(DATABASE).execute(
        f"SELECT publicity_end FROM [{table}] WHERE id = ?", [int(match["pk"])])
    row = rows.first()
    return bool(row and row[0] and row[0] < clock_of(datasette).today_iso())


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


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            send = _with_chinese_lang(send)
            if not path.startswith(NOINDEX_PREFIXES):
                return await app(scope, receive, send)

            async def send_noindex(message):
                if message["type"] == "http.response.start":
                    message = dict(message, headers=[*message.get("headers", []), ROBOTS])
                await send(message)

            table_page = _RECORD_TABLE.match(path)
            if table_page and f"{table_page['view']}_records" in (await site_state(datasette)).windowed:
                # The snapshot table would list records whose window ended after the build:
                # its table pages are served by the view that hides them (CONTRACT.md).
                query = scope.get("query_string", b"")
                target = f"/{DATABASE}/{table_page['view']}{table_page['suffix'] or ''}"
                target += f"?{query.decode('latin-1')}" if query else ""
                await send_noindex({"type": "http.response.start", "status": 302,
                                    "headers": [(b"location", target.encode("latin-1")),
                                                (b"content-length", b"0")]})
                return await send_noindex({"type": "http.response.body", "body": b""})
            if path.startswith(f"/{DATABASE}/") and await _ended_record(datasette, path):
                response = await error_response(
                    datasette, Request(scope, receive), 404, "not_found",
                    "该记录已不在公示期内，不再公示。")
                return await response.asgi_send(send_noindex)
            return await app(scope, receive, send_noindex)

        return guarded

    return wrap

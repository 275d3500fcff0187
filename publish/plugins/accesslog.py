"""The access log: one line per request to logger `publish.access` (publish/logs.py writes it
to stderr, text or JSON lines), and an `X-Request-Id` header on every response.

A line holds the time (Beijing time, from the server's clock), the method, the route, the
status, the duration in ms, the body bytes sent and the request id (16 random hex digits, the
same as the header's). The route never carries what a request keeps secret: the query string
is dropped (search terms, `/verify?no=&code=`), and secret path segments (a report's
verification code in `/reports/{no}/{code}/…`) are replaced by `*`, and so is whatever the
scanner reads as personal in the path (an ID number asked for as `/entity/{…}` or
`/report/{…}`: logs are kept and read too). uvicorn's own access log stays off.

The wrapper is registered last (`trylast`), so it is the outermost: it sees the response
the client gets, including those the other wrappers answer themselves.
"""
from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl

from publish.clock import clock_of
from publish.logs import beijing_iso
from redaction.scan import find_in_text

logger = logging.getLogger("publish.access")
HEADER = b"x-request-id"
REQUEST_ID_KEY = "publish.request_id"   # where the id travels in the ASGI scope
MAX_ROUTE = 512
# (pattern, replacement) over the percent-encoded path: path parameters that are secrets.
SECRET_SEGMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(/reports/[^/]+/)[^/]+"), r"\1*"),
)
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f]")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def route(scope: Scope) -> str:
    """The request's path as it was sent (percent-encoded, so `%2F` stays inside its
    segment), without the query string, secret segments masked, unprintables escaped."""
    raw = scope.get("raw_path")
    if raw:
        path = bytes(raw).split(b"?", 1)[0].decode("utf-8", "backslashreplace")
    else:
        path = scope.get("path") or "/"
    for pattern, replacement in SECRET_SEGMENTS:
        path = pattern.sub(replacement, path)
    for start, end, _ in reversed(find_in_text(path)):
        path = path[:start] + "*" + path[end:]
    path = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", path)
    return path if len(path) <= MAX_ROUTE else path[:MAX_ROUTE] + "…"


def new_request_id() -> str:
    return secrets.token_hex(8)


@hookimpl(trylast=True)
def asgi_wrapper(datasette) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def logged(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            request_id = new_request_id()
            when = beijing_iso(clock_of(datasette).now())
            started = time.monotonic()
            status: int | None = None
            sent = 0

            async def send_logged(message: Message) -> None:
                nonlocal status, sent
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                    message = dict(message, headers=[*headers, (HEADER, request_id.encode("ascii"))])
                elif message["type"] == "http.response.body":
                    sent += len(message.get("body", b""))
                await send(message)

            try:
                # The audit log (plugins/auth.py) names the same request id.
                await app({**scope, REQUEST_ID_KEY: request_id}, receive, send_logged)
            except BaseException:
                if status is None:
                    status = 500
                raise
            finally:
                duration = round((time.monotonic() - started) * 1000, 1)
                method, path = scope.get("method", "-"), route(scope)
                logger.info("%s %s %s %.1fms %dB id=%s", method, path, status if status is not None else "-",
                            duration, sent, request_id,
                            extra={"time": when, "method": method, "route": path, "status": status,
                                   "duration_ms": duration, "bytes": sent, "request_id": request_id})

        return logged

    return wrap

"""Methods and paths the site answers, before any page sees the request:
- GET and HEAD everywhere; POST only on the routes listed in POST_ROUTES (issuing a credit
  report, verifying a file: plugins/reports.py); anything else (TRACE, PROPFIND, OPTIONS, PUT,
  DELETE, PATCH…) is 405 with `Allow`. Datasette's own views answer some of these with 200
  ("ok" to OPTIONS) and others with a 500 and a traceback in the log.
- a raw path that is not ASCII is 400: Datasette's router would fail on it with a 500.

No CORS is offered, so OPTIONS has no meaning here.
"""
from __future__ import annotations

import re

from datasette import hookimpl

from publish.httperrors import send_error, wants_json

from .routing import UndecodablePath, raw_path

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Routes (regular expressions over the raw path) that accept POST as well.
POST_ROUTES: tuple[re.Pattern[str], ...] = (re.compile(r"^/report/[^/]+$"), re.compile(r"^/verify(\.json)?$"))


def allowed_methods(path: str) -> tuple[str, ...]:
    """The methods a path answers, in the order the Allow header lists them."""
    if any(pattern.match(path) for pattern in POST_ROUTES):
        return ("GET", "HEAD", "POST")
    return ("GET", "HEAD")


def _accept(scope) -> str:
    return dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            as_json = wants_json(str(scope.get("path") or ""), _accept(scope))
            try:
                path = raw_path(scope)
            except UndecodablePath:
                return await send_error(send, 400, "bad_path", "请求路径含有无法识别的字符，请检查链接。", as_json)
            methods = allowed_methods(path)
            if scope.get("method", "GET") not in methods:
                return await send_error(
                    send, 405, "method_not_allowed", f"该地址只接受 {'、'.join(methods)} 请求。", as_json,
                    [(b"allow", ", ".join(methods).encode("ascii"))])
            return await app(scope, receive, send)

        return checked

    return wrap

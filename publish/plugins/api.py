"""Mounts the bank and guarantor API (publish/api/app.py, a Starlette app) at `/api/`, inside
the authentication wrapper (plugins/auth.py verified the token and counted the request) and
outside Datasette: nothing under /api/ reaches Datasette's routing."""
from __future__ import annotations

import weakref

from datasette import hookimpl

API_PREFIX = "/api/"


@hookimpl
def asgi_wrapper(datasette):
    from publish.api.app import make_app
    from publish.api.service import api_service

    ref = weakref.ref(datasette)
    api = make_app(lambda: api_service(ref()))

    def wrap(app):
        async def routed(scope, receive, send):
            path = scope.get("path", "") if scope["type"] == "http" else ""
            if path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX):
                return await api(scope, receive, send)
            return await app(scope, receive, send)

        return routed

    return wrap

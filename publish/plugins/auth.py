"""Who may see what: the one module holding authentication and permission rules.

Anonymous users see `public.db` only. Every `/authorized` route (database, table, row, JSON,
CSV, SQL, the `.db` download) answers 401 with `WWW-Authenticate: Bearer` unless a valid
bearer token with scope `sql` is presented; until tokens exist, `/authorized` is closed to
everyone. `authorized.db` is left out of the index page, `/-/databases.json` and
`/-/metadata.json` for anyone without that scope (CONTRACT.md, "HTTP").

Kept in one module so a later move to Datasette 1.0 (where permissions change) stays local.
"""
from __future__ import annotations

import json

from datasette import hookimpl

from publish.httperrors import send_error, wants_json

from .routing import UndecodablePath, fold, resolve

PRIVATE_DATABASE = "authorized"
SQL_SCOPE = "sql"
# Introspection pages that would list the private database.
_LISTING_JSON = {"/-/databases.json", "/-/metadata.json"}
_LISTING_HTML = {"/-/databases", "/-/metadata"}


def actor_scopes(actor: dict | None) -> set[str]:
    if not actor:
        return set()
    return set(actor.get("scopes") or ())


def may_read_private(actor: dict | None) -> bool:
    return SQL_SCOPE in actor_scopes(actor)


def is_private_path(path: str) -> bool:
    """Every URL under /authorized, including /authorized.db and /authorized.json."""
    return (path == f"/{PRIVATE_DATABASE}" or path.startswith(f"/{PRIVATE_DATABASE}/")
            or path.startswith(f"/{PRIVATE_DATABASE}."))


def is_private_request(datasette, scope: dict) -> bool:
    """A request for the private database in any spelling: the database Datasette routes to
    (tilde-decoded, so `/~61uthorized` is `/authorized`), or a path that reads as
    /authorized once percent-decoded or case-folded. Every method, OPTIONS included."""
    path = str(scope.get("path") or "")
    if is_private_path(path) or is_private_path(path.lower()):
        return True
    try:
        route = resolve(datasette, scope)
    except UndecodablePath:
        return False  # Datasette cannot route it; the method guard answers 400
    return fold(route.database) == PRIVATE_DATABASE or is_private_path(fold(route.raw_path))


def bearer_actor(headers: dict[bytes, bytes]) -> dict | None:
    """The actor a bearer token stands for. No tokens are issued yet: nobody is authorized."""
    return None


@hookimpl
def actor_from_request(datasette, request):
    return bearer_actor({k.encode(): v.encode() for k, v in request.headers.items()})


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    """Second line behind the wrapper: the private database is invisible without scope `sql`."""
    database = resource[0] if isinstance(resource, tuple) else resource
    if database == PRIVATE_DATABASE and not may_read_private(actor):
        return False
    return None


def _filter_listing(path: str, payload: object) -> object:
    """Drops the private database from /-/databases.json and /-/metadata.json."""
    if path == "/-/databases.json" and isinstance(payload, list):
        return [db for db in payload if db.get("name") != PRIVATE_DATABASE]
    if path == "/-/metadata.json" and isinstance(payload, dict):
        databases = dict(payload.get("databases") or {})
        databases.pop(PRIVATE_DATABASE, None)
        return {**payload, "databases": databases}
    return payload


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            headers = dict(scope.get("headers") or [])
            actor = bearer_actor(headers)
            if is_private_request(datasette, scope) and not may_read_private(actor):
                as_json = wants_json(path, headers.get(b"accept", b"").decode("latin-1"))
                if actor is None:
                    return await send_error(
                        send, 401, "unauthorized", "需要有效的访问令牌（Bearer token）", as_json,
                        [(b"www-authenticate", b'Bearer realm="authorized"')])
                return await send_error(send, 403, "forbidden", "令牌无权访问该数据库（需要 sql 权限）", as_json)
            if path in _LISTING_HTML and not may_read_private(actor):
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", f"{path}.json".encode()),
                                        (b"content-length", b"0")]})
                return await send({"type": "http.response.body", "body": b""})
            if path in _LISTING_JSON and not may_read_private(actor):
                return await _filtered(app, scope, receive, send, path)
            return await app(scope, receive, send)

        return guarded

    return wrap


async def _filtered(app, scope, receive, send, path):
    """Runs the request, then rewrites the JSON body without the private database."""
    start, chunks = {}, []

    async def capture(message):
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    body = b"".join(chunks)
    try:
        body = json.dumps(_filter_listing(path, json.loads(body)), ensure_ascii=False).encode()
    except ValueError:
        pass
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": start.get("status", 200), "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""Who may see what: the one module holding authentication and permission rules.

- **Authentication** is the bearer token's alone (publish/tokens.py): the ASGI wrapper below
  verifies `Authorization: Bearer …` once per request and puts the actor in the scope;
  Datasette's `actor_from_request` reads it from there, and Datasette's cookie actor
  (`ds_actor`) is switched off, so no cookie can stand in for a token.
- A request that carries a token which does not verify (malformed, forged, expired, not yet
  valid, revoked, unknown, wrong issuer or audience) gets 401 with `WWW-Authenticate: Bearer`
  on any route; a client presenting too many of them gets 429. A valid token takes one request
  from its quota (publish/api/quota.py: 429 with Retry-After beyond it) and every answer to it
  carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
- **Every request that carries a token is audited** (publish/audit.py): organisation (or
  none, for an invalid token), jti, route, the subjects and names asked about (the API notes
  them in the scope's `publish.audit`), the build answered from, status, bytes, request id.
- **Permissions**: the private database (`/authorized…`: database, table, row, JSON, CSV,
  SQL, the `.db` download) needs scope `sql`: 401 without a token, 403 with a token that lacks
  the scope. metadata.yml's `allow` and `allow_sql` on `authorized` say the same to Datasette,
  and `permission_allowed` below is the second line. `authorized.db` is left out of the index
  page, `/-/databases.json` and `/-/metadata.json` for anyone without the scope. The API's
  routes check their own scope with `require_scope`.

Kept in one module so a later move to Datasette 1.0 (where permissions change) stays local.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from datasette import hookimpl

from publish.httperrors import send_error, wants_json
from publish.limits import client_of
from publish.tokens import Bearer, TokenError

from .accesslog import REQUEST_ID_KEY
from .routing import UndecodablePath, fold, resolve

PRIVATE_DATABASE = "authorized"
SQL_SCOPE = "sql"
ACTOR_KEY = "publish.actor"      # the verified actor, in the ASGI scope
AUDIT_KEY = "publish.audit"      # what a route notes for the audit log (an AuditNote)
RATE_KEY = "publish.ratelimit"   # the request quota's state after this request
REALM = "credit-api"
# Introspection pages that would list the private database.
_LISTING_JSON = {"/-/databases.json", "/-/metadata.json"}
_LISTING_HTML = {"/-/databases", "/-/metadata"}
# Introspection nobody needs from outside: the server's tasks, with their source paths.
_INTERNAL = {"/-/threads", "/-/threads.json"}
COOKIE_ACTOR_PLUGIN = "datasette.actor_auth_cookie"


@dataclass
class AuditNote:
    """What the route that answered adds to the request's audit entry."""
    usccs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    build_id: str | None = None


def disable_cookie_actor(pm) -> None:
    """Datasette's `ds_actor` cookie would be a second way to authenticate: it is switched off."""
    plugin = pm.get_plugin(COOKIE_ACTOR_PLUGIN)
    if plugin is not None:
        pm.unregister(plugin)


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


def scope_actor(scope: Mapping[str, Any]) -> dict | None:
    actor = scope.get(ACTOR_KEY)
    return actor if isinstance(actor, dict) else None


def challenge(error: str | None = None, needed: str | None = None) -> list[tuple[bytes, bytes]]:
    """RFC 6750's WWW-Authenticate for a 401 (or a 403 for a missing scope)."""
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if needed:
        value += f', scope="{needed}"'
    return [(b"www-authenticate", value.encode())]


async def require_scope(scope: dict, send, needed: str) -> bool:
    """True when the request's token has `needed`; otherwise answers 401 (no token) or 403
    (a token without the scope) in JSON and returns False."""
    actor = scope_actor(scope)
    if actor is None:
        await send_error(send, 401, "unauthorized", "需要有效的访问令牌（Authorization: Bearer …）", True,
                         challenge())
        return False
    if needed not in actor_scopes(actor):
        await send_error(send, 403, "insufficient_scope", f"令牌没有所需的权限范围：{needed}", True,
                         challenge("insufficient_scope", needed))
        return False
    return True


def _bearer_token(value: bytes) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when it is not one."""
    try:
        text = value.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    scheme, _, token = text.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


@hookimpl
def actor_from_request(datasette, request):
    return scope_actor(request.scope)


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
        # Nor where the build lies on the server's disk.
        return [{k: v for k, v in db.items() if k != "path"} for db in payload
                if isinstance(db, dict) and db.get("name") != PRIVATE_DATABASE]
    if path == "/-/metadata.json" and isinstance(payload, dict):
        databases = dict(payload.get("databases") or {})
        databases.pop(PRIVATE_DATABASE, None)
        return {**payload, "databases": databases}
    return payload


def _query_usccs(scope: dict) -> list[str]:
    """USCCs a Datasette request filters on (`?uscc=…`, `?uscc__exact=…`), for the audit log."""
    import urllib.parse

    query = urllib.parse.parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    return [v for k, values in query.items() if k.split("__")[0] == "uscc" for v in values][:100]


@hookimpl
def asgi_wrapper(datasette):
    from publish.api.service import api_service

    def wrap(app):
        async def permitted(scope, receive, send):
            """The private database's rules, the actor already known (None: anonymous)."""
            path = scope.get("path", "")
            actor = scope_actor(scope)
            if is_private_request(datasette, scope) and not may_read_private(actor):
                headers = dict(scope.get("headers") or [])
                as_json = wants_json(path, headers.get(b"accept", b"").decode("latin-1"))
                if actor is None:
                    return await send_error(send, 401, "unauthorized", "需要有效的访问令牌（Bearer token）", as_json,
                                            challenge())
                return await send_error(send, 403, "forbidden", "令牌无权访问该数据库（需要 sql 权限）", as_json,
                                        challenge("insufficient_scope", SQL_SCOPE))
            if path in _INTERNAL:
                headers = dict(scope.get("headers") or [])
                return await send_error(send, 404, "not_found", "没有这个页面",
                                        wants_json(path, headers.get(b"accept", b"").decode("latin-1")))
            if path in _LISTING_HTML and not may_read_private(actor):
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", f"{path}.json".encode()),
                                        (b"content-length", b"0")]})
                return await send({"type": "http.response.body", "body": b""})
            if path in _LISTING_JSON and not may_read_private(actor):
                return await _filtered(app, scope, receive, send, path)
            return await app(scope, receive, send)

        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            # Whatever a client sends, only this wrapper sets the actor.
            scope = {k: v for k, v in scope.items() if k not in (ACTOR_KEY, AUDIT_KEY, RATE_KEY)}
            authorization = [v for k, v in scope.get("headers") or [] if k.lower() == b"authorization"]
            if not authorization:
                return await permitted(scope, receive, send)
            return await _authenticated(api_service(datasette), permitted, scope, receive, send, authorization)

        return guarded

    return wrap


async def _authenticated(service, permitted, scope, receive, send, authorization: list[bytes]) -> None:
    """A request carrying a token: verified, counted against its quota, answered, audited."""
    from publish.errors import PublishError

    token = _bearer_token(authorization[0]) if len(authorization) == 1 else None
    # The SQL worker answers what the server admitted: the server counted and audits it.
    worker = getattr(service.datasette, "site_role", "site") == "worker"
    bearer: Bearer | None = None
    quota = None
    refusal: tuple[int, str, str, list[tuple[bytes, bytes]]] | None = None
    outcome = "ok"
    try:
        if token is None:
            raise TokenError("token_malformed", "Authorization 头应为 “Bearer <令牌>”")
        bearer, quota = await service.run(lambda: service.admit(token, count=not worker))
    except TokenError as exc:
        wait, first = service.invalid_token_wait(client_of(scope))
        if wait is not None:
            headers = [(b"retry-after", str(wait).encode())]
            await send_error(send, 429, "too_many_invalid_tokens",
                             f"无效令牌过多，请 {wait} 秒后再试", True, headers)
            if first:
                await _audit(service, scope, None, 429, 0, "invalid_token_rate_limited", AuditNote())
            return
        refusal = (401, exc.code, exc.message, challenge("invalid_token"))
        outcome = "invalid_token"
    except PublishError as exc:   # the state directory cannot be read (keys_missing…)
        refusal = (503, exc.code, exc.message, [(b"retry-after", b"30")])
        outcome = "unavailable"
    if refusal is not None:
        status, code, message, headers = refusal
        await send_error(send, status, code, message, True, headers)
        return await _audit(service, scope, None, status, 0, outcome, AuditNote())
    assert bearer is not None
    if quota is None:   # the SQL worker
        return await permitted({**scope, ACTOR_KEY: bearer.actor()}, receive, send)
    if not quota.granted:
        await send_error(send, 429, "rate_limited", f"请求过于频繁：每个令牌每 5 分钟最多 {quota.limit} 次，"
                         f"请 {quota.reset} 秒后再试", True, [(b"retry-after", str(quota.reset).encode()),
                                                             *quota.headers()])
        return await _audit(service, scope, bearer, 429, 0, "rate_limited", AuditNote())
    note = AuditNote(usccs=_query_usccs(scope), build_id=service.build_id)
    scope = {**scope, ACTOR_KEY: bearer.actor(), AUDIT_KEY: note, RATE_KEY: quota}
    status, sent = 500, 0

    async def counted(message):
        nonlocal status, sent
        if message["type"] == "http.response.start":
            status = int(message["status"])
            # An answer to a token is that organisation's alone: no shared cache keeps it.
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
            names = {k.lower() for k, _ in headers}
            extra = [h for h in scope[RATE_KEY].headers() if h[0] not in names]
            message = dict(message, headers=[*headers, *extra, (b"cache-control", b"private, no-store")])
        elif message["type"] == "http.response.body":
            sent += len(message.get("body", b""))
        await send(message)

    try:
        await permitted(scope, receive, counted)
    finally:
        outcome = "ok" if status < 400 else "forbidden" if status == 403 else "error"
        await _audit(service, scope, bearer, status, sent, outcome, note)


async def _audit(service, scope, bearer: Bearer | None, status: int, sent: int, outcome: str,
                 note: AuditNote) -> None:
    from publish.audit import AuditEntry

    if getattr(service.datasette, "site_role", "site") == "worker":
        return   # the server audits what it forwarded to the SQL worker
    entry = AuditEntry(
        at=service.clock.now().isoformat(timespec="milliseconds"), org=bearer.org if bearer else None,
        jti=bearer.jti if bearer else None, method=str(scope.get("method") or ""),
        route=str(scope.get("path") or "")[:500], usccs=tuple(note.usccs[:1000]), names=tuple(note.names[:1000]),
        build_id=note.build_id or service.build_id or "", status=status, bytes=sent,
        request_id=str(scope.get(REQUEST_ID_KEY) or ""), outcome=outcome)
    await service.run(lambda: service.record(entry))


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

"""The `/api/v1` routes: a Starlette app inside the site's server (plugins/api.py mounts it).

The caller is already authenticated (plugins/auth.py put the actor in the scope and counted
the request); each route checks its own scope, answers JSON, names the build it answered
from, and notes for the audit log which subjects and names it was asked about. Every error is
`{"error": {"code", "message"}}`.
"""
from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import PublishError
from ..httperrors import error_json
from ..kinds import load_kinds
from ..plugins.auth import AUDIT_KEY, RATE_KEY, actor_scopes, challenge, scope_actor
from ..plugins.site import site_state
from ..profile import entity_profile
from ..settings import API_MAX_SCREEN_ITEMS
from ..textnorm import as_uscc, is_valid_uscc
from .openapi import API_VERSION, openapi_document
from .service import ApiService

PREFIX = "/api/v1"
MAX_BODY_BYTES = 2 * 1024 * 1024       # a 1,000-item screening batch is far below
MAX_SUBJECTS = 100                     # USCCs per /changes or /snapshot call
# HTTP status of a PublishError a route raises, by code (anything else is 400).
STATUS = {"cursor_expired": 410, "entity_not_found": 404, "keys_missing": 503, "state_missing": 503,
          "state_busy": 503, "payload_too_large": 413}


class JSON(JSONResponse):
    """JSON as UTF-8 text, not \\u escapes."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(error_json(code, message), status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


Handler = Callable[[Request, ApiService], Awaitable[Response]]


def scoped(needed: str, handler: Handler, service_of: Callable[[], ApiService]) -> Callable[[Request],
                                                                                          Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        actor = scope_actor(request.scope)
        if actor is None:
            return error(401, "unauthorized", "需要有效的访问令牌（Authorization: Bearer …）",
                         {k.decode(): v.decode() for k, v in challenge()})
        if needed not in actor_scopes(actor):
            return error(403, "insufficient_scope", f"令牌没有所需的权限范围：{needed}",
                         {k.decode(): v.decode() for k, v in challenge("insufficient_scope", needed)})
        service = service_of()
        try:
            return await handler(request, service)
        except PublishError as exc:
            return error(STATUS.get(exc.code, 400), exc.code, exc.message)
    return endpoint


def note(request: Request, *, usccs: list[str] = (), names: list[str] = ()) -> None:  # type: ignore[assignment]
    audit = request.scope.get(AUDIT_KEY)
    if audit is not None:
        audit.usccs.extend(u for u in usccs if u)
        audit.names.extend(n for n in names if n)


MAX_SEQ = 2 ** 53   # the largest integer a parameter may name (JSON's exact integers)


def int_param(request: Request, name: str, low: int, high: int, code: str, default: int | None = None) -> int | None:
    """An integer query parameter in [low, high] (ASCII digits only), or `default` when absent."""
    text = request.query_params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise PublishError(code, f"参数 {name} 应为 {low}–{high} 的整数：{text[:40]}")
    return int(text)


def checked_uscc(text: str) -> str:
    code = as_uscc(text)
    if code is None or not is_valid_uscc(code):
        raise PublishError("invalid_uscc", f"不是有效的统一社会信用代码：{text[:40]}")
    return code


# --- routes ---------------------------------------------------------------------------------

async def entity(request: Request, service: ApiService) -> Response:
    raw = urllib.parse.unquote(request.path_params["uscc"])
    note(request, usccs=[raw[:40]])
    code = checked_uscc(raw)
    datasette = service.datasette
    storages = (await site_state(datasette)).storages   # the build's kinds, read once per server
    profile = await datasette.get_database("public").execute_fn(
        lambda conn: entity_profile(conn, code, storages=storages))
    authorized = await datasette.get_database("authorized").execute_fn(lambda conn: _authorized_records(conn, code))
    if profile is None and not any(authorized.values()):
        raise PublishError("entity_not_found", f"未找到统一社会信用代码为 {code} 的主体的信息")
    public = dict(profile or {"uscc": code, "records": {}})
    public.pop("notices", None)
    return JSON({"uscc": code, "build_id": service.build_id, "today": service.clock.today_iso(),
                 "public": public, "authorized": authorized})


def _authorized_records(conn, code: str) -> dict[str, list[dict]]:
    """The authorized kinds' records of a subject as of today (their views)."""
    found: dict[str, list[dict]] = {}
    for kind in load_kinds():
        if kind.tier != "authorized":
            continue
        cursor = conn.execute(f"SELECT * FROM [{kind.table}] WHERE uscc = ? ORDER BY id LIMIT 100", (code,))
        names = [d[0] for d in cursor.description]
        found[kind.table] = [dict(zip(names, row, strict=True)) for row in cursor]
    return found


async def _json_body(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PublishError("payload_too_large", f"请求体超过 {MAX_BODY_BYTES // 1024} KiB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PublishError("payload_too_large", f"请求体超过 {MAX_BODY_BYTES // 1024} KiB")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PublishError("invalid_json", "请求体应为 UTF-8 编码的 JSON") from None


async def screen(request: Request, service: ApiService) -> Response:
    from ..screening import ALGORITHMS, Screener, parse_queries, requested_algorithm

    payload = await _json_body(request)
    queries = parse_queries(payload, API_MAX_SCREEN_ITEMS)
    note(request, usccs=[q.uscc for q in queries if q.uscc], names=[q.name for q in queries if q.name])
    algorithm = requested_algorithm(payload)
    bearer = _bearer(request)
    quota = await service.run(lambda: service.take(bearer, "screen_items", len(queries)))
    if not quota.granted:
        headers = {k.decode(): v.decode() for k, v in quota.headers()}
        return error(429, "screen_quota_exceeded",
                     f"筛查条数超出配额：本小时还剩 {quota.remaining} 条，本批 {len(queries)} 条，未做任何处理",
                     {**headers, "Retry-After": str(quota.reset)})
    build_dir = service.build_dir
    if build_dir is None:
        raise PublishError("build_missing", "服务没有可读的构建")
    screener = service.part("screener", lambda: Screener(build_dir / "public.db"))
    today = service.clock.today_iso()
    results = await service.run(lambda: screener.screen(queries, algorithm=algorithm, today=today))
    response = JSON({"build_id": service.build_id, "algorithm": algorithm, "threshold": ALGORITHMS[algorithm].threshold,
                     "api_version": API_VERSION, "today": today, "results": results})
    response.headers.update({"x-screen-items-remaining": str(quota.remaining)})
    return response


def _bearer(request: Request):
    from ..tokens import Bearer

    actor = scope_actor(request.scope) or {}
    return Bearer(org=actor["org"], jti=actor["jti"], scopes=frozenset(actor["scopes"]), expires=0)


def _usccs(request: Request, required: bool) -> list[str]:
    values = [v for v in request.query_params.getlist("uscc") for v in v.split(",") if v.strip()]
    note(request, usccs=[v[:40] for v in values])
    if len(values) > MAX_SUBJECTS:
        raise PublishError("too_many_subjects", f"一次最多 {MAX_SUBJECTS} 个统一社会信用代码")
    if required and not values:
        raise PublishError("uscc_required", "请用 uscc= 给出至少一个统一社会信用代码")
    return [checked_uscc(v) for v in values]


def _feed(service: ApiService):
    from ..feed import ChangeFeed
    from ..feed.recording import make_current

    def opened() -> ChangeFeed:
        # The build this process serves is the feed's current one (serve makes it so at start;
        # an instance made another way, the tests' make_datasette, does it here: idempotent).
        if service.build_dir is not None:
            make_current(service.state_dir, service.build_dir, service.clock)
        return ChangeFeed(service.state_dir, service.clock)

    return service.part("feed", opened)


async def changes(request: Request, service: ApiService) -> Response:
    usccs = _usccs(request, required=False)
    after = request.query_params.get("after")
    limit = int_param(request, "limit", 1, 1000, "bad_limit", 1000)
    assert limit is not None
    feed = _feed(service)
    try:
        page = await service.run(lambda: feed.changes(after, usccs or None, service.build_id, limit))
    except PublishError as exc:
        if exc.code != "cursor_expired":
            raise
        snapshot = f"{PREFIX}/snapshot?" + urllib.parse.urlencode([("uscc", u) for u in usccs] or [("uscc", "…")])
        body = json.loads(error_json(exc.code, exc.message))
        body["error"]["snapshot"] = snapshot
        return JSON(body, status_code=410, headers={"Link": f'<{snapshot}>; rel="alternate"'})
    return JSON({**page, "build_id": service.build_id})


async def snapshot(request: Request, service: ApiService) -> Response:
    usccs = _usccs(request, required=True)
    feed = _feed(service)
    build_dir = service.build_dir
    result = await service.run(lambda: feed.snapshot(build_dir, usccs))
    return JSON({**result, "build_id": service.build_id})


async def audit(request: Request, service: ApiService) -> Response:
    from ..clock import parse_instant

    actor = scope_actor(request.scope) or {}
    since_text = request.query_params.get("since")
    since = parse_instant(since_text) if since_text else None
    after = int_param(request, "after", 0, MAX_SEQ, "bad_cursor")
    log = service.opened().audit
    entries = await service.run(lambda: log.entries(org=actor["org"], since=since, limit=1000, after=after))
    head = await service.run(log.head)
    # The audit keys, so that the organisation can check the signed head it keeps.
    keys = await service.run(lambda: service.opened().ring.public_jwks("audit"))
    return JSON({"org": actor["org"], "entries": entries, "head": head, "keys": keys, "build_id": service.build_id})


async def openapi(request: Request) -> Response:
    return JSON(openapi_document())


def make_app(service_of: Callable[[], ApiService]) -> Starlette:
    routes = [
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(PREFIX + "/entities/{uscc}", scoped("entities:read", entity, service_of), methods=["GET"]),
        Route(f"{PREFIX}/screen", scoped("screen", screen, service_of), methods=["POST"]),
        Route(f"{PREFIX}/changes", scoped("changes:read", changes, service_of), methods=["GET"]),
        Route(f"{PREFIX}/snapshot", scoped("changes:read", snapshot, service_of), methods=["GET"]),
        Route(f"{PREFIX}/audit", scoped("audit:read", audit, service_of), methods=["GET"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        message = {404: "没有这个接口", 405: "该接口不接受这种请求方法"}.get(exc.status_code, "请求有误")
        return error(exc.status_code, code, message)

    async def server_error(request: Request, exc: Exception) -> Response:
        return error(500, "internal_error", "服务器内部错误")

    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})


__all__ = ["PREFIX", "RATE_KEY", "make_app"]

"""Arbitrary SQL under limits (publish/limits.py), in one ASGI wrapper:
- a request carrying SQL its client wrote (`?sql=`, `_where=`), or one of Datasette's reads
  of many rows (`_size` beyond a page, a `_stream` CSV), is admitted only while the server
  runs fewer than `max_concurrent` of them and its client fewer than `max_per_client`;
  otherwise it gets 503 or 429 with Retry-After at once;
- an admitted one runs in the SQL lane (plugins/connections.py: its own threads, rows read
  with a byte budget, the time limit kept);
- its answer is held until complete and sent only if it is within `max_result_bytes`, else
  replaced by an error: never a truncated 200 (a table's CSV stream is not capped: it is a
  download);
- Datasette's own JSON errors for bad SQL (`{"ok": false, "error": …}`) become the site's
  error form (publish/httperrors.py) with a stable code.

Under `serve` an admitted request is answered by the SQL worker process (publish/sqlworker.py),
whose own copy of this wrapper runs it in its lane without counting it again.
"""
from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from typing import Any

from datasette import hookimpl

from publish.httperrors import error_json, send_error, wants_json
from publish.limits import (
    LENGTH_LIMIT_BYTES,
    Admission,
    SqlLimits,
    caps_result_size,
    client_of,
    lane_of,
    mebibytes,
    too_large_message,
)

from .connections import configure_lane, in_lane, lane_limits
from .parameters import query_args
from .routing import UndecodablePath, resolve


@dataclass
class LaneConfig:
    limits: SqlLimits
    admission: Admission | None   # None in the worker: the server admitted the request
    link: Any = None              # a sqlworker.WorkerLink under `serve`: the worker answers


_CONFIGS: weakref.WeakKeyDictionary[Any, LaneConfig] = weakref.WeakKeyDictionary()


def configure(datasette, limits: SqlLimits, *, admit: bool = True, link=None) -> None:
    """Sets the SQL limits of an instance (make_datasette does, from the settings); `admit`
    False in the worker; `link` when a worker answers."""
    configure_lane(datasette, limits)
    _CONFIGS[datasette] = LaneConfig(limits, Admission(limits) if admit else None, link)


def lane_config(datasette) -> LaneConfig:
    found = _CONFIGS.get(datasette)
    if found is None:
        limits = lane_limits(datasette)
        found = _CONFIGS[datasette] = LaneConfig(limits, Admission(limits))
    return found


def sql_error(message: str) -> tuple[str, str]:
    """(code, Chinese message) for the error SQLite gave a client's query."""
    if "string or blob too big" in message:
        return "sql_length_limit", (f"查询生成的字符串或二进制值超过 {mebibytes(LENGTH_LIMIT_BYTES)} "
                                    "的长度上限，已中止：请缩短查询结果。")
    return "bad_sql", "SQL 查询有误，请检查后重试。"


def as_site_error(status: int, body: bytes) -> tuple[int, bytes] | None:
    """Datasette's JSON error body as the site's error form, or None when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not (isinstance(data, dict) and data.get("ok") is False and data.get("error")):
        return None
    detail = str(data["error"])
    code, message = sql_error(detail)
    return (status if status >= 400 else 400), error_json(code, message, detail)


class Relay:
    """An ASGI `send` that notes whether the answer has begun."""

    def __init__(self, send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: dict) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class HeldResponse:
    """An ASGI `send` that holds the whole response, then sends it if it is at most `limit`
    bytes long, else an error in its place."""

    def __init__(self, send, limit: int, as_json: bool) -> None:
        self.send, self.limit, self.as_json = send, limit, as_json
        self.start: dict | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.too_large = False

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            return await self.send(message)
        if not self.too_large:
            body = message.get("body", b"")
            self.size += len(body)
            if self.size > self.limit:
                self.too_large, self.chunks = True, []
            else:
                self.chunks.append(body)
        if not message.get("more_body", False):
            await self._finish()

    async def _finish(self) -> None:
        if self.too_large or self.start is None:
            return await send_error(self.send, 400, "result_too_large", too_large_message(self.limit), self.as_json)
        status = int(self.start.get("status", 200))
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        body = b"".join(self.chunks)
        content_type = dict(headers).get(b"content-type", b"")
        if content_type.startswith(b"application/json"):
            replaced = as_site_error(status, body)
            if replaced:
                status, body = replaced
        await self.send({"type": "http.response.start", "status": status,
                         "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await self.send({"type": "http.response.body", "body": body})


async def forward(config: LaneConfig, scope: dict, path: str, answer, relay: Relay, as_json: bool) -> None:
    """Has the worker answer; a worker that cannot be reached is a 503 (if nothing was sent)."""
    from publish.sqlworker import WorkerUnavailable

    query = scope.get("query_string", b"").decode("latin-1")
    try:
        await config.link.forward(scope, path + (f"?{query}" if query else ""), answer)
    except WorkerUnavailable:
        if not relay.started:
            await send_error(relay, 503, "sql_unavailable", "SQL 查询暂不可用，请稍后再试。", as_json,
                             [(b"retry-after", str(config.limits.retry_after_seconds).encode())])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def limited(scope, receive, send):
            if scope["type"] != "http" or not scope.get("query_string"):
                return await app(scope, receive, send)
            try:
                route = resolve(datasette, scope)
            except UndecodablePath:
                return await app(scope, receive, send)
            args = query_args(scope["query_string"])
            lane = lane_of(route.kind, route.format, args)
            if lane is None:
                return await app(scope, receive, send)
            accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
            as_json = route.format == "json" or wants_json(route.raw_path, accept)
            config, client = lane_config(datasette), client_of(scope)
            refusal = config.admission.admit(client, time.monotonic()) if config.admission else None
            if refusal:
                if refusal.delay:
                    await asyncio.sleep(refusal.delay)
                return await send_error(send, refusal.status, refusal.code, refusal.message, as_json,
                                        [(b"retry-after", str(refusal.retry_after).encode())])
            relay = Relay(send)
            answer, budget = relay, None
            if caps_result_size(route.kind, route.format, args):
                budget = config.limits.max_result_bytes
                answer = HeldResponse(relay, budget, as_json)
            try:
                if config.link is None:
                    with in_lane(lane, budget):
                        await app(scope, receive, answer)
                else:
                    await forward(config, scope, route.raw_path, answer, relay, as_json)
            finally:
                if config.admission:
                    config.admission.release(client)

        return limited

    return wrap

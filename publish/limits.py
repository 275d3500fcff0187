"""How much one request may take from the server: the policy as plain functions and values.

- **Length**: no string or blob a query makes may exceed `LENGTH_LIMIT_BYTES` (SQLite's
  SQLITE_LIMIT_LENGTH, set on every connection): above the largest cell a build allows, so
  pages and search never meet it, far below the gigabyte one `replace(printf(…))` made.
- **Arbitrary SQL** (`?sql=` on a database, `_where=` on a table: SQL the client writes), and
  Datasette's reads of many rows (a table page of more than DEFAULT_PAGE_SIZE rows, a whole
  table streamed as CSV), run on their own small thread pool (under `serve`, in the SQL
  worker: publish/sqlworker.py), at most `max_concurrent` such requests at once in the server
  and `max_per_client` per client; beyond either the answer is immediate (503 or 429, with
  Retry-After), never a queue. A client that comes back before its Retry-After has passed
  waits `repeat_refusal_delay` for its next refusal: a client looping on refusals would
  otherwise keep the server busy answering them. Its answer may be at most
  `max_result_bytes`: a larger one is an error, never a truncated 200.
- **A client** is the socket's peer address. Behind a reverse proxy, uvicorn replaces it with
  the X-Forwarded-For entry the proxy added, and only for proxies listed in the trusted-proxy
  setting (empty by default: no header is believed).
"""
from __future__ import annotations

import ipaddress
import math
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .errors import PublishError
from .settings import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SQL_MAX_CONCURRENT,
    DEFAULT_SQL_MAX_PER_CLIENT,
    DEFAULT_SQL_MAX_RESULT_BYTES,
    DEFAULT_SQL_REPEAT_REFUSAL_DELAY_SECONDS,
    DEFAULT_SQL_RETRY_AFTER_SECONDS,
    DEFAULT_SQL_THREADS,
    MAX_CELL_CHARS,
)

# Bytes of UTF-8 per character at most.
UTF8_MAX = 4
# SQLITE_LIMIT_LENGTH: 1 MiB, room for eight of the largest cell a build keeps (32,767
# characters of up to 4 bytes each), so a row of several long cells sorts and a page never
# meets the limit.
LENGTH_LIMIT_BYTES = 1024 * 1024
assert LENGTH_LIMIT_BYTES >= 8 * MAX_CELL_CHARS * UTF8_MAX
# What a cell costs in the answer beyond its text (quotes, separators, markup).
CELL_OVERHEAD_BYTES = 16
# A character outside ASCII is written as \uXXXX in Datasette's JSON.
ESCAPED_CHAR_BYTES = 6

SQL_LANE = "sql"


@dataclass(frozen=True)
class SqlLimits:
    threads: int = DEFAULT_SQL_THREADS
    max_concurrent: int = DEFAULT_SQL_MAX_CONCURRENT
    max_per_client: int = DEFAULT_SQL_MAX_PER_CLIENT
    max_result_bytes: int = DEFAULT_SQL_MAX_RESULT_BYTES
    retry_after_seconds: int = DEFAULT_SQL_RETRY_AFTER_SECONDS
    repeat_refusal_delay: float = DEFAULT_SQL_REPEAT_REFUSAL_DELAY_SECONDS

    def describe(self) -> dict[str, int]:
        return {"threads": self.threads, "max_concurrent": self.max_concurrent,
                "max_per_client": self.max_per_client, "max_result_bytes": self.max_result_bytes,
                "length_limit_bytes": LENGTH_LIMIT_BYTES}


def is_arbitrary_sql(route_kind: str, args: dict[str, list[str]]) -> bool:
    """A request carrying SQL its client wrote."""
    if route_kind == "database":
        return any(v.strip() for v in args.get("sql", []))
    return route_kind == "table" and any(v.strip() for v in args.get("_where", []))


def is_stream(route_kind: str, route_format: str | None, args: dict[str, list[str]]) -> bool:
    """A whole table as CSV (Datasette's `_stream`), sent as it is read."""
    return route_kind == "table" and route_format == "csv" and any(args.get("_stream", []))


def is_large_page(route_kind: str, args: dict[str, list[str]]) -> bool:
    """A table page of more rows than a page has by default (up to 1,000: half a second of
    Python to render as HTML)."""
    if route_kind != "table":
        return False
    for size in args.get("_size", []):
        if size == "max" or (size.isdigit() and int(size) > DEFAULT_PAGE_SIZE):
            return True
    return False


def lane_of(route_kind: str, route_format: str | None, args: dict[str, list[str]]) -> str | None:
    """SQL_LANE for arbitrary SQL and for Datasette's reads of many rows, else None."""
    if (is_arbitrary_sql(route_kind, args) or is_stream(route_kind, route_format, args)
            or is_large_page(route_kind, args)):
        return SQL_LANE
    return None


def caps_result_size(route_kind: str, route_format: str | None, args: dict[str, list[str]]) -> bool:
    """Whether the answer's size is capped: arbitrary SQL's, but for a table's CSV stream (a
    download, not held in memory). A table's own pages are bounded by what the build holds."""
    return is_arbitrary_sql(route_kind, args) and not is_stream(route_kind, route_format, args)


def cell_cost(value: object) -> int:
    """An upper bound of what one cell adds to an answer, without encoding it."""
    if value is None or isinstance(value, (int, float)):
        return CELL_OVERHEAD_BYTES + 24
    if isinstance(value, str):
        return CELL_OVERHEAD_BYTES + (len(value) if value.isascii() else ESCAPED_CHAR_BYTES * len(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return CELL_OVERHEAD_BYTES + 2 * len(value)  # base64 or hex, whichever a renderer picks
    return CELL_OVERHEAD_BYTES + len(str(value))


def row_cost(row: Iterable[object]) -> int:
    return sum(cell_cost(value) for value in row)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    retry_after: int
    delay: float = 0.0   # seconds to wait before answering (a client ignoring Retry-After)


# Clients whose Retry-After is remembered at most (beyond it, the expired ones are dropped,
# then all: the memory stays bounded whatever addresses a client uses).
MAX_REMEMBERED_CLIENTS = 10_000
# Clients a WindowLimit keeps counts for at most (a few dozen bytes each).
MAX_REMEMBERED_WINDOW_CLIENTS = 200_000


class Admission:
    """Counts the arbitrary-SQL requests in progress, in the server and per client.

    Used from the event loop only (no locks needed): `admit` either counts the request in and
    returns None, or returns why not; every admitted request is `release`d once."""

    def __init__(self, limits: SqlLimits) -> None:
        self.limits = limits
        self.in_progress = 0
        self.per_client: Counter[str] = Counter()
        self.refused_until: dict[str, float] = {}

    def admit(self, client: str, now: float) -> Refusal | None:
        limits = self.limits
        if self.per_client[client] >= limits.max_per_client:
            refusal = Refusal(429, "sql_client_busy",
                              f"同一来源同时进行的 SQL 查询、整表导出或大分页最多 {limits.max_per_client} 个："
                              "请等前面的完成后再试。", limits.retry_after_seconds)
        elif self.in_progress >= limits.max_concurrent:
            refusal = Refusal(503, "sql_busy",
                              "SQL 查询、整表导出或大分页繁忙，请稍后再试（查询主体、主体信息页面不受影响）。",
                              limits.retry_after_seconds)
        else:
            self.in_progress += 1
            self.per_client[client] += 1
            return None
        return self._refused(client, refusal, now)

    def _refused(self, client: str, refusal: Refusal, now: float) -> Refusal:
        came_back_early = self.refused_until.get(client, 0.0) > now
        if len(self.refused_until) >= MAX_REMEMBERED_CLIENTS:
            self.refused_until = {c: t for c, t in self.refused_until.items() if t > now}
            if len(self.refused_until) >= MAX_REMEMBERED_CLIENTS:
                self.refused_until.clear()
        self.refused_until[client] = now + refusal.retry_after
        if came_back_early:
            return replace(refusal, delay=self.limits.repeat_refusal_delay)
        return refusal

    def release(self, client: str) -> None:
        self.in_progress -= 1
        self.per_client[client] -= 1
        if self.per_client[client] <= 0:
            del self.per_client[client]


def client_of(scope: dict) -> str:
    """Who sent the request: the peer address as uvicorn reports it (already the trusted
    proxy's X-Forwarded-For entry when the peer is a trusted proxy). Never a header."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def parse_trusted_proxies(text: str | None) -> list[str]:
    """The trusted-proxy setting: IP addresses or networks separated by commas or spaces.
    Anything else (a host name, uvicorn's `*` for "everyone") is refused: trusting it would
    let any client name itself in a header."""
    entries = [part for part in (text or "").replace(",", " ").split() if part]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise PublishError("bad_setting",
                               f"可信代理应为 IP 地址或网段（如 10.0.0.5 或 10.0.0.0/24）：{entry}") from exc
    return entries


def uvicorn_proxy_options(trusted: list[str]) -> tuple[bool, list[str]]:
    """uvicorn's `proxy_headers` and `forwarded_allow_ips` for a trusted-proxy list: with
    none, proxy headers are off altogether (uvicorn's own default would believe
    X-Forwarded-For from loopback)."""
    return bool(trusted), list(trusted)


def mebibytes(size: int) -> str:
    """A size as people read it: MiB, or KiB below one MiB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MiB"
    return f"{size / 1024:g} KiB"


def too_large_message(limit: int) -> str:
    return f"查询结果超过 {mebibytes(limit)} 的上限：请减少返回的行或列（例如加上 limit），或下载整库。"


class WindowLimit:
    """At most `limit` events per client in any `window` seconds (a sliding window: the
    instants of a client's last `limit` events are kept), e.g. reports issued per client per
    10 minutes. In memory, per process: a restart forgets the counts (README, "The credit
    report on the web"). Thread-safe. `hit` counts the event in and returns None, or returns
    the seconds until the client may come back (Retry-After) without counting it."""

    def __init__(self, limit: int, window: float, *, remembered: int = MAX_REMEMBERED_WINDOW_CLIENTS) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a window limit needs a positive limit and window")
        self.limit = limit
        self.window = window
        self.remembered = remembered
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: float) -> int | None:
        with self._lock:
            events = self._events.get(client)
            if events is None:
                if len(self._events) >= self.remembered:
                    self._forget(now)
                events = self._events[client] = deque(maxlen=self.limit)
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window - now))
            events.append(now)
            return None

    def _forget(self, now: float) -> None:
        """Drops the clients whose events have all left the window; all of them if that is
        not enough (memory stays bounded whatever addresses clients use)."""
        self._events = {c: e for c, e in self._events.items() if e and e[-1] > now - self.window}
        if len(self._events) >= self.remembered:
            self._events.clear()

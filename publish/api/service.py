"""What one server process holds for the API: the token verifier, the quotas, the audit log,
the matcher and the change feed, opened from the state directory when first needed (and again
after a failure: `keys init` may come after the server's start), and threads for the work
that blocks (state-store reads and writes, matching).

Everything here is called from the event loop through `run`, never directly: a state-store
write waits for the disk (synchronous=FULL), and the loop must go on serving meanwhile.
"""
from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..builds import recorded_build_id
from ..clock import Clock, clock_of
from ..errors import PublishError
from ..limits import WindowLimit
from ..settings import (
    API_INVALID_WINDOW_SECONDS,
    API_REQUEST_WINDOW_SECONDS,
    API_SCREEN_WINDOW_SECONDS,
    read_environment,
)
from ..settings import state_dir as settings_state_dir
from ..signing_keys import KeyRing
from ..tokens import Bearer, TokenError, TokenVerifier
from .config import ApiConfig, api_config
from .quota import Quotas, QuotaState

T = TypeVar("T")


class _Opened:
    """The parts that need the state directory's keys and store."""

    def __init__(self, state_dir: Path, clock: Clock, config: ApiConfig):
        from ..audit import AuditLog

        self.ring = KeyRing.open(state_dir, clock)
        try:
            self.verifier = TokenVerifier(self.ring, clock, config.issuer, config.audience)
            # Per-request writes (quotas, the audit log) do not wait for the disk (publish/state).
            self.audit = AuditLog.open(state_dir, clock, durable=False)
            self.quotas = Quotas(self.audit.store)
        except BaseException:
            self.ring.close()
            raise

    def close(self) -> None:
        try:
            self.audit.close()
        finally:
            self.ring.close()


class ApiService:
    def __init__(self, datasette) -> None:
        environment = read_environment()
        self._datasette = weakref.ref(datasette)
        self.state_dir = Path(getattr(datasette, "site_state_dir", None) or settings_state_dir(None, environment))
        self.build_dir: Path | None = getattr(datasette, "site_build_dir", None)
        self.build_id = recorded_build_id(self.build_dir / "public.db") if self.build_dir else None
        metadata = {"plugins": {"api": datasette.plugin_config("api") or {},
                                "site": {"base_url": getattr(datasette, "site_base_url", None)}}}
        self.config = api_config(metadata, environment)
        self.invalid_tokens = WindowLimit(self.config.invalid_tokens, API_INVALID_WINDOW_SECONDS)
        # Clients told "too many invalid tokens" in the current window: only the first such
        # refusal of a window is logged.
        self.invalid_refused: dict[str, float] = {}
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="api")
        self._opened: _Opened | None = None
        self._lock = threading.Lock()
        self._parts: dict[str, Any] = {}

    @property
    def datasette(self):
        return self._datasette()

    @property
    def clock(self) -> Clock:
        return clock_of(self.datasette)

    def now(self) -> float:
        return self.clock.now().timestamp()

    def opened(self) -> _Opened:
        """The state's parts, or the PublishError of opening them (keys_missing…)."""
        with self._lock:
            if self._opened is None:
                self._opened = _Opened(self.state_dir, self.clock, self.config)
            return self._opened

    def part(self, name: str, make: Callable[[], T]) -> T:
        """A part made once per service (the matcher, the feed)."""
        with self._lock:
            if name not in self._parts:
                self._parts[name] = make()
            return self._parts[name]

    async def run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, call)

    # --- what the auth wrapper asks ---------------------------------------------------------
    def verify(self, token: str) -> Bearer:
        return self.opened().verifier.verify(token)

    def admit(self, token: str, *, count: bool) -> tuple[Bearer, QuotaState | None]:
        """The token verified and, when `count`, one request taken from its quota: one trip
        to a thread for both."""
        bearer = self.verify(token)
        return bearer, self.take(bearer, "requests", 1) if count else None

    def take(self, bearer: Bearer, quota: str, amount: int) -> QuotaState:
        limits = self.config.limits(bearer.org)
        limit, window = ((limits.requests, API_REQUEST_WINDOW_SECONDS) if quota == "requests"
                         else (limits.screen_items, API_SCREEN_WINDOW_SECONDS))
        return self.opened().quotas.take(bearer.jti, quota, amount, limit, window, self.now())

    def invalid_token_wait(self, client: str) -> tuple[int | None, bool]:
        """(Retry-After when this client presented too many invalid tokens, whether this
        refusal is the first of its window: the only one logged)."""
        now = self.now()
        wait = self.invalid_tokens.hit(client, now)
        if wait is None:
            return None, False
        first = self.invalid_refused.get(client, 0.0) <= now
        if first:
            if len(self.invalid_refused) > 10_000:
                self.invalid_refused = {c: t for c, t in self.invalid_refused.items() if t > now}
            self.invalid_refused[client] = now + wait
        return wait, first

    def record(self, entry: Any) -> None:
        self.opened().audit.append(entry)

    def close(self) -> None:
        self.pool.shutdown(wait=False)
        with self._lock:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
            for part in self._parts.values():
                close = getattr(part, "close", None)
                if close:
                    close()
            self._parts.clear()


_SERVICES: weakref.WeakKeyDictionary[Any, ApiService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def api_service(datasette) -> ApiService:
    with _SERVICES_LOCK:
        service = _SERVICES.get(datasette)
        if service is None:
            service = _SERVICES[datasette] = ApiService(datasette)
            weakref.finalize(datasette, service.close)
    return service


__all__ = ["ApiService", "Bearer", "PublishError", "TokenError", "api_service"]

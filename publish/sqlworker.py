"""The SQL worker: under `serve`, arbitrary SQL is answered by a second process.

Its own threads are not enough: Datasette renders an answer (a 1,000-row HTML page is half
a second of Python) on the event loop every page shares, and Python runs one thread at a
time, so a few clients sending expensive SQL would still take most of the server's time
from search and profiles. The worker is the same site (make_datasette over the same build,
the same plugins and limits) in a child process at a lower CPU priority (nice
SQL_THREAD_NICENESS) and with a memory ceiling (WORKER_MEMORY_BYTES of heap): on a busy
machine the pages get the CPU first, and a query that exhausts the worker's memory fails
there, not in the server.

The server admits a request (plugins/sqllimits.py: its global and per-client caps), then
`WorkerLink.forward` sends it over a Unix socket in a private directory and relays the
answer, still under the size cap. A worker that died is started again; meanwhile arbitrary
SQL answers 503 with Retry-After. In process (the tests' make_datasette) there is no
worker: the same requests run on the instance's own SQL threads.

`python -m publish.sqlworker BUILD SOCKET PARENT_PID` runs one (serve starts it; nobody else
should); it exits by itself within a second once the server is gone, however the server ended.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .clock import Clock
from .settings import NOW_ENV, SQL_THREAD_NICENESS, TODAY_ENV

# The worker's heap ceiling (RLIMIT_DATA: the memory-mapped database is not counted).
WORKER_MEMORY_BYTES = 768 * 1024 ** 2
# How long the server waits for a worker to answer (the time limit bounds the query).
FORWARD_TIMEOUT_SECONDS = 60.0
START_TIMEOUT_SECONDS = 60.0
# Request headers the worker needs; everything else (Host, X-Forwarded-*, hop-by-hop) stays.
FORWARDED_HEADERS = frozenset({b"accept", b"accept-language", b"authorization", b"cookie", b"user-agent"})
# Response headers that describe one hop, not the answer.
HOP_HEADERS = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"date",
                         b"server"})


def clock_environment(clock: Clock) -> dict[str, str]:
    """The variables that give the worker the server's clock."""
    if clock.day is not None:
        return {TODAY_ENV: clock.day.isoformat()}
    if clock.start is not None:
        return {NOW_ENV: clock.now().isoformat()}
    return {}


class SqlWorker:
    """One worker process and the socket it listens on; started again when it has died."""

    def __init__(self, build_dir: Path, clock: Clock) -> None:
        self.build_dir = Path(build_dir).resolve()
        self.directory = Path(tempfile.mkdtemp(prefix="publish-sql-"))  # 0700: nobody else connects
        self.socket = self.directory / "worker.sock"
        self.env = {**os.environ, **clock_environment(clock)}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish.sqlworker", str(self.build_dir), str(self.socket), str(os.getpid())],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Returns once the worker listens; raises RuntimeError if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError("SQL worker exited while starting")
            if self.socket.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("SQL worker did not start in time")

    def restart_if_dead(self) -> None:
        if not self.running():
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


class WorkerUnavailable(Exception):
    """The worker could not be reached (it is starting again)."""


class WorkerLink:
    """The server's side: forwards one admitted request to the worker, relays its answer."""

    def __init__(self, worker: SqlWorker) -> None:
        self.worker = worker
        self._client = None

    def client(self):
        import httpx

        if self._client is None:
            transport = httpx.AsyncHTTPTransport(uds=str(self.worker.socket))
            self._client = httpx.AsyncClient(transport=transport, timeout=FORWARD_TIMEOUT_SECONDS)
        return self._client

    async def forward(self, scope: dict, target: str, send) -> None:
        """Sends `target` (the raw path and query) with the request's method and the headers
        the worker needs; relays status, headers and body to `send`."""
        import httpx

        headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() in FORWARDED_HEADERS]
        try:
            async with self.client().stream(scope.get("method", "GET"), "http://sql-worker" + target,
                                            headers=headers) as response:
                kept = [(k.lower(), v) for k, v in response.headers.raw if k.lower() not in HOP_HEADERS]
                await send({"type": "http.response.start", "status": response.status_code, "headers": kept})
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.TransportError as exc:
            self.worker.restart_if_dead()
            raise WorkerUnavailable(str(exc)) from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _limit_self() -> None:
    """Lower priority and a heap ceiling for this process (Linux; elsewhere as it comes)."""
    with contextlib.suppress(OSError):
        os.nice(SQL_THREAD_NICENESS)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))


def _exit_with_parent(parent: int) -> None:
    """Ends this process once `parent` (the server) is gone: a killed server leaves no worker."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_worker(build_dir: Path, socket_path: Path, parent: int) -> None:
    import uvicorn

    from .clock import command_clock
    from .serve import make_datasette
    from .settings import read_environment

    _exit_with_parent(parent)
    _limit_self()
    datasette = make_datasette(build_dir, command_clock(read_environment(), allow_today=True), role="worker")
    asyncio.run(datasette.invoke_startup())
    config = uvicorn.Config(datasette.app(), uds=str(socket_path), log_level="warning", lifespan="on",
                            access_log=False, log_config=None, proxy_headers=False)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    run_worker(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))

"""A real server for the API's tests: `python -m publish serve` in a child process (uvicorn,
the SQL worker), the session's state directory, "today" fixed, quotas raised unless told."""
import contextlib
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from publish.clock import Clock
from publish.settings import DEFAULT_BASE_URL, STATE_ENV
from publish.signing_keys import initialise
from tests.conftest import AS_OF
from tests.test_cli import ROOT

RAISED = "100000000"


@pytest.fixture(scope="module", autouse=True)
def state_dir(tmp_path_factory):
    """The module's own state directory, made as `keys init` makes it, and PUBLISH_STATE for
    everything the module runs (builds, in-process sites, servers): the API's tests write
    tokens, quotas, audit entries and the feed, and share none of them with other modules."""
    path = tmp_path_factory.mktemp("api-state")
    initialise(path, Clock.on(AS_OF))
    patch = pytest.MonkeyPatch()
    patch.setenv(STATE_ENV, str(path))
    yield path
    patch.undo()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(build_dir, state_dir, **env_extra: str):
    """(base URL, the process); the server is stopped (SIGTERM) on the way out."""
    port = free_port()
    env = {**os.environ, "PUBLISH_TODAY": AS_OF.isoformat(), "PUBLISH_STATE": str(state_dir),
           "PUBLISH_API_REQUEST_LIMIT": RAISED, "PUBLISH_API_SCREEN_LIMIT": RAISED,
           "PUBLISH_API_INVALID_TOKEN_LIMIT": RAISED,
           "PUBLISH_BASE_URL": DEFAULT_BASE_URL, **env_extra}
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(build_dir),
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-3000:])
            try:
                if httpx.get(base + "/-/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not start")
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

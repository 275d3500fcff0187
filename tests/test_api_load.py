"""The bank API on a real server (`python -m publish serve`, uvicorn, the SQL worker) under 50
concurrent clients for 30 seconds of mixed routes, quotas raised for the run: no error, and the
audit log holds exactly one entry per request (matched by request id), its chain verifies, and
editing, deleting, swapping or cutting off one entry makes `audit verify` fail naming it.
Day: 2026-11-25 (PUBLISH_TODAY for the server, the clock fixed for the tokens)."""
import asyncio
import collections
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from publish.clock import SHANGHAI, Clock
from publish.settings import DEFAULT_BASE_URL
from publish.state import STATE_DB
from publish.tokens import TokenOffice
from tests.api_support import live_server, state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.test_api_auth import SUBJECT, built  # noqa: F401 (the build: a penalty and a tax grade)
from tests.test_cli import ROOT

NOON = dt.datetime.combine(AS_OF, dt.time(12), SHANGHAI)
CLIENTS = 50
SECONDS = float(os.environ.get("TEST_API_LOAD_SECONDS", 30))
ORG = "负载测试银行"


@pytest.fixture(scope="module")
def server(built, state_dir):  # noqa: F811
    with live_server(built, state_dir) as running:
        yield running


def _requests(rng: random.Random):
    """One request of the mix: (method, path, JSON body or None)."""
    choice = rng.random()
    if choice < 0.35:
        return "GET", f"/api/v1/entities/{SUBJECT}", None
    if choice < 0.55:
        return "POST", "/api/v1/screen", {"queries": [{"key": f"k{i}", "name": rng.choice(["甲公司", "景德镇市甲公司"])}
                                                      for i in range(rng.randint(1, 20))]}
    if choice < 0.7:
        return "GET", "/api/v1/changes", None
    if choice < 0.8:
        return "GET", f"/api/v1/snapshot?uscc={SUBJECT}", None
    if choice < 0.9:
        return "GET", "/api/v1/audit?after=0", None
    return "GET", "/authorized/tax_grades.json", None


async def _client(base: str, token: str, seed: int, until: float, seen: list) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < until:
            method, path, body = _requests(rng)
            response = await client.request(method, path, json=body, headers=headers)
            seen.append((path.split("?")[0], response.status_code, response.headers.get("x-request-id")))


def _cli(state_dir, *args):
    env = {**os.environ, "PUBLISH_STATE": str(state_dir)}
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_fifty_clients_for_thirty_seconds_and_one_audit_entry_per_request(server, state_dir, tmp_path):
    base, process = server
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        token, info = office.issue(ORG, "entities:read screen changes:read audit:read sql")
    seen: list = []

    async def run():
        until = time.monotonic() + SECONDS
        await asyncio.gather(*(_client(base, token, seed, until, seen) for seed in range(CLIENTS)))

    asyncio.run(run())
    statuses = collections.Counter(status for _, status, _ in seen)
    assert statuses == {200: len(seen)}, statuses
    assert len(seen) > CLIENTS
    process.terminate()                      # a clean shutdown checkpoints the chain's head
    assert process.wait(timeout=30) == 0 or process.returncode in (-15, 143)
    listed = _cli(state_dir, "audit", "list", "--org", ORG)
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert sorted(e["request_id"] for e in entries) == sorted(rid for _, _, rid in seen)
    assert all(e["jti"] == info.jti and e["status"] == 200 for e in entries)
    verified = _cli(state_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    _tampering_is_named(state_dir, tmp_path, entries)


# Edits on a copy of the state store, each at entry `seq` (the load's middle entry).
TAMPERING = {
    "edit": ["UPDATE audit_entries SET status = 404 WHERE seq = :seq"],
    "delete": ["DELETE FROM audit_entries WHERE seq = :seq"],
    "swap": ["UPDATE audit_entries SET seq = -1 WHERE seq = :seq",
             "UPDATE audit_entries SET seq = :seq WHERE seq = :seq + 1",
             "UPDATE audit_entries SET seq = :seq + 1 WHERE seq = -1"],
    "cut": ["DELETE FROM audit_entries WHERE seq >= :seq"],   # under the checkpoint made at shutdown
}


def _tampering_is_named(state_dir, tmp_path, entries) -> None:
    """Each edit makes `audit verify` fail and name the entry it touched."""
    seq = entries[len(entries) // 2]["seq"]
    for edit, statements in TAMPERING.items():
        copy = tmp_path / f"state-{edit}"
        shutil.copytree(state_dir, copy)
        conn = sqlite3.connect(copy / STATE_DB)
        try:
            for statement in statements:
                conn.execute(statement, {"seq": seq})
            conn.commit()
        finally:
            conn.close()
        result = _cli(copy, "audit", "verify")
        assert result.returncode != 0, (edit, result.stdout)
        assert f"{seq}" in result.stdout + result.stderr, (edit, seq, result.stdout + result.stderr)

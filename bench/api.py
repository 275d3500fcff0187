"""The bank API under load (issue 16), on the 1,000,000-entity build of the site part:

- `/api/v1/entities/{uscc}` under wrk, 16 connections, with a token: requests/s, p50, p95
  (target p95 ≤ 40 ms); every request is verified, counted against its quota and audited;
- a 1,000-item `POST /api/v1/screen`: seconds per call, median and p95 of BENCH_SCREEN_CALLS
  calls (target ≤ 2 s);
- audit appends per second (bench/audit.py), one process and four;
- the matcher's precision and recall on the committed labelled set (bench/screening.py).

Quotas are raised for the run (PUBLISH_API_REQUEST_LIMIT, PUBLISH_API_SCREEN_LIMIT); the state
directory is the benchmark's own.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import _free_port, _wait_until_up, run_wrk  # noqa: E402

SCREEN_CALLS = int(os.environ.get("BENCH_SCREEN_CALLS", 10))
RAISED = str(10 ** 9)
ALL_SCOPES = "entities:read screen changes:read audit:read sql"


def _cli(state: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run([sys.executable, "-m", "publish", "--state", str(state), *args], cwd=ROOT,
                          capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}).stdout


def _sample(build_dir: Path, n: int, seed: int = 3) -> list[tuple[str, str, str | None]]:
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT max(rowid) FROM entities").fetchone()[0]
        rng = random.Random(seed)
        rows: list[tuple[str, str, str | None]] = []
        while len(rows) < n:
            row = conn.execute("SELECT uscc, name, region FROM entities WHERE rowid = ?",
                               (rng.randint(1, total),)).fetchone()
            if row:
                rows.append(row)
        return rows
    finally:
        conn.close()


def _screen_batch(rows: list[tuple[str, str, str | None]], rng: random.Random) -> dict:
    """A realistic batch: names as a loan officer types them (some with the code, some with a
    typo or without 有限公司), and some names no entity has."""
    queries = []
    for i, (uscc, name, region) in enumerate(rows):
        kind = rng.random()
        if kind < 0.3:
            query = {"uscc": uscc, "name": name}
        elif kind < 0.6:
            query = {"name": name.replace("有限公司", "")}
        elif kind < 0.8:
            chars = list(name)
            chars[rng.randrange(len(chars))] = "鑫"
            query = {"name": "".join(chars), "region": region}
        else:
            query = {"name": "不存在的" + name[-4:]}
        queries.append({"key": f"k{i}", **query})
    return {"queries": queries}


def bench_api(build_dir: Path, workdir: Path) -> dict:
    state = workdir / "api-state"
    shutil.rmtree(state, ignore_errors=True)
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    as_of = dict(conn.execute("SELECT key, value FROM build_info").fetchall()).get("as_of")
    conn.close()
    # The server's clock is the build's day (noon in Beijing): the token is issued on it too.
    issued_at = {"PUBLISH_NOW": f"{as_of}T12:00:00+08:00"}
    _cli(state, "keys", "init", env=issued_at)
    token = _cli(state, "token", "issue", "--org", "基准测试银行", "--scope", ALL_SCOPES,
                 env=issued_at).strip().splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PUBLISH_STATE": str(state), "PUBLISH_TODAY": as_of or "",
           "PUBLISH_API_REQUEST_LIMIT": RAISED, "PUBLISH_API_SCREEN_LIMIT": RAISED}
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(build_dir),
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results: dict = {}
    headers = {"Authorization": f"Bearer {token}"}
    try:
        _wait_until_up(base, process)
        sample = _sample(build_dir, 2000)
        paths = [f"/api/v1/entities/{uscc}" for uscc, _, _ in sample]
        for path in paths[:50]:
            urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30).read()
        with tempfile.TemporaryDirectory() as tmp:
            results["entities"] = run_wrk(base, paths, Path(tmp), "api_entities", headers=headers)
        rng = random.Random(5)
        seconds = []
        for call in range(SCREEN_CALLS + 1):
            body = json.dumps(_screen_batch(rng.sample(sample, 1000), rng)).encode()
            request = urllib.request.Request(base + "/api/v1/screen", data=body, method="POST",
                                             headers={**headers, "Content-Type": "application/json"})
            started = time.perf_counter()
            answer = json.loads(urllib.request.urlopen(request, timeout=120).read())
            if call:   # the first call warms the matcher's caches
                seconds.append(time.perf_counter() - started)
            assert len(answer["results"]) == 1000
        seconds.sort()
        results["screen_1000"] = {"calls": len(seconds), "median_s": round(statistics.median(seconds), 3),
                                  "p95_s": round(seconds[max(0, round(0.95 * len(seconds)) - 1)], 3)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return results

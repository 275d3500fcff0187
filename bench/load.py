"""Load benchmark: do search and profiles keep their throughput while anonymous clients send
expensive SQL, and does the server's memory stay bounded?

`bench_load(build_dir)` serves a build with `python -m publish serve` in a subprocess, then:
1. measures search (/search.json) and profile (/entity/{uscc}.json) requests/s alone, with
   wrk (as bench/web.py does, 16 connections);
2. starts 6 load clients, one process per loopback source address (127.0.0.2–127.0.0.7: each
   binds its sockets there, so the server sees 6 clients), each with CONNECTIONS_PER_CLIENT
   connections sending, in a loop and without honouring Retry-After, the same fixed set of
   expensive queries (EXPENSIVE: a string built up to the length limit, a cross join that
   runs into the time limit, a 1,000-row `select *` as JSON and as an HTML page);
3. measures search and profile again under that load;
4. samples the resident memory (RSS) of the server's process tree all along.
It returns both throughputs, their ratio (target ≥ 0.5), the peak RSS (target < 1 GiB), what
the load clients got back (by status), and the SQL limits the server ran with.

The limits are the defaults unless PUBLISH_SQL_* variables are set (publish/settings.py);
the figure says which were used. `python bench/load.py build DIR` writes a build of
`python -m publish sample --rows 20000`; `python bench/load.py run DIR` prints the figures.

Environment: BENCH_WEB_SECONDS (default 10) and BENCH_WEB_CONNECTIONS (default 16), as for
bench/web.py, whose wrk runner this uses.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import AS_OF, _free_port, _wait_until_up, pick_urls, run_wrk  # noqa: E402

LOAD_ADDRESSES = tuple(f"127.0.0.{n}" for n in range(2, 8))
CONNECTIONS_PER_CLIENT = 2
SAMPLE_ROWS = 20_000
TARGET_RATIO = 0.5
TARGET_RSS_BYTES = 1024 ** 3


def _sql(path: str, sql: str) -> str:
    return f"{path}?sql={urllib.parse.quote(sql)}"


# The same fixed set for every client, in this order.
EXPENSIVE = (
    ("string_to_length_limit", _sql("/public.json",
                                    "select replace(printf('%.*c', 1000000, 'x'), 'x', printf('%.*c', 1000, 'y'))")),
    ("cross_join_to_time_limit", _sql("/public.json", "select count(*) from penalties_records a, "
                                                      "penalties_records b, penalties_records c")),
    ("select_1000_rows_json", _sql("/public.json", "select * from penalties_records limit 1000")),
    ("select_1000_rows_html", _sql("/public", "select * from penalties_records limit 1000")),
)

def load_client(source: str, port: int, connections: int, stop_file: Path) -> Counter:
    """One load client (run as its own process by `python bench/load.py client …`): loops over
    EXPENSIVE on `connections` keep-alive connections bound to `source` until `stop_file`
    exists; returns how many answers of each query and status it got."""
    counts: Counter = Counter()
    lock = threading.Lock()

    def loop() -> None:
        conn: http.client.HTTPConnection | None = None
        i = 0
        while not stop_file.exists():
            name, path = EXPENSIVE[i % len(EXPENSIVE)]
            i += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                key = f"{name} {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                key = f"{name} {type(exc).__name__}"
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
            with lock:
                counts[key] += 1

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


class MemorySampler:
    """Peak RSS of a process and its children, sampled every 50 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _loopback_aliases_work() -> bool:
    try:
        with socket.socket() as s:
            s.bind((LOAD_ADDRESSES[-1], 0))
        return True
    except OSError:
        return False


def start_load(port: int, workdir: Path) -> tuple[list[subprocess.Popen], Path]:
    stop_file = workdir / "stop-load"
    clients = [subprocess.Popen([sys.executable, __file__, "client", address, str(port),
                                 str(CONNECTIONS_PER_CLIENT), str(stop_file)],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
               for address in LOAD_ADDRESSES]
    return clients, stop_file


def stop_load(clients: list[subprocess.Popen], stop_file: Path) -> Counter:
    stop_file.touch()
    answers: Counter = Counter()
    for client in clients:
        out, _ = client.communicate(timeout=120)
        answers.update(json.loads(out.strip().splitlines()[-1]))
    return answers


def _as_of(build_dir: Path) -> str:
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT key, value FROM build_info").fetchall()).get("as_of") or AS_OF.isoformat()
    finally:
        conn.close()


def _sql_limits_in_force() -> dict:
    from publish.limits import SqlLimits
    from publish.serve import sql_limits
    from publish.settings import read_environment

    limits, defaults = sql_limits(read_environment()).describe(), SqlLimits().describe()
    raised = {name: value for name, value in limits.items() if value != defaults[name]}
    return {**limits, "raised_for_benchmark": raised or "none (defaults)"}


def bench_load(build_dir: Path) -> dict:
    """Search and profile throughput alone and under expensive-SQL load, and peak memory."""
    build_dir = Path(build_dir)
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    if not _loopback_aliases_work():
        raise RuntimeError("cannot bind 127.0.0.2-127.0.0.7 (loopback aliases)")
    urls = pick_urls(build_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PUBLISH_TODAY": os.environ.get("PUBLISH_TODAY", _as_of(build_dir))}
    server = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(build_dir),
                               "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict = {"limits": _sql_limits_in_force(), "load": {
        "clients": list(LOAD_ADDRESSES), "connections_per_client": CONNECTIONS_PER_CLIENT,
        "queries": [name for name, _ in EXPENSIVE]}}
    try:
        _wait_until_up(base, server)
        with MemorySampler(server.pid) as memory, tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for path in urls["search"][:50] + urls["profile"][:50]:
                http_get(base + path)
            alone = {name: run_wrk(base, urls[name], work, name) for name in ("search", "profile")}
            clients, stop_file = start_load(port, work)
            try:
                time.sleep(2)  # the load reaches its steady state
                loaded = {name: run_wrk(base, urls[name], work, f"{name}-loaded") for name in ("search", "profile")}
            finally:
                answers = stop_load(clients, stop_file)
        results["peak_rss_bytes"] = memory.peak
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    for name in ("search", "profile"):
        ratio = loaded[name]["requests_per_s"] / (alone[name]["requests_per_s"] or 1)
        results[name] = {"alone": alone[name], "under_load": loaded[name], "kept": round(ratio, 2)}
    results["load"]["answers"] = dict(sorted(answers.items()))
    results["peak_rss_mib"] = round(results["peak_rss_bytes"] / 1024 ** 2, 1)
    results["targets"] = {"kept": f">= {TARGET_RATIO}", "peak_rss_mib": f"< {TARGET_RSS_BYTES // 1024 ** 2}"}
    results["met"] = (all(results[n]["kept"] >= TARGET_RATIO for n in ("search", "profile"))
                      and results["peak_rss_bytes"] < TARGET_RSS_BYTES)
    return results


def http_get(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        conn.getresponse().read()
    finally:
        conn.close()


def make_sample_build(out_dir: Path, rows: int = SAMPLE_ROWS) -> Path:
    """A build of the sample generator's files (`python -m publish sample --rows N`)."""
    from publish.build import build

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        subprocess.run([sys.executable, "-m", "publish", "sample", "--out", str(raw), "--rows", str(rows),
                        "--as-of", AS_OF.isoformat()], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        build(raw, out_dir, AS_OF, progress=False)
    return out_dir


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "build":
        make_sample_build(Path(argv[1]))
        print(f"sample build written: {argv[1]}")
    elif len(argv) == 5 and argv[0] == "client":
        counts = load_client(argv[1], int(argv[2]), int(argv[3]), Path(argv[4]))
        print(json.dumps(counts))
    elif len(argv) >= 2 and argv[0] == "run":
        print(json.dumps(bench_load(Path(argv[1])), ensure_ascii=False, indent=2))
    else:
        raise SystemExit("usage: python bench/load.py build DIR | run DIR")


if __name__ == "__main__":
    main(sys.argv[1:])

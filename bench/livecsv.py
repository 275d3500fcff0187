"""The live full-table CSV (`/downloads/live/<table>.csv`, issue 17) on a build served by
`python -m publish serve`: the largest public table streamed whole by one client, its MB/s, and
the time at which its 250,000th and 1,000,000th rows had arrived (a quarter and all of it on a
table smaller than that). Keyset reading makes each batch cost the same however deep into the
table it is, so the second time should be about four times the first (`live_linearity`, 1.0
when exactly so); `OFFSET` would make it grow with the square. The server's peak memory
during the stream (its anonymous memory, RssAnon: the memory-mapped database's pages are not
its own) shows that it sends as it reads; so does its memory while a client takes the first
bytes of a stream and then stops reading for STALL seconds (uvicorn's `send` waits for it).

The build is served through a directory of links to its databases under the bench's own
directory, so the shared build is only read (a server marks the directory it serves).

`python bench/livecsv.py BUILD_DIR` runs it alone.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import _free_port, _wait_until_up  # noqa: E402
from publish.livecsv import live_url  # noqa: E402
from publish.release.tables import build_info, open_build_db, released_tables  # noqa: E402

MARKS = (250_000, 1_000_000)
STALL = 5.0
DATABASES = ("public.db", "authorized.db")


def build_day(build_dir: Path) -> dt.date:
    conn = open_build_db(build_dir / "public.db", dt.date.today())
    try:
        return build_info(conn, build_dir / "public.db").as_of
    finally:
        conn.close()


def largest_table(build_dir: Path, day: dt.date) -> tuple[str, int]:
    """The public table with the most rows as of `day`, and its rows."""
    conn = open_build_db(build_dir / "public.db", day)
    try:
        counts = {t.name: conn.execute(f"SELECT count(*) FROM [{t.source}]").fetchone()[0]
                  for t in released_tables(conn)}
    finally:
        conn.close()
    name = max(counts, key=lambda n: counts[n])
    return name, counts[name]


def linked_build(build_dir: Path, work: Path) -> Path:
    """A directory of links to the build's databases, for `serve` to mark."""
    linked = work / f"live-{build_dir.name}"
    linked.mkdir(parents=True, exist_ok=True)
    for name in DATABASES:
        link = linked / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to((build_dir / name).resolve())
    return linked


def anonymous_rss(pid: int) -> int:
    """The process's anonymous resident memory (RssAnon): its heap, what it holds itself. Its
    RSS also counts the pages of the memory-mapped database it has read, which grow with any
    read of the file and are the OS's to drop."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return psutil.Process(pid).memory_info().rss


def _peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], anonymous_rss(pid))
        except OSError:
            return
        time.sleep(0.05)


def stream(base: str, table: str, marks: tuple[int, ...]) -> dict:
    """Reads the table's stream whole: seconds to each mark (rows counted by line ends: the
    synthetic rows hold none inside a cell), bytes and seconds in all."""
    at: dict[int, float] = {}
    lines = size = 0
    started = time.perf_counter()
    with httpx.stream("GET", base + live_url(table), timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_raw(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            for mark in marks:
                if mark not in at and lines - 1 >= mark:
                    at[mark] = time.perf_counter() - started
    return {"seconds": time.perf_counter() - started, "bytes": size, "rows": lines - 1, "at": at}


def stalled_growth(base: str, table: str, pid: int) -> int:
    """How much the server's anonymous memory grew while a client held a stream unread."""
    before = anonymous_rss(pid)
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"GET {live_url(table)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        sock.recv(1 << 16)
        time.sleep(STALL)
        grown = anonymous_rss(pid) - before
    return grown


def bench_livecsv(build_dir: Path, work: Path) -> dict:
    day = build_day(build_dir)   # served on its own day, as a nightly build is
    table, rows = largest_table(build_dir, day)
    marks = MARKS if rows >= MARKS[-1] else (rows // 4, rows)
    served = linked_build(build_dir, work)
    port = _free_port()
    env = {**os.environ, "PUBLISH_TODAY": day.isoformat(), "PUBLISH_STATE": str(work / "live-state")}
    subprocess.run([sys.executable, "-m", "publish", "keys", "init"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(served), "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        httpx.head(base + live_url(table), timeout=60)   # the server has listed its tables
        idle_rss = anonymous_rss(process.pid)
        stop, peak = threading.Event(), [idle_rss]
        sampler = threading.Thread(target=_peak_rss, args=(process.pid, stop, peak), daemon=True)
        sampler.start()
        run = stream(base, table, marks)
        stop.set()
        sampler.join()
        stalled = stalled_growth(base, table, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if run["rows"] != rows:
        raise SystemExit(f"live CSV of {table}: {run['rows']} rows streamed, {rows} in the table")
    first, last = (run["at"][m] for m in marks)
    return {"live_table": table, "live_rows": rows, "live_mb": round(run["bytes"] / 1e6, 1),
            "live_seconds": round(run["seconds"], 2), "live_mb_per_s": round(run["bytes"] / 1e6 / run["seconds"], 1),
            "live_rows_per_s": round(rows / run["seconds"]),
            f"live_s_at_{marks[0]}_rows": round(first, 2), f"live_s_at_{marks[1]}_rows": round(last, 2),
            "live_linearity": round((last / first) / (marks[1] / marks[0]), 2),
            "live_server_anon_rss_idle_mb": round(idle_rss / 1e6),
            "live_server_anon_rss_peak_mb": round(peak[0] / 1e6),
            f"live_stalled_client_{STALL:.0f}s_anon_rss_growth_mb": round(stalled / 1e6, 1),
            "live_load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}


if __name__ == "__main__":
    import json

    print(json.dumps(bench_livecsv(Path(sys.argv[1]), ROOT / "var" / "bench"), ensure_ascii=False, indent=2))

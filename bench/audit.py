"""Audit-log benchmark (issue 16): appends per second into a real state directory, from one
process and from several at once (each append one `BEGIN IMMEDIATE` transaction of the state
store, committed with `synchronous=FULL`), and, beside them, appends grouped several to a
transaction (`AuditLog.append_many`: what a per-process writer that gathers concurrent
requests would pay).

`appends_per_second(state_dir, n, processes, batch=1)` appends n entries in all, split between
`processes` processes started before the clock runs (they wait at a barrier with the
parent), each appending `batch` entries per call, and returns n over the seconds from the
barrier to the last process's end. `run(…, threads=T)` does the same with T threads in each
process (a server's request threads: their appends share transactions) and also returns the
time one call took (median, p95, max: waiting for the lock included). The chain is verified
afterwards (a benchmark that broke the chain would be measuring nothing).

`python -m bench.audit` prints the figures of RUNS (1 and 4 processes; one process with 16
and 50 threads; 50 entries per call), BENCH_AUDIT_APPENDS (default 2,000) entries a run, each
in a fresh state directory under a temporary directory. The threads append as fast as they
can: past the log's capacity their latencies are queueing, not what a request would see.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from publish.audit import AuditEntry, AuditLog, instant_text  # noqa: E402  (the path above first)
from publish.clock import Clock  # noqa: E402
from publish.signing_keys import initialise  # noqa: E402

APPENDS = int(os.environ.get("BENCH_AUDIT_APPENDS", 2000))
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
# (processes, threads in each, entries per append_many call): one process appending alone,
# four processes, one server process with 16 and 50 request threads (their appends grouped
# into shared transactions), and callers that group 50 entries themselves.
RUNS = ((1, 1, 1), (4, 1, 1), (1, 16, 1), (1, 50, 1), (4, 16, 1), (1, 1, 50), (4, 1, 50))


def _entry(worker: int, i: int) -> AuditEntry:
    """A request as the API logs one: a screening call naming a subject."""
    return AuditEntry(at=instant_text(NOW + dt.timedelta(milliseconds=i)), org=f"银行{worker}", jti=f"jti-{worker}",
                      method="POST", route="/api/v1/screen", usccs=(f"91360200MA{worker:04d}{i:04d}",),
                      names=(f"景德镇市某某陶瓷有限公司{i}",), build_id="2026-11-25_20261125T020000Z-ABCD",
                      status=200, bytes=2048, request_id=f"{worker}-{i}", outcome="ok")


def _appender(state_dir: str, worker: int, n: int, batch: int, threads: int, start: Any, latencies: Any) -> None:
    took: list[float] = []
    with AuditLog.open(Path(state_dir), Clock.at(NOW)) as log:
        def append(thread: int, entries: list[AuditEntry]) -> None:
            for first in range(0, len(entries), batch):
                began = time.perf_counter()
                log.append_many(entries[first:first + batch])
                took.append(time.perf_counter() - began)

        shares = [[_entry(worker * 100 + t, i) for i in range(t, n, threads)] for t in range(threads)]
        pool = [threading.Thread(target=append, args=(t, shares[t])) for t in range(threads)]
        start.wait()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    latencies.put(took)


def run(state_dir: Path, n: int, processes: int, batch: int = 1, threads: int = 1) -> dict[str, Any]:
    """n entries appended by `processes` processes of `threads` threads each at once, `batch`
    per call: entries/s and the milliseconds one call took (median, p95, max), the chain
    verified after."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    latencies = context.Queue()
    shares = [n // processes + (1 if w < n % processes else 0) for w in range(processes)]
    workers = [context.Process(target=_appender, args=(str(state_dir), w, shares[w], batch, threads, start, latencies))
               for w in range(processes)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    took = [t for _ in workers for t in latencies.get(timeout=600)]
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - began
    if any(w.exitcode != 0 for w in workers):
        raise RuntimeError(f"an appending process failed: {[w.exitcode for w in workers]}")
    with AuditLog.open(state_dir, Clock.at(NOW)) as log:
        report = log.verify()
    if not report.ok or report.checked < n:
        raise RuntimeError(f"the chain is not sound after the run: {report}")
    took.sort()
    return {"processes": processes, "threads": threads, "per_call": batch, "appends_per_second": round(n / seconds),
            "ms_median": round(statistics.median(took) * 1000, 2),
            "ms_p95": round(took[int(len(took) * 0.95) - 1] * 1000, 2), "ms_max": round(took[-1] * 1000, 2)}


def appends_per_second(state_dir: Path, n: int, processes: int, batch: int = 1) -> float:
    """n entries appended by `processes` processes at once, `batch` per transaction: entries/s."""
    return float(run(state_dir, n, processes, batch)["appends_per_second"])


def bench_audit(n: int = APPENDS) -> list[dict[str, Any]]:
    figures = []
    for processes, threads, batch in RUNS:
        with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
            state = Path(tmp) / "state"
            initialise(state, Clock.at(NOW))
            figures.append(run(state, n, processes, batch, threads))
    return figures


def main() -> None:
    print(f"audit appends ({APPENDS} entries a run, synchronous=FULL, fresh state each run)")
    print("processes\tthreads each\tentries per call\tappends/s\tms per call: median\tp95\tmax")
    for f in bench_audit():
        print(f"{f['processes']}\t{f['threads']}\t{f['per_call']}\t{f['appends_per_second']}\t{f['ms_median']}\t"
              f"{f['ms_p95']}\t{f['ms_max']}")


if __name__ == "__main__":
    main()

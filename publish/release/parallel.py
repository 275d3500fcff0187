"""A release's work on more than one core: the XLSX files (the slowest writer) are written in a
second process while the first writes the other formats, and the files are checked against the
release's public.db by a pool of processes (publish/release/command.py).

Processes are forked: a child has the modules and the writers' code already loaded, and only
results travel back (sizes, counts, findings), never the rows. Where a process cannot fork
(a daemonic one, or a platform without fork) the work runs in this process instead; the
result is the same.
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from ..errors import PublishError

T = TypeVar("T")
J = TypeVar("J")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def workers() -> int:
    """The processes to check files with: the CPUs, at most 4 (REDACTION_SCAN_WORKERS, as the
    scanner's own, overrides it)."""
    return max(1, int(os.environ.get("REDACTION_SCAN_WORKERS", "0")) or min(4, os.cpu_count() or 1))


def _run(send: Any, function: Callable[..., Any], args: tuple) -> None:
    try:
        send.send((None, function(*args)))
    except PublishError as exc:
        send.send(((exc.code, exc.message), None))
    except BaseException:  # noqa: BLE001 (reported to the parent, which raises)
        send.send((("release_worker_failed", traceback.format_exc()[-2000:]), None))
    finally:
        send.close()


class Forked(Generic[T]):
    """function(*args) running in a forked process from now on; `result()` waits for it."""

    def __init__(self, function: Callable[..., T], *args: object) -> None:
        self.function, self.args = function, args
        self.process = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self.receive, send = context.Pipe(duplex=False)
            self.process = context.Process(target=_run, args=(send, function, args), daemon=True)
            self.process.start()
            send.close()

    def result(self) -> T:
        if self.process is None:
            return self.function(*self.args)
        try:
            error, value = self.receive.recv()
        except EOFError:
            error, value = ("release_worker_failed", f"写入进程意外退出（退出码 {self.process.exitcode}）"), None
        finally:
            self.process.join()
            self.receive.close()
        if error is not None:
            raise PublishError(*error)
        return value

    def stop(self) -> None:
        """Ends the process if it still runs (the release failed elsewhere)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()


def map_forked(function: Callable[[J], T], jobs: Iterable[J], processes: int) -> list[T]:
    """[function(job) for job in jobs], by `processes` forked processes at once, in the jobs' order."""
    jobs = list(jobs)
    if processes <= 1 or len(jobs) <= 1 or not can_fork():
        return [function(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(min(processes, len(jobs))) as pool:
        return pool.map(function, jobs, chunksize=1)

"""The files presented to `POST /verify`, read and checked in child processes.

A presented file is a stranger's bytes, and a PDF is parsed by pypdf: reading it (the PDF's
attachment `report.jws`) and checking it (the JWS header, the signature, the payload, the
registry: `verify.verify_online`) happen in a child process, where a file that asks for too
much memory or time costs only that child. Each child runs under an address-space limit
(RLIMIT_AS, FILE_CHECK_MEMORY_BYTES) and is killed once a check has taken longer than
FILE_CHECK_TIMEOUT_SECONDS; a new child takes its place when next needed.

`FileChecker(state_dir)` keeps up to `workers` children (FILE_CHECK_WORKERS, started when
first needed, each holding the state's keys and registry open for its life: a check costs a
round trip over a pipe, not a process start). `check(data, now)` blocks (the server calls it
on a thread) and returns the verification as `Verification.as_json()` makes it, or raises
FileCheckError with a stable code:
- what reading the file refused (signing.load_signed): pdf_unreadable,
  pdf_without_signed_file, pdf_several_signed_files, file_too_large (HTTP 400);
- file_check_memory, file_check_timeout: the file needed more than the child's memory or
  time (400: the file is the problem);
- file_check_busy: no child was free within FILE_CHECK_WAIT_SECONDS; file_check_failed: the
  child ended without answering (503).

Messages are length-prefixed JSON both ways, never pickle (what comes back from a process
that read a hostile file is data, not code): the parent sends `{"now": ISO instant, "size":
N}` and the N bytes of the file; the child answers `{"verification": {…}}` or `{"error":
{"code", "message"}}`.

`python -m publish.filecheck STATE_DIR PARENT_PID MEMORY_BYTES` is one child (only
FileChecker starts it); it ends when its input closes or its parent is gone.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from .errors import PublishError
from .settings import (
    FILE_CHECK_MEMORY_BYTES,
    FILE_CHECK_TIMEOUT_SECONDS,
    FILE_CHECK_WAIT_SECONDS,
    FILE_CHECK_WORKERS,
)

_LENGTH = struct.Struct(">I")
# The largest answer a child may send (a verification with its summary is a few KB).
MAX_ANSWER_BYTES = 4 * 1024 * 1024
# The largest file the parent sends (the web layer refuses larger ones before reading them).
MAX_FILE_BYTES = 64 * 1024 * 1024

MESSAGES = {
    "file_check_memory": "文件过于复杂：读取它所需的内存超过上限，未能核验。请提交本平台签发的签名文件或 PDF。",
    "file_check_timeout": "文件过于复杂：读取它超过了时间上限，未能核验。请提交本平台签发的签名文件或 PDF。",
    "file_check_busy": "核验文件的请求较多，请稍后再试（按报告编号和核验码核验不受影响）。",
    "file_check_failed": "核验文件的进程意外退出，请稍后再试。",
}


class FileCheckError(PublishError):
    """A file that could not be checked; `code` says why (see the module's docstring)."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(code, message or MESSAGES[code])


class _ChildGone(Exception):
    """The child ended, or broke the protocol, before it answered."""


class _TimedOut(Exception):
    pass


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise _TimedOut
        # poll, not select: select fails on a descriptor numbered 1024 or more, which a busy
        # server's process reaches.
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(wait * 1000):
            raise _TimedOut
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise _ChildGone("end of output")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _Child:
    """One child process and its pipes."""

    def __init__(self, state_dir: Path, memory: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish.filecheck", str(state_dir), str(os.getpid()), str(memory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def ask(self, data: bytes, now: dt.datetime, timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        header = json.dumps({"now": now.isoformat(), "size": len(data)}).encode("utf-8")
        try:
            self.process.stdin.write(_LENGTH.pack(len(header)) + header)
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _ChildGone(str(exc)) from exc
        fd = self.process.stdout.fileno()
        (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size, deadline))
        if size > MAX_ANSWER_BYTES:
            raise _ChildGone(f"an answer of {size} bytes")
        try:
            answer = json.loads(_read_exactly(fd, size, deadline).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _ChildGone(f"an answer that is not JSON: {exc}") from exc
        if not isinstance(answer, dict):
            raise _ChildGone("an answer that is not an object")
        return answer

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            if self.process.stdout is not None:
                self.process.stdout.close()


class FileChecker:
    """Up to `workers` children checking presented files (see the module's docstring)."""

    def __init__(self, state_dir: Path, *, workers: int = FILE_CHECK_WORKERS, memory: int = FILE_CHECK_MEMORY_BYTES,
                 timeout: float = FILE_CHECK_TIMEOUT_SECONDS, wait: float = FILE_CHECK_WAIT_SECONDS) -> None:
        self.state_dir = Path(state_dir)
        self.memory = memory
        self.timeout = timeout
        self.wait = wait
        self._slots = threading.BoundedSemaphore(workers)
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._closed = False

    def _take(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.alive():
                    return child
                child.stop()
        return _Child(self.state_dir, self.memory)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if self._closed:
                child.stop()
            else:
                self._idle.append(child)

    def check(self, data: bytes, now: dt.datetime) -> dict[str, Any]:
        """The verification of `data` (Verification.as_json()), or FileCheckError."""
        if len(data) > MAX_FILE_BYTES:
            raise FileCheckError("file_too_large", "文件过大，不是本平台签发的报告文件")
        if not self._slots.acquire(timeout=self.wait):
            raise FileCheckError("file_check_busy")
        try:
            child = self._take()
            try:
                answer = child.ask(data, now, self.timeout)
            except _TimedOut:
                child.stop()
                raise FileCheckError("file_check_timeout") from None
            except _ChildGone:
                memory_out = child.process.poll() is not None and child.process.returncode == EXIT_MEMORY
                child.stop()
                raise FileCheckError("file_check_memory" if memory_out else "file_check_failed") from None
            if answer.get("restart"):
                child.stop()
            else:
                self._give_back(child)
        finally:
            self._slots.release()
        error = answer.get("error")
        if isinstance(error, dict):
            raise FileCheckError(str(error.get("code") or "file_check_failed"),
                                 str(error.get("message") or MESSAGES["file_check_failed"]))
        verification = answer.get("verification")
        if not isinstance(verification, dict):
            raise FileCheckError("file_check_failed")
        return verification

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.stop()


# --- the child -----------------------------------------------------------------------------

EXIT_MEMORY = 3


def _exit_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _read_frame(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    if not data or len(data) < size:
        return None
    return data


def _answer(out: BinaryIO, message: dict[str, Any]) -> None:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    out.write(_LENGTH.pack(len(body)) + body)
    out.flush()


def serve_checks(state_dir: Path, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answers requests until stdin closes."""
    from .report.registry import Registry
    from .report.verify import verify_online
    from .signing_keys import KeyRing

    opened: tuple[KeyRing, Registry] | PublishError
    try:
        ring = KeyRing.open(state_dir)
        opened = (ring, Registry.open(state_dir))
    except PublishError as exc:
        opened = exc
    with contextlib.suppress(ImportError):
        import pypdf  # noqa: F401 (imported once, before the first PDF)
    while True:
        head = _read_frame(stdin, _LENGTH.size)
        if head is None:
            return
        (size,) = _LENGTH.unpack(head)
        header_bytes = _read_frame(stdin, size) if size <= 1 << 16 else None
        if header_bytes is None:
            return
        header = json.loads(header_bytes)
        data = _read_frame(stdin, int(header["size"])) if int(header["size"]) else b""
        if data is None:
            return
        if isinstance(opened, PublishError):
            _answer(stdout, {"error": {"code": opened.code, "message": opened.message}})
            continue
        try:
            now = dt.datetime.fromisoformat(header["now"])
            result = verify_online(data, opened[0], opened[1], now=now)
            message: dict[str, Any] = {"verification": result.as_json()}
        except PublishError as exc:
            message = {"error": {"code": exc.code, "message": exc.message}}
        except MemoryError:
            message = {"error": {"code": "file_check_memory", "message": MESSAGES["file_check_memory"]},
                       "restart": True}
        except Exception as exc:  # noqa: BLE001 - whatever a hostile file makes a reader raise
            message = {"error": {"code": "file_unreadable",
                                 "message": f"文件无法读取（{type(exc).__name__}），未能核验"}, "restart": True}
        del data
        _answer(stdout, message)


def main(argv: list[str]) -> int:
    state_dir, parent, memory = Path(argv[0]), int(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _exit_with_parent(parent)
    try:
        serve_checks(state_dir, sys.stdin.buffer, sys.stdout.buffer)
    except MemoryError:
        return EXIT_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

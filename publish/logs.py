"""Logging for a command: one handler on stderr, text or JSON lines (`--log-format` or
PUBLISH_LOG_FORMAT), stdlib logging only.

Loggers: `publish.build` (a build's stages and per-file results), `publish.access` (serve's
access log, publish/plugins/accesslog.py), and whatever else lives under `publish.`; all at
INFO. Each line starts with its time, ISO 8601 in Beijing time (+08:00). A record may carry
its own `time` (the access log takes it from the server's clock); otherwise its creation
instant is used. Extra fields (`logger.info(..., extra={...})`) are listed in a JSON line.

`serve` logs in the background: a record is queued and written by a thread, so a slow
reader of stderr never stalls the server; when the queue is full, records are dropped and
the drop is reported once there is room again.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import queue
import sys
import threading

from .errors import PublishError
from .settings import LOG_FORMAT_ENV, LOG_FORMATS, Environment

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "CST")  # Beijing time has no DST: a fixed offset
HANDLER_NAME = "publish-command"
QUEUE_SIZE = 10_000
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def beijing_iso(instant: dt.datetime) -> str:
    return instant.astimezone(SHANGHAI).isoformat(timespec="milliseconds")


def _when(record: logging.LogRecord) -> str:
    given = record.__dict__.get("time")
    if isinstance(given, str):
        return given
    if isinstance(given, dt.datetime):
        return beijing_iso(given)
    return beijing_iso(dt.datetime.fromtimestamp(record.created, dt.UTC))


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k != "time" and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """`2026-11-25T12:00:00.000+08:00 INFO publish.build message`"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_when(record)} {record.levelname} {record.name} {record.getMessage()}"
        detail = self._exception(record)
        return f"{line}\n{detail}" if detail else line

    def _exception(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        return record.exc_text or ""


class JsonFormatter(TextFormatter):
    """One JSON object a line: time, level, logger, message, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {"time": _when(record), "level": record.levelname, "logger": record.name,
                                   "message": record.getMessage()}
        for key, value in _extras(record).items():
            data.setdefault(key, value)
        detail = self._exception(record)
        if detail:
            data["exception"] = detail
        return json.dumps(data, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def log_format(argument: str | None, environment: Environment) -> str:
    """`--log-format`, else PUBLISH_LOG_FORMAT, else text."""
    fmt = (argument or environment.log_format or "text").strip().lower()
    if fmt not in LOG_FORMATS:
        raise PublishError("bad_setting", f"{LOG_FORMAT_ENV} 应为 {' 或 '.join(LOG_FORMATS)}：{fmt}")
    return fmt


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (so a test that captures it, then lets
    it go, leaves nothing dangling)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


class _BackgroundHandler(logging.Handler):
    """Queues records for a writer thread that writes them to a file descriptor; drops them
    when the queue is full rather than block the caller."""

    def __init__(self, fd: int, size: int = QUEUE_SIZE) -> None:
        super().__init__()
        self.fd = fd
        self.queue: queue.Queue[logging.LogRecord | None] = queue.Queue(size)
        self.dropped = 0    # records dropped so far (only emit counts them)
        self._reported = 0  # of which the writer has reported
        self.thread = threading.Thread(target=self._write_all, name="publish-log", daemon=True)
        self.thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            record.msg, record.args = record.getMessage(), None
            if record.exc_info:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
                record.exc_info = None
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1
        except Exception:  # noqa: BLE001 (logging's own way: report on stderr, carry on)
            self.handleError(record)

    def _write_all(self) -> None:
        while (record := self.queue.get()) is not None:
            # A line that cannot be written (stderr closed) is not worth stopping the server for.
            with contextlib.suppress(OSError):
                dropped = self.dropped - self._reported
                if dropped:
                    self._reported += dropped
                    self._write(logging.makeLogRecord({
                        "name": "publish.logs", "levelno": logging.WARNING, "levelname": "WARNING",
                        "msg": f"日志积压，已丢弃 {dropped} 条 (log_dropped)", "dropped": dropped}))
                self._write(record)

    def _write(self, record: logging.LogRecord) -> None:
        data = (self.format(record) + "\n").encode("utf-8", "backslashreplace")
        while data:
            data = data[os.write(self.fd, data):]

    def close(self) -> None:
        with contextlib.suppress(queue.Full):  # a writer stuck on a full pipe is left behind
            self.queue.put(None, timeout=1)
        self.thread.join(timeout=2)
        super().close()


def configure(fmt: str = "text", *, background: bool = False, level: int = logging.INFO) -> logging.Handler:
    """Sends the process's log records to stderr as `fmt` lines; `publish.*` at `level`.
    Calling it again replaces the handler it installed before."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    handler: logging.Handler = _StderrHandler()
    if background:
        try:
            handler = _BackgroundHandler(sys.stderr.fileno())
        except (AttributeError, OSError, ValueError):  # stderr without a file descriptor
            pass
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter(fmt))
    root.addHandler(handler)
    logging.getLogger("publish").setLevel(level)
    return handler

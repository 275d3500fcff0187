"""Loaded (through PYTHONPATH) only in `make test`'s run under libfaketime.

libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC answers EINVAL to the absolute
CLOCK_MONOTONIC clock_nanosleep that Python's time.sleep uses, so every sleep would raise.
Waiting on an Event (a timed lock acquire) is unaffected: sleep that way instead. The
clock's readings, which this run exists to shift, are untouched.
"""
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep

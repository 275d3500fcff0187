"""Shared test settings. Every test states its day: AS_OF, or a clock it makes itself; the
suite also runs under libfaketime three years ahead (Makefile), so a test that follows the
machine's clock fails the day it is written."""
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from publish.clock import Clock
from publish.settings import STATE_ENV
from publish.signing_keys import initialise

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="session", autouse=True)
def state_dir(tmp_path_factory):
    """One state directory for the session, made as `keys init` makes it; commands and
    build() find it through PUBLISH_STATE (inherited by subprocesses)."""
    path = tmp_path_factory.mktemp("state")
    initialise(path, Clock.on(AS_OF))
    mp = pytest.MonkeyPatch()
    mp.setenv(STATE_ENV, str(path))
    yield path
    mp.undo()


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    conn.create_function("publish_today", 0, lambda: AS_OF.isoformat())
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


@pytest.fixture
def as_of():
    return AS_OF

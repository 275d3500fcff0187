"""Versioned builds behind one path (CONTRACT.md "Build outputs").

`--out DIR` is a symbolic link to `DIR.builds/<build id>/`, replaced in one atomic rename, so
`DIR/public.db` keeps its path and a reader sees the previous build or the new one, never
neither and never a mix:

    DIR -> DIR.builds/2026-11-25_20261125T020000.000000Z-k3q9
    DIR.builds/
        2026-11-24_20261124T020000.000000Z-a7fm/  the previous build (kept until a later one succeeds)
        2026-11-25_20261125T020000.000000Z-k3q9/  the current build
        .staging-<build id>/                  a build in progress (a killed one is removed next time)
        .lock                                 held (flock) while a build runs: a second is refused
        <build id>/.serving-<pid>             held (flock) by a running `serve`: never pruned

The build id is `<as-of>_<UTC instant>-<4 random symbols>` (the instant to the microsecond,
`20261125T020000.123456Z`); builds are ordered by the instant.
The two newest builds are kept, and any build a running server holds.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PublishError

KEEP = 2
LOCK_FILE = ".lock"
STAGING_PREFIX = ".staging-"
SERVING_PREFIX = ".serving-"
_SYMBOLS = "abcdefghjkmnpqrstuvwxyz23456789"   # no look-alikes (0/o, 1/l/i)
# The instant carries microseconds: two builds in one second still order by when they began.
BUILD_ID = re.compile(r"(?P<as_of>\d{4}-\d{2}-\d{2})_(?P<instant>\d{8}T\d{6}(?:\.\d{6})?Z)-(?P<tag>[a-z0-9]{4})")

# Steps of the switch, in order; `on_step` (tests) is called before each.
STEPS = ("move_legacy", "link", "prune")


def recorded_build_id(database: Path) -> str | None:
    """The id a build wrote into a database's `build_info` table (None: no database of a
    build there, or none written). Read immutable: a finished build never changes."""
    try:
        conn = sqlite3.connect(f"{Path(os.path.abspath(database)).as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row and row[0] else None


def builds_dir(out_dir: Path) -> Path:
    """Where the versions of `out_dir` live: a sibling, `<name>.builds`."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.with_name(out_dir.name + ".builds")


def new_build_id(as_of: dt.date, now: dt.datetime) -> str:
    instant = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    tag = "".join(secrets.choice(_SYMBOLS) for _ in range(4))
    return f"{as_of.isoformat()}_{instant}-{tag}"


def _instant(build_id: str) -> str:
    match = BUILD_ID.fullmatch(build_id)
    return match["instant"] if match else ""


def versions(out_dir: Path) -> list[Path]:
    """The finished builds of `out_dir`, oldest first."""
    root = builds_dir(out_dir)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and BUILD_ID.fullmatch(p.name)]
    return sorted(found, key=lambda p: (_instant(p.name), p.name))


def current(out_dir: Path) -> Path | None:
    """The build `out_dir` stands for now: where its link points, else (a plain directory of
    an earlier build) itself, else — a switch killed after moving a plain build aside and
    before linking — the newest finished version."""
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.is_symlink():
        target = out_dir.resolve()
        return target if target.is_dir() else None
    if out_dir.is_dir():
        return out_dir
    found = versions(out_dir)
    return found[-1] if found else None


@contextmanager
def build_lock(out_dir: Path) -> Iterator[Path]:
    """Holds `DIR.builds/.lock` for one build; a second build into DIR is refused."""
    root = builds_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise PublishError(
                    "build_running",
                    f"另一个构建正在写入 {out_dir}，本次构建未开始（同一输出目录同时只能有一个构建）") from None
            raise
        yield root
    finally:
        os.close(fd)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Removes what killed builds left (their staging directories hold unredacted
    quarantine files). Call with the build lock held: no other build is running."""
    out_dir = Path(os.path.abspath(out_dir))
    removed = []
    root = builds_dir(out_dir)
    candidates = list(root.glob(STAGING_PREFIX + "*")) if root.is_dir() else []
    # Earlier versions staged beside DIR, as .DIR.staging-* and .DIR.old-*.
    candidates += list(out_dir.parent.glob(f".{out_dir.name}.staging-*"))
    candidates += list(out_dir.parent.glob(f".{out_dir.name}.old-*"))
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for link in root.glob(".link-*") if root.is_dir() else []:
        link.unlink(missing_ok=True)
    return removed


def staging_dir(out_dir: Path, build_id: str) -> Path:
    path = builds_dir(out_dir) / f"{STAGING_PREFIX}{build_id}"
    path.mkdir(mode=0o700)
    return path


def switch(out_dir: Path, staging: Path, build_id: str, legacy_id: Callable[[], str],
           on_step: Callable[[str], None] | None = None) -> Path:
    """Makes the finished `staging` the build `out_dir` stands for; returns its path."""
    out_dir = Path(os.path.abspath(out_dir))
    root = builds_dir(out_dir)
    final = root / build_id
    os.rename(staging, final)
    step = on_step or (lambda name: None)
    step("move_legacy")
    if out_dir.is_dir() and not out_dir.is_symlink():
        # A plain DIR of an earlier build (or an empty directory) goes aside, into the versions.
        if any(out_dir.iterdir()):
            os.rename(out_dir, root / legacy_id())
        else:
            out_dir.rmdir()
    step("link")
    link = root / f".link-{build_id}"
    os.symlink(os.path.join(root.name, build_id), link)
    os.replace(link, out_dir)   # atomic: readers see the old target or the new one
    step("prune")
    prune(out_dir)
    return final


def serving_mark(build: Path) -> int:
    """Marks `build` as held by this process (a running server) until the returned file
    descriptor is closed or the process ends; prune never removes a held build."""
    fd = os.open(build / f"{SERVING_PREFIX}{os.getpid()}", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def held(build: Path) -> bool:
    """True when a live process holds one of the build's serving marks (stale ones are removed)."""
    alive = False
    for mark in build.glob(SERVING_PREFIX + "*"):
        fd = os.open(mark, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            alive = True
        else:
            mark.unlink(missing_ok=True)   # its server has gone
        finally:
            os.close(fd)
    return alive


def prune(out_dir: Path) -> list[Path]:
    """Keeps the KEEP newest builds, the current one and any a server holds; removes the rest."""
    found = versions(out_dir)
    keep = set(found[-KEEP:])
    now = current(out_dir)
    if now is not None:
        keep.add(now)
    removed = []
    for build in found:
        if build not in keep and not held(build):
            shutil.rmtree(build, ignore_errors=True)
            removed.append(build)
    return removed

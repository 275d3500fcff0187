"""Opening a file of a release without letting anything but our own names choose it.

The path is never taken from a request: it is the releases directory (resolved once, at
start), a release directory named by a build id, and the parts of a name its index.json lists.
Each part is opened relative to the directory before it with O_NOFOLLOW, so a symbolic link
planted anywhere below the releases directory is refused, not followed; O_NONBLOCK keeps a
FIFO planted under a listed name from hanging the server, and the file must then be a regular
file of the size the index says.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_listed(releases_dir: Path, release: str, name: str, size: int | None = None) -> int | None:
    """A read-only descriptor of `<releases_dir>/<release>/<name>` (name: `a` or `deltas/a`),
    or None when a part is a link, missing, not a regular file, or not `size` bytes long."""
    parts = [release, *name.split("/")]
    try:
        directory = os.open(releases_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            below = os.open(part, _DIRECTORY, dir_fd=directory)
            os.close(directory)
            directory = below
        fd = os.open(parts[-1], _FILE, dir_fd=directory)
    except OSError:   # ELOOP for a link, ENOENT, ENOTDIR…
        return None
    finally:
        os.close(directory)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):
        os.close(fd)
        return None
    os.set_blocking(fd, True)
    return fd


def read_listed(releases_dir: Path, release: str, name: str, cap: int) -> bytes | None:
    """The whole of a small file of a release (index.json, datapackage.json), or None when it
    cannot be opened as open_listed opens or is larger than `cap` bytes."""
    fd = open_listed(releases_dir, release, name)
    if fd is None:
        return None
    try:
        if os.fstat(fd).st_size > cap:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(cap + 1)[:cap]
    finally:
        os.close(fd)

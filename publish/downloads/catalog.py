"""The releases a server offers, read from each release's `index.json` (issue 17).

- The current release is the one named by the build id the server serves: the site offers
  only what was released from the build it serves (终止公示: a record repaired or past its
  window since an older release must not stay downloadable in full).
- Older (and newer) releases are listed as taken off; none of their full files is served.
- Deltas (`deltas/<previous>__<this>.jsonl`, keys only) of every release are offered, newest
  first: they hold no record's content.

Only names an index lists in plain form are kept (`<name>` or `deltas/<name>`, letters,
digits, `_`, `.`, `-`, no leading dot): a request's name is looked up among them, and only a
kept name ever reaches the file system (publish/downloads/files.py).

A release directory never changes once renamed into place (publish/release/command.py), so the
catalog is read again only when the releases directory itself changes (a release added or
removed changes its mtime): `CatalogCache`.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..builds import BUILD_ID
from ..release.changes import DELTAS_DIR
from ..release.index import INDEX_FILE
from .files import read_listed

PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,200}")
SHA256 = re.compile(r"[0-9a-f]{64}")
INDEX_CAP = 1 << 20          # an index.json lists a few dozen files
PACKAGE_FILE = "datapackage.json"
PACKAGE_CAP = 4 << 20


@dataclass(frozen=True)
class ListedFile:
    """A file as its release's index.json lists it."""
    release: str       # the build id naming the release directory
    name: str          # as listed: `penalties.csv` or `deltas/<previous>__<this>.jsonl`
    size: int
    sha256: str

    @property
    def basename(self) -> str:
        return self.name.rpartition("/")[2]


@dataclass(frozen=True)
class ReleaseIndex:
    build_id: str
    as_of: str
    created: str
    files: tuple[ListedFile, ...]
    titles: dict[str, str] = field(default_factory=dict)   # table → its Chinese title (datapackage.json)

    @property
    def full_files(self) -> tuple[ListedFile, ...]:
        """The release's own files (not its delta), by name."""
        return tuple(f for f in self.files if "/" not in f.name)

    @property
    def deltas(self) -> tuple[ListedFile, ...]:
        return tuple(f for f in self.files if f.name.startswith(DELTAS_DIR + "/"))


@dataclass(frozen=True)
class Catalog:
    releases_dir: Path
    build_id: str | None                 # the build the server serves
    current: ReleaseIndex | None         # the release of that build, if made
    taken_off: tuple[ReleaseIndex, ...]  # every other release, newest first
    deltas: tuple[ListedFile, ...]       # newest first

    def latest(self, name: str) -> ListedFile | None:
        """The current release's file of that name (a plain name, exactly as listed)."""
        if self.current is None:
            return None
        return next((f for f in self.current.full_files if f.name == name), None)

    def delta(self, name: str) -> ListedFile | None:
        return next((f for f in self.deltas if f.basename == name), None)


def _instant(build_id: str) -> str:
    match = BUILD_ID.fullmatch(build_id)
    return match["instant"] if match else ""


def _listed(release: str, entry: Any) -> ListedFile | None:
    if not isinstance(entry, dict):
        return None
    name, size, digest = entry.get("name"), entry.get("size"), entry.get("sha256")
    if not isinstance(name, str) or not isinstance(size, int) or isinstance(size, bool) or size < 0 \
            or not isinstance(digest, str) or not SHA256.fullmatch(digest):
        return None
    head, _, tail = name.partition("/")
    plain = PLAIN_NAME.fullmatch(tail) if head == DELTAS_DIR else PLAIN_NAME.fullmatch(name)
    if not plain:
        return None
    return ListedFile(release, name, size, digest)


def _titles(releases_dir: Path, release: str) -> dict[str, str]:
    raw = read_listed(releases_dir, release, PACKAGE_FILE, PACKAGE_CAP)
    try:
        package = json.loads(raw) if raw is not None else {}
        return {str(r["name"]): str(r["title"]) for r in package.get("resources") or ()
                if isinstance(r, dict) and r.get("name") and r.get("title")}
    except (ValueError, TypeError, AttributeError):
        return {}


def read_index(releases_dir: Path, release: str) -> ReleaseIndex | None:
    """The release's index.json, its entries checked; None when it is missing, malformed or
    names another build."""
    raw = read_listed(releases_dir, release, INDEX_FILE, INDEX_CAP)
    if raw is None:
        return None
    try:
        index = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(index, dict) or index.get("build_id") != release or not isinstance(index.get("files"), list):
        return None
    files = tuple(f for f in (_listed(release, e) for e in index["files"]) if f is not None)
    names = {f.name for f in files}
    titles = _titles(releases_dir, release) if PACKAGE_FILE in names else {}
    return ReleaseIndex(release, str(index.get("as_of") or ""), str(index.get("created") or ""), files, titles)


def release_ids(releases_dir: Path) -> list[str]:
    """The finished releases in the directory (real directories named by a build id), newest first."""
    try:
        entries = list(os.scandir(releases_dir))
    except OSError:
        return []
    found = [e.name for e in entries if BUILD_ID.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    return sorted(found, key=lambda name: (_instant(name), name), reverse=True)


def load_catalog(releases_dir: Path, build_id: str | None) -> Catalog:
    indexes = [i for i in (read_index(releases_dir, r) for r in release_ids(releases_dir)) if i is not None]
    current = next((i for i in indexes if i.build_id == build_id), None) if build_id else None
    deltas: dict[str, ListedFile] = {}
    for index in indexes:
        for delta in index.deltas:
            deltas.setdefault(delta.basename, delta)
    return Catalog(releases_dir, build_id, current, tuple(i for i in indexes if i is not current),
                   tuple(deltas.values()))


def _signature(releases_dir: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(releases_dir)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_ctime_ns


class CatalogCache:
    """The catalog of one server, read again only when the releases directory changed."""

    def __init__(self, releases_dir: Path, build_id: str | None):
        self.releases_dir, self.build_id = releases_dir, build_id
        self._signature: tuple[int, int, int] | None = None
        self._catalog: Catalog | None = None

    def get(self) -> Catalog:
        signature = _signature(self.releases_dir)
        if self._catalog is None or signature != self._signature:
            self._catalog = load_catalog(self.releases_dir, self.build_id)
            self._signature = signature
        return self._catalog

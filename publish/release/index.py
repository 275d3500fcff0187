"""`index.json` and `SHA256SUMS`: what a release holds, each file with its size and SHA-256,
so a download can be checked (`sha256sum -c SHA256SUMS`) and the site serves only the files
listed here (CONTRACT.md /downloads)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

INDEX_FILE = "index.json"
SUMS_FILE = "SHA256SUMS"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def listed_files(directory: Path) -> list[str]:
    """Every file of the release but the two that list them, by relative path."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                  if p.is_file() and p.name not in (INDEX_FILE, SUMS_FILE))


def write_index(directory: Path, build_id: str, as_of: dt.date, created: dt.datetime) -> dict[str, Any]:
    files = [{"name": name, "size": (directory / name).stat().st_size, "sha256": sha256_of(directory / name)}
             for name in listed_files(directory)]
    index = {"version": build_id, "build_id": build_id, "as_of": as_of.isoformat(),
             "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "files": files}
    (directory / INDEX_FILE).write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summed = [(f["sha256"], f["name"]) for f in files] + [(sha256_of(directory / INDEX_FILE), INDEX_FILE)]
    # sha256sum's format: the hex digest, two spaces (text mode), the name.
    (directory / SUMS_FILE).write_text("".join(f"{digest}  {name}\n" for digest, name in summed), encoding="utf-8")
    return index

"""The output directory of a sample, which `python -m publish sample --out` never destroys.

It may be absent, an empty directory, or a previous sample: a directory holding the marker file
`.publish-sample` the generator writes (what wrote it, the as-of day, seed and rows, and every
file it wrote with its SHA-256). A previous sample is replaced, and only the files its marker
lists, unchanged, are deleted. Anything else is refused with a PublishError before anything is
written or deleted. The build skips dot files, so it never reads the marker as data.

The words of this module are the operator's, never a file's: `world.literal_text` leaves it out.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

from publish.errors import PublishError

MARKER = ".publish-sample"
WRITTEN_BY = "python -m publish sample"


def check_out_dir(out: Path) -> dict | None:
    """None when `out` is absent or an empty directory, the marker when it holds a previous sample
    (nothing in it but what the marker lists, unchanged); anything else is refused."""
    _check_directory(out)
    if not out.exists() or not any(out.iterdir()):
        return None
    marker = read_marker(out)
    if marker is None:
        raise PublishError("sample_out_not_ours",
                           f"样例输出目录 {out} 不是空目录，也不是此前生成的样例（没有可识别的 {MARKER} 标记文件），"
                           "未作任何改动：请指定一个不存在的目录或空目录")
    strangers = _strangers(out, marker["files"])
    if strangers:
        shown = "、".join(strangers[:3]) + (f" 等 {len(strangers)} 项" if len(strangers) > 3 else "")
        raise PublishError("sample_out_changed",
                           f"样例输出目录 {out} 是此前生成的样例，但其中的 {shown} 不是样例写入的或已被改动，"
                           "未作任何改动：请先自行移走这些文件")
    return marker


def prepare_out_dir(out: Path, paths: list[str], about: dict) -> None:
    """Check `out` again, delete the previous sample's files, and mark it as being written: the
    marker lists the files about to be written, so that an interrupted run can be replaced too."""
    previous = check_out_dir(out)
    if previous is not None:
        _delete(out, previous["files"])
    out.mkdir(parents=True, exist_ok=True)
    _write_marker(out, about, dict.fromkeys(paths), complete=False)


def seal_out_dir(out: Path, paths: list[str], about: dict) -> None:
    """The final marker: every file written, with its SHA-256."""
    _write_marker(out, about, {name: _sha256(out / name) for name in paths}, complete=True)


def read_marker(out: Path) -> dict | None:
    """The marker of the sample in `out`, or None when there is none we wrote."""
    path = out / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("written_by") != WRITTEN_BY:
        return None
    files = marker.get("files")
    if not isinstance(files, dict) or not all(_is_inside(name) and (digest is None or isinstance(digest, str))
                                              for name, digest in files.items()):
        return None
    return marker


def _check_directory(out: Path) -> None:
    """Refuse `out` when it, or the nearest of its parents that exists, is not a directory."""
    for path in (out, *out.parents):
        if path.is_symlink() and not path.exists():  # a dangling link
            raise _not_a_directory(out, path)
        if path.exists():
            if not path.is_dir():
                raise _not_a_directory(out, path)
            return


def _not_a_directory(out: Path, path: Path) -> PublishError:
    where = f"{out}" if path == out else f"{out} 的上级 {path}"
    return PublishError("sample_out_is_file", f"样例输出路径 {where} 已存在但不是目录，未作任何改动")


def _is_inside(name: str) -> bool:
    """A plain relative path below the directory (no `..`, not absolute, not the marker)."""
    path = PurePosixPath(name)
    return (name == str(path) and bool(path.parts) and not path.is_absolute() and ".." not in path.parts
            and name != MARKER)


def _folders(files: dict[str, str | None]) -> set[PurePosixPath]:
    return {parent for name in files for parent in PurePosixPath(name).parents if parent.parts}


def _strangers(out: Path, files: dict[str, str | None]) -> list[str]:
    """What `out` holds besides the marker, the listed files (unchanged) and their folders."""
    folders = {folder.as_posix() for folder in _folders(files)}
    strangers: list[str] = []

    def visit(folder: Path, prefix: str) -> None:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False) and name in folders:
                visit(Path(entry.path), name + "/")
            elif entry.is_file(follow_symlinks=False) and name in files:
                if files[name] is not None and _sha256(Path(entry.path)) != files[name]:
                    strangers.append(name)
            elif not (name == MARKER and entry.is_file(follow_symlinks=False)):
                strangers.append(name)

    visit(out, "")
    return strangers


def _delete(out: Path, files: dict[str, str | None]) -> None:
    """Delete the listed files, then their folders once empty, deepest first."""
    for name in files:
        path = out / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
    for folder in sorted(_folders(files), key=lambda f: (-len(f.parts), f.as_posix())):
        path = out / folder
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()


def _write_marker(out: Path, about: dict, files: dict[str, str | None], complete: bool) -> None:
    marker = {"written_by": WRITTEN_BY, **about, "complete": complete, "files": files}
    (out / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()

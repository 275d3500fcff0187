"""What `build --out` may replace: nothing but an earlier build of ours (CONTRACT.md "Build
outputs": no command destroys data).

`check_out_dir` runs before a build writes anything and refuses an out directory that is the
input directory, inside it or above it; the state directory, inside it or above it; an
existing file; or an existing directory that is neither empty nor a build. Paths are compared
as resolved real paths, so a symbolic link does not get around the check. A build is
recognised by the marker file `mark_build_dir` writes into it before it is moved into place.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from .errors import PublishError

MARKER_FILE = ".publish-build"
MARKER_TOOL = "credit-publisher"
MARKER_VERSION = 1
# What a build wrote before builds carried the marker: such a directory holds these files
# alone (build-report.json among them) and is still recognised as ours.
LEGACY_OUTPUTS = frozenset({"public.db", "authorized.db", "quarantine.csv", "build-report.json"})


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.path.expanduser(os.fspath(path)))))


def _inside(child: Path, parent: Path) -> bool:
    """`child` strictly below `parent` (both resolved)."""
    return child != parent and child.is_relative_to(parent)


def is_build_dir(path: Path) -> bool:
    """A directory one of our builds wrote: it has our marker, or (earlier builds) it holds
    nothing but a build's outputs."""
    marker = path / MARKER_FILE
    if marker.is_file():
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and data.get("tool") == MARKER_TOOL
    try:
        names = {entry.name for entry in os.scandir(path)}
    except OSError:
        return False
    if "build-report.json" not in names or not names <= LEGACY_OUTPUTS:
        return False
    return all((path / name).is_file() and not (path / name).is_symlink() for name in names)


def check_out_dir(out_dir: Path | str, input_dir: Path | str, state_dir: Path | str) -> Path:
    """Refuses (PublishError) an out directory a build must not write or replace; returns it
    resolved."""
    shown = os.fspath(out_dir)
    out, source, state = _real(out_dir), _real(input_dir), _real(state_dir)
    if out == source:
        raise PublishError("out_is_input", f"输出目录就是输入目录：{shown}（构建会替换输出目录，请另选一个目录）")
    if _inside(out, source):
        raise PublishError("out_inside_input", f"输出目录位于输入目录之内：{shown}（输入目录 {source}）")
    if _inside(source, out):
        raise PublishError("out_contains_input", f"输出目录包含输入目录：{shown}（输入目录 {source}）")
    if out == state:
        raise PublishError("out_is_state", f"输出目录就是状态目录：{shown}（状态目录保存密钥等，不可被替换）")
    if _inside(out, state):
        raise PublishError("out_inside_state", f"输出目录位于状态目录之内：{shown}（状态目录 {state}）")
    if _inside(state, out):
        raise PublishError("out_contains_state", f"输出目录包含状态目录：{shown}（状态目录 {state}）")
    if os.path.lexists(out) and not out.is_dir():
        raise PublishError("out_is_file", f"输出路径已存在且不是目录：{shown}（不会覆盖文件）")
    if out.is_dir():
        try:
            empty = not any(os.scandir(out))
        except OSError as exc:
            raise PublishError("out_unreadable", f"输出目录无法读取：{shown}（{exc.strerror}）") from exc
        if not empty and not is_build_dir(out):
            raise PublishError("out_not_a_build",
                               f"输出目录已有其他内容，不是以前的构建结果：{shown}（构建只替换空目录或以前的构建，"
                               "请另选一个目录）")
    _check_versions_dir(Path(os.path.abspath(os.fspath(out_dir))), shown)
    return out


def _check_versions_dir(out_dir: Path, shown: str) -> None:
    """`DIR.builds` beside DIR holds our versions alone (publish/builds.py)."""
    from .builds import BUILD_ID, LOCK_FILE, STAGING_PREFIX, builds_dir

    root = builds_dir(out_dir)
    if not os.path.lexists(root):
        return
    if not root.is_dir() or root.is_symlink():
        raise PublishError("out_not_a_build", f"{root} 已存在但不是构建版本目录：{shown}（请另选一个输出目录）")
    for entry in os.scandir(root):
        ours = (entry.name == LOCK_FILE or entry.name.startswith((STAGING_PREFIX, ".link-"))
                or (BUILD_ID.fullmatch(entry.name) and is_build_dir(Path(entry.path))))
        if not ours:
            raise PublishError("out_not_a_build",
                               f"{root} 中有不属于构建的内容：{entry.name}（构建只管理自己的版本，请另选一个输出目录）")


def mark_build_dir(path: Path | str, as_of: dt.date | None = None, build_id: str | None = None) -> Path:
    """Writes the marker that makes `path` recognisable as one of our builds."""
    marker = Path(path) / MARKER_FILE
    data: dict[str, object] = {"tool": MARKER_TOOL, "version": MARKER_VERSION}
    if as_of is not None:
        data["as_of"] = as_of.isoformat()
    if build_id is not None:
        data["build_id"] = build_id
    marker.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return marker

"""The build: raw files → validated, redacted, windowed `public.db` and `authorized.db`.

Data flows one way: read → validate → redact → publicity rules → load (publish/buildrun.py
runs the steps). The build writes into a staging directory and switches `--out` to it only
after its own checks passed (publish/builds.py: `--out` is a link to a versioned directory,
replaced in one atomic rename), so a failed or killed build leaves the previous outputs
untouched and readers never see a half-switched build.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from redaction.scan import scan_database

from .buildrun import BuildRun
from .builds import build_lock, new_build_id, remove_leftovers, staging_dir, switch
from .clock import build_clock
from .errors import PublishError
from .feed import record_changes
from .feed.recording import open_feed
from .outdir import check_out_dir, mark_build_dir
from .secrets import load_record_key_secret
from .settings import DEFAULT_BUILD_WORKERS
from .settings import state_dir as resolve_state_dir

log = logging.getLogger("publish.build")


def build(input_dir: Path | str, out_dir: Path | str, as_of: dt.date | None = None, *,
          state_dir: Path | str | None = None, datasets_dir: Path | None = None, progress: bool | None = None,
          before_scan: Callable[[Path], None] | None = None, workers: int | None = None,
          on_switch_step: Callable[[str], None] | None = None) -> dict:
    """Builds `out_dir` from every file under `input_dir`; returns the build report.
    `state_dir` (default: settings.state_dir) holds the record-key secret."""
    input_dir, out_dir = Path(input_dir), Path(out_dir)
    state_dir = resolve_state_dir(None if state_dir is None else str(state_dir))
    if not input_dir.is_dir():
        raise PublishError("input_missing", f"输入目录不存在：{input_dir}")
    files = sorted(p for p in input_dir.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(input_dir).parts))
    if not files:
        raise PublishError("input_empty", f"输入目录中没有文件：{input_dir}")
    check_out_dir(out_dir, input_dir, state_dir)  # before anything is written (no command destroys data)
    as_of = build_clock(as_of).today()
    secret = load_record_key_secret(state_dir)
    open_feed(state_dir).close()   # the change feed's store: state_missing now, not after the switch
    with build_lock(out_dir):
        removed = remove_leftovers(out_dir)
        if removed:
            log.info("已删除中断的构建留下的目录 (leftovers removed)：%s", "、".join(map(str, removed)))
        build_id = new_build_id(as_of, dt.datetime.now(dt.UTC))
        staging = staging_dir(out_dir, build_id)
        try:
            started = time.monotonic()
            run = BuildRun(input_dir, staging, as_of, datasets_dir, secret,
                           sys.stderr.isatty() if progress is None else progress,
                           workers or min(DEFAULT_BUILD_WORKERS, os.cpu_count() or 1), build_id=build_id)
            report = run.execute(files)
            del run  # its memory is not needed by the scan (which forks workers)
            if before_scan:
                before_scan(staging)
            scan_started = time.monotonic()
            findings = [f for name in ("public.db", "authorized.db") for f in scan_database(staging / name)]
            report["timings"]["scan"] = round(time.monotonic() - scan_started, 3)
            if findings:
                listed = "; ".join(f"{f.table}.{f.column} 第{f.rowid}行 {f.kind} {f.excerpt}" for f in findings[:20])
                raise PublishError("scan_failed",
                                   f"发布前扫描发现 {len(findings)} 处个人信息，已中止发布，原有输出未改动：{listed}")
            report["seconds"] = round(time.monotonic() - started, 3)
            _write_json(staging / "build-report.json", report)
            mark_build_dir(staging, as_of, build_id)
            final = switch(out_dir, staging, build_id, lambda: _legacy_id(out_dir), on_step=on_switch_step)
            log.info("构建已切换 (switched)：%s → %s", out_dir, build_id)
            report["changes"] = _record_changes(state_dir, final, as_of)
            return report
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _record_changes(state_dir: Path, final: Path, as_of: dt.date) -> dict:
    """The build's changes for the feed. The build is live by now: a failure here is logged,
    not raised (the server computes the changes when it makes the build current)."""
    try:
        return record_changes(state_dir, final, build_clock(as_of))
    except PublishError as exc:
        log.warning("变更未能记录，服务启动时会重新计算 (feed not recorded)：[%s] %s", exc.code, exc.message)
        return {"error": exc.code}


def _legacy_id(out_dir: Path) -> str:
    """An id for a plain directory an earlier version built: its as-of day and its time."""
    as_of = "0000-00-00"
    try:
        as_of = json.loads((out_dir / "build-report.json").read_text(encoding="utf-8"))["as_of"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    stamp = dt.datetime.fromtimestamp(out_dir.stat().st_mtime, dt.UTC)
    return new_build_id(dt.date.fromisoformat(as_of) if as_of != "0000-00-00" else dt.date(1970, 1, 1), stamp)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=False)

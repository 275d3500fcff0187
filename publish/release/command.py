"""`python -m publish release --build DIR [--out DIR]`: writes a versioned release directory,
named by the build id, into the releases directory (default `<build DIR>.releases/`).

Atomic: everything is written into a temporary directory beside the target, scanned
(publish/release/safety.py), listed (index.json, SHA256SUMS), and only then renamed into
place; a failure leaves no release behind. A release of the same build is never overwritten.
The releases directory may not be the state directory (which holds private keys), inside it
or above it, nor inside the build directory (which holds quarantine.csv).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from redaction.scan import Finding

from ..builds import BUILD_ID
from ..clock import Clock
from ..errors import PublishError
from ..outdir import is_build_dir
from . import changes as changes_mod
from .formats import Writer
from .formats.csv import CsvWriter
from .formats.jsonl import JsonlWriter
from .formats.parquet import ParquetWriter
from .formats.sqlite import SqliteWriter
from .formats.xlsx import XlsxWriter, XlsxWritten
from .index import write_index
from .package import data_package
from .parallel import Forked, workers
from .readme import readme
from .safety import scan_delta, scan_release_db, scan_release_files, scan_text_file
from .tables import BuildInfo, ReleaseTable, build_info, left_out, open_build_db, released_tables, rows

FORMATS = ("csv", "jsonl", "parquet", "xlsx", "sqlite")
STEPS = ("read", *FORMATS)   # what is timed
STAGING_PREFIX = ".staging-"
SHOWN_FINDINGS = 5
BUILDS_SUFFIX = ".builds"   # publish/builds.py builds_dir


@dataclass
class FormatTiming:
    seconds: float = 0.0
    size: int = 0


@dataclass
class Release:
    path: Path
    build_id: str
    previous: str | None
    counts: dict[str, int]
    left_out: dict[str, int]
    cut_cells: int
    timings: dict[str, FormatTiming] = field(default_factory=dict)
    scan_seconds: float = 0.0
    scan_db_seconds: float = 0.0     # of which public.db (scan_database); the rest checks the files
    seconds: float = 0.0

    @property
    def csv_bytes(self) -> int:
        """The size of the CSV-equivalent data: what MB/s are measured against."""
        return self.timings["csv"].size


def default_releases_dir(build_dir: Path | str) -> Path:
    """`<build DIR>.releases`, beside the build directory (its link, not what it points to);
    for a version under `DIR.builds/` named directly, beside DIR (DIR.builds holds builds
    alone: publish/outdir.py)."""
    path = Path(os.path.abspath(os.fspath(build_dir)))
    if BUILD_ID.fullmatch(path.name) and path.parent.name.endswith(BUILDS_SUFFIX):
        path = path.parent.with_name(path.parent.name[:-len(BUILDS_SUFFIX)])
    return path.with_name(path.name + ".releases")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def check_build_dir(build_dir: Path | str) -> Path:
    shown = os.fspath(build_dir)
    path = Path(build_dir)
    if not path.exists():
        raise PublishError("build_missing", f"构建目录不存在：{shown}")
    if not path.is_dir():
        raise PublishError("build_not_a_dir", f"--build 应为构建目录，而这是一个文件：{shown}")
    if not is_build_dir(_real(path)) or not (path / "public.db").is_file():
        raise PublishError("not_a_build", f"不是构建目录（没有构建标记或 public.db）：{shown}")
    return path


def check_releases_dir(releases: Path, build_dir: Path, state_dir: Path) -> Path:
    shown = os.fspath(releases)
    out, state, build = _real(releases), _real(state_dir), _real(build_dir)
    if out == state or out.is_relative_to(state):
        raise PublishError("out_inside_state", f"发布目录不能位于状态目录之内：{shown}（状态目录 {state} 保存密钥）")
    if state.is_relative_to(out):
        raise PublishError("out_contains_state", f"发布目录不能包含状态目录：{shown}（状态目录 {state}）")
    if out == build or out.is_relative_to(build):
        raise PublishError("out_inside_build", f"发布目录不能位于构建目录之内：{shown}（构建目录含 quarantine.csv）")
    versions = build.parent
    if versions.name.endswith(BUILDS_SUFFIX) and (out == versions or out.is_relative_to(versions)):
        raise PublishError("out_inside_builds", f"发布目录不能位于构建版本目录之内：{shown}（{versions} 只存放构建）")
    if os.path.lexists(releases) and not releases.is_dir():
        raise PublishError("out_is_file", f"发布目录已存在且不是目录：{shown}")
    return releases


WRITERS: dict[str, Callable[[Path, ReleaseTable], Writer[object]]] = {
    "csv": lambda staging, table: CsvWriter(staging / f"{table.name}.csv", table),
    "jsonl": lambda staging, table: JsonlWriter(staging / f"{table.name}.jsonl", table),
    "parquet": lambda staging, table: ParquetWriter(staging / f"{table.name}.parquet", table),
    "xlsx": lambda staging, table: XlsxWriter(staging / f"{table.name}.xlsx", table),
    "sqlite": lambda staging, table: SqliteWriter(staging / "public.db", table),
}
# Written by a second process, which reads the build on its own: about half of the writers' work
# (measured on the 1,000,000-entity bench build), so both processes end about together.
BESIDE = ("xlsx", "parquet")


@dataclass
class Written:
    """What one process wrote: per format its seconds and bytes, rows per table, cut cells."""
    timings: dict[str, FormatTiming]
    counts: dict[str, int] = field(default_factory=dict)
    cut_cells: int = 0


def _write_formats(build_db: Path, day: dt.date, staging: Path, tables: tuple[ReleaseTable, ...],
                   names: tuple[str, ...]) -> Written:
    """Reads each table once and hands every batch to each of the formats `names`, timing each."""
    done = Written({name: FormatTiming() for name in ("read", *names)})
    timings = done.timings
    conn = open_build_db(build_db, day)
    try:
        for table in tables:
            writers = {name: WRITERS[name](staging, table) for name in names}
            count = 0
            read = rows(conn, table)
            while True:
                started = time.perf_counter()
                batch = next(read, None)
                timings["read"].seconds += time.perf_counter() - started
                if batch is None:
                    break
                count += len(batch)
                for name, writer in writers.items():
                    started = time.perf_counter()
                    writer.write(batch)
                    timings[name].seconds += time.perf_counter() - started
            done.counts[table.name] = count
            for name, writer in writers.items():
                started = time.perf_counter()
                written = writer.close()
                timings[name].seconds += time.perf_counter() - started
                if isinstance(written, XlsxWritten):
                    done.cut_cells += written.cut_cells
                    timings[name].size += written.size
                elif name == "sqlite":   # (public.db holds every table: its size is the last one's)
                    timings[name].size = int(written)  # type: ignore[call-overload]
                else:
                    timings[name].size += int(written)  # type: ignore[call-overload]
    finally:
        conn.close()
    return done


def _write_tables(build_db: Path, day: dt.date, staging: Path, tables: tuple[ReleaseTable, ...],
                  release: Release) -> None:
    """Every format of every table: BESIDE in a second process, the others in this one (its
    reading is the release's `read`)."""
    beside = Forked(_write_formats, build_db, day, staging, tables, BESIDE)
    try:
        here = _write_formats(build_db, day, staging, tables, tuple(f for f in FORMATS if f not in BESIDE))
        there = beside.result()
    finally:
        beside.stop()
    if there.counts != here.counts:   # (both read the same read-only database)
        raise PublishError("release_inconsistent",
                           f"两个写入进程读到的行数不同，未发布：{here.counts} / {there.counts}")
    for name in FORMATS:
        release.timings[name] = here.timings.get(name) or there.timings[name]
    release.timings["read"] = here.timings["read"]
    release.counts.update(here.counts)
    release.cut_cells += there.cut_cells + here.cut_cells


def _refuse_if_found(findings: list[Finding]) -> None:
    if not findings:
        return
    shown = "；".join(f"{f.table} 列 {f.column or '-'} 第 {f.rowid} 行：{f.kind}（{f.excerpt}）"
                     for f in findings[:SHOWN_FINDINGS])
    raise PublishError("release_not_clean",
                       f"发布文件中发现不得公开的个人信息 {len(findings)} 处，未发布：{shown}"
                       "（这是构建的缺陷：请用 scan 检查构建的 public.db）")


def make_release(build_dir: Path | str, out_dir: Path | str | None, state_dir: Path | str,
                 clock: Clock) -> Release:
    """Writes the release of the build in `build_dir` into `out_dir` (default
    `<build DIR>.releases`); returns what it wrote and how long each format took."""
    started = time.perf_counter()
    build = check_build_dir(build_dir)
    releases = check_releases_dir(Path(out_dir) if out_dir else default_releases_dir(build), build, Path(state_dir))
    probe = open_build_db(build / "public.db", clock.today())
    try:
        info: BuildInfo = build_info(probe, build / "public.db")
    finally:
        probe.close()
    target = releases / info.build_id
    if os.path.lexists(target):
        raise PublishError("release_exists", f"这次构建的发布已存在，不会覆盖：{target}")
    releases.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + info.build_id + "-", dir=releases))
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a release is for everyone
    try:
        release = _write_release(build, releases, staging, info, clock)
        try:
            os.rename(staging, target)
        except OSError as exc:
            raise PublishError("release_exists", f"这次构建的发布已存在，不会覆盖：{target}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    release.path = target
    release.seconds = time.perf_counter() - started
    return release


def _write_release(build: Path, releases: Path, staging: Path, info: BuildInfo, clock: Clock) -> Release:
    conn = open_build_db(build / "public.db", info.release_day)
    try:
        tables = released_tables(conn)
        release = Release(staging, info.build_id, None, {}, left_out(conn, info.release_day), 0,
                          {f: FormatTiming() for f in STEPS})
        _write_tables(build / "public.db", info.release_day, staging, tables, release)
    finally:
        conn.close()
    scan_started = time.perf_counter()
    findings = scan_release_db(staging / "public.db")
    release.scan_db_seconds = time.perf_counter() - scan_started
    findings += scan_release_files(staging, tables, staging / "public.db", workers())
    _refuse_if_found(findings)

    previous = changes_mod.previous_release(releases, info.build_id)
    texts = [changes_mod.CHANGES_FILE, "README.md", "datapackage.json"]
    if previous is not None:
        release.previous = previous.name
        found = changes_mod.compare(previous / "public.db", staging / "public.db", tables)
        delta = changes_mod.delta_name(previous.name, info.build_id)
        changes_mod.write_delta(staging / delta, found)
        findings += scan_delta(staging / delta)
    else:
        found = []
    (staging / changes_mod.CHANGES_FILE).write_text(
        changes_mod.changes_markdown(info.build_id, release.previous, found), encoding="utf-8")
    (staging / "README.md").write_text(readme(info, tables, release.left_out, release.cut_cells, release.counts),
                                       encoding="utf-8")
    package = data_package(info, tables, clock.now())
    (staging / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    for name in texts:
        findings += scan_text_file(staging / name)
    _refuse_if_found(findings)
    release.scan_seconds = time.perf_counter() - scan_started
    write_index(staging, info.build_id, info.as_of, clock.now())
    return release

"""The build: raw files → validated, redacted, windowed `public.db` and `authorized.db`.

Data flows one way: read → validate → redact → publicity rules → load. The build writes
into a staging directory beside the output and moves it into place only after its own
checks passed, so a failed or killed build leaves the previous outputs untouched.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from redaction.scan import scan_database

from .accounting import Ledger
from .clock import build_clock
from .definitions import Dataset, load_definitions, recognise, tables
from .errors import PublishError
from .load import Loader, TableSchema
from .process import (POINTER_RULES, Context, Job, close_table, init_worker, read_spool, run_job,
                      run_job_in_worker)
from .read import FileError, open_tables
from .rules import WITHHELD_REASONS
from .validate import REASONS
FINDINGS_LIMIT = 1000
QUARANTINE_HEADER = ["来源文件", "行号", "原因代码", "原因", "字段", "数据集", "原始数据"]


@dataclass(slots=True)
class _Seen:
    """What the build remembers of one decision (identity) for duplicates and corrections."""
    hashes: tuple[int, ...]
    order: tuple
    where: tuple[str, str, str]
    outcome: str
    table: str | None
    row_id: int | None


@dataclass(slots=True)
class _Pointer:
    """A repair or objection row waiting for the penalty it points at."""
    where: tuple[str, str, str]
    status: str | None
    matched: bool = False


@dataclass
class BuildState:
    ledger: Ledger = field(default_factory=Ledger)
    seen: dict = field(default_factory=dict)
    repairs: dict = field(default_factory=dict)
    objections: dict = field(default_factory=dict)
    latest: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)
    names_by_uscc: dict = field(default_factory=dict)
    usccs_by_name: dict = field(default_factory=dict)
    suspect_fines: list = field(default_factory=list)
    files: list = field(default_factory=list)
    rows_done: int = 0


def build(input_dir: Path | str, out_dir: Path | str, as_of: dt.date | None = None, *,
          datasets_dir: Path | None = None, progress: bool | None = None,
          before_scan: Callable[[Path], None] | None = None, workers: int | None = None,
          state_dir: Path | str | None = None) -> dict:
    """Builds `out_dir` from every file under `input_dir`; returns the build report.
    `state_dir` (default: settings.state_dir) holds what outlives a build."""
    from .outdir import check_out_dir, mark_build_dir
    from .settings import state_dir as resolve_state_dir

    input_dir, out_dir = Path(input_dir), Path(out_dir)
    state_dir = resolve_state_dir(None if state_dir is None else str(state_dir))
    if not input_dir.is_dir():
        raise PublishError("input_missing", f"输入目录不存在：{input_dir}")
    files = sorted(p for p in input_dir.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(input_dir).parts))
    if not files:
        raise PublishError("input_empty", f"输入目录中没有文件：{input_dir}")
    check_out_dir(out_dir, input_dir, state_dir)  # before anything is written (no command destroys data)
    clock = build_clock(as_of)
    as_of = clock.today()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        started = time.monotonic()
        run = _Run(input_dir, staging, as_of, datasets_dir,
                   sys.stderr.isatty() if progress is None else progress,
                   workers or min(2, os.cpu_count() or 1))
        report = run.execute(files)
        del run  # its memory of every decision is not needed by the scan (which forks workers)
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
        mark_build_dir(staging, as_of)
        _swap_into_place(staging, out_dir)
        return report
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Stopwatch:
    """Seconds per build stage, for the report and the benchmark's per-stage profile."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self.last, 3)
        self.last = now


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Moves the finished staging directory to `out_dir` (two renames on one file system)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, old)
    os.rename(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=False)


class _Run:
    """One build's state and steps."""

    def __init__(self, input_dir: Path, staging: Path, as_of: dt.date, datasets_dir: Path | None,
                 progress: bool, workers: int):
        self.input_dir = input_dir
        self.staging = staging
        self.as_of = as_of
        self.datasets_dir = str(datasets_dir) if datasets_dir else None
        self.datasets = load_definitions(datasets_dir)
        self.by_name = {d.name: d for d in self.datasets}
        self.progress = progress
        self.workers = workers
        self.schemas = {name: TableSchema(name, group) for name, group in tables(self.datasets).items()}
        self.state = BuildState()
        self._places: dict[tuple, tuple] = {}
        self.quarantine_file = open(staging / "quarantine.csv", "w", encoding="utf-8-sig", newline="")
        self.quarantine = csv.writer(self.quarantine_file)
        self.quarantine.writerow(QUARANTINE_HEADER)

    # --- planning ------------------------------------------------------------------------
    def _is_header(self, cells: list) -> bool:
        return recognise(cells, self.datasets) is not None

    def _tables(self, path: Path) -> list[tuple[str, Dataset | None, str | None]]:
        """(table label, dataset, error) for each table of a file, reading headers only."""
        label = str(path.relative_to(self.input_dir))
        try:
            found = []
            for table in open_tables(path, label, self._is_header):
                dataset = recognise(table.header, self.datasets) if table.header else None
                error = table.errors[0][2] if table.errors and not table.header else None
                found.append((table.source, dataset, error))
                close_table(table)
            return found
        except FileError as exc:
            return [(label, None, f"[{exc.code}] {exc.message}")]
        except (OSError, UnicodeDecodeError) as exc:
            return [(label, None, f"[unreadable_file] 文件无法读取：{exc}")]

    def execute(self, files: list[Path]) -> dict:
        clock = _Stopwatch()
        jobs: list[Job] = []
        self.entries: dict[str, dict] = {}
        for order, path in enumerate(files):
            for label, dataset, error in self._tables(path):
                entry = {"file": label, "dataset": dataset.name if dataset else None}
                if dataset is None:
                    entry["status"] = "error" if error else "skipped"
                    entry["message"] = error or "表头无法识别为任何数据集，已跳过"
                else:
                    entry["status"] = "read"
                    jobs.append(Job(path, self.input_dir, label, dataset.name, order,
                                    self.staging / f"spool-{len(jobs)}.pickle"))
                self.entries[label] = entry
                self.state.files.append(entry)
        self.loader = Loader(self.staging, self.schemas, build_clock(self.as_of))
        clock.lap("plan")
        # Repairs and objections first: they change how the penalties they point at are published.
        first = [j for j in jobs if self.by_name[j.dataset_name].rule in POINTER_RULES]
        self._run_jobs(first, Context(self.as_of, self.datasets_dir, frozenset(), {}))
        context = Context(self.as_of, self.datasets_dir, frozenset(self.state.repairs),
                          {key: p.status for key, p in self.state.objections.items()})
        self._run_jobs([j for j in jobs if j not in first], context)
        self._settle_pointers()
        for table, ids in self.state.deleted.items():
            self.loader.delete(table, sorted(ids))
        clock.lap("process_and_load")
        self.loader.finish({"as_of": self.as_of.isoformat(),
                            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        clock.lap("indexes_entities_search")
        self.quarantine_file.close()
        if self.progress:
            print(file=sys.stderr)
        report = self._report()
        report["timings"] = clock.laps
        return report

    def _run_jobs(self, jobs: list[Job], context: Context) -> None:
        """Processes tables in worker processes; settles their results in plan order."""
        if not jobs:
            return
        if self.workers > 1 and len(jobs) > 1:
            pool = multiprocessing.get_context("fork").Pool(
                min(self.workers, len(jobs)), initializer=init_worker, initargs=(context,))
            summaries = pool.imap(run_job_in_worker, jobs)
        else:
            pool, summaries = None, (run_job(job, context) for job in jobs)
        try:
            for job, summary in zip(jobs, summaries):
                entry = self.entries[job.label]
                entry.update({k: v for k, v in summary.items() if k != "errors"})
                if summary["errors"]:
                    entry["errors"] = summary["errors"]
                dataset = self.by_name[job.dataset_name]
                for result in read_spool(job.spool):
                    self._settle_result(dataset, job.label, result)
                job.spool.unlink()
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    def _settle_result(self, dataset: Dataset, label: str, result: tuple) -> None:
        state = self.state
        # One shared tuple per (dataset, file, department): a million rows keep few copies.
        key = (dataset.name, label, result[1])
        where = self._places.setdefault(key, key)
        state.ledger.count_read(*where)
        self._tick()
        if result[0] == "q":
            _, _, number, code, field_name, message, original = result
            state.ledger.count(where, f"quarantined.{code}")
            self.quarantine.writerow([label, number, code, message, field_name or "", dataset.name,
                                      json.dumps(original, ensure_ascii=False, default=str)])
            return
        _, _, number, identity, digest, rank, outcome, _end, row, extra = result
        if "uscc_name" in extra:
            self._note_names(*extra["uscc_name"])
        if "suspect_fine" in extra and len(state.suspect_fines) < FINDINGS_LIMIT:
            state.suspect_fines.append({"file": label, "row": number, "fine_wan": extra["suspect_fine"]})
        for key in extra.get("matched", ()):
            for index in (state.repairs, state.objections):
                if key in index:
                    index[key].matched = True
        if "pointer" in extra:
            self._remember_pointer(extra["pointer"], identity, digest, rank, where)
        else:
            self._settle(dataset, identity, digest, rank, outcome, row, extra, where)

    def _tick(self) -> None:
        self.state.rows_done += 1
        if self.progress and self.state.rows_done % 20000 == 0:
            print(f"\r已处理 {self.state.rows_done:,} 行", end="", file=sys.stderr, flush=True)

    # --- duplicates, corrections, latest grade, load ----------------------------------------
    def _settle(self, dataset: Dataset, identity: tuple, digest: int, rank: tuple, outcome: str,
                row: tuple | None, extra: dict, where) -> None:
        state = self.state
        previous: _Seen | None = state.seen.get(identity)
        if previous is not None:
            if self._counted_as_duplicate(previous, digest, rank, where):
                return
            state.ledger.move(previous.where, previous.outcome, "duplicates.superseded")
            self._unload(previous)
        if outcome.startswith("published.") and "latest" in extra:
            outcome = self._latest_per_subject(identity, *extra["latest"], outcome)
        table, row_id = None, None
        if outcome.startswith("published."):
            table = dataset.table
            row_id = self.loader.add_row(table, row)
        state.ledger.count(where, outcome)
        hashes = previous.hashes + (digest,) if previous else (digest,)
        state.seen[identity] = _Seen(hashes, rank, where, outcome, table, row_id)

    def _counted_as_duplicate(self, previous: _Seen, digest: int, rank: tuple, where) -> bool:
        """True (and counted) when this row repeats an earlier one exactly, or is an older
        version of a decision a newer row already stands for."""
        if digest in previous.hashes:
            self.state.ledger.count(where, "duplicates.exact")
            return True
        if rank < previous.order:
            self.state.ledger.count(where, "duplicates.superseded")
            previous.hashes += (digest,)
            return True
        return False

    def _latest_per_subject(self, identity: tuple, subject: str, when: str, outcome: str) -> str:
        """Public evaluations show the latest grade per subject (DOMAIN.md)."""
        current = self.state.latest.get(subject)
        if current is not None and current[1] != identity:
            if when <= current[0]:
                return "withheld.not_latest"
            older = self.state.seen.get(current[1])
            if older is not None and older.outcome.startswith("published."):
                self.state.ledger.move(older.where, older.outcome, "withheld.not_latest")
                self._unload(older)
                older.outcome = "withheld.not_latest"
        self.state.latest[subject] = (when, identity)
        return outcome

    def _unload(self, seen: _Seen) -> None:
        if seen.row_id is not None:
            self.state.deleted.setdefault(seen.table, set()).add(seen.row_id)
            seen.row_id, seen.table = None, None

    # --- repairs and objections ----------------------------------------------------------
    def _remember_pointer(self, pointer: tuple, identity: tuple, digest: int, rank: tuple, where) -> None:
        rule, key, status = pointer
        index = self.state.repairs if rule == "repair" else self.state.objections
        previous = self.state.seen.get(identity)
        if previous is not None:
            if self._counted_as_duplicate(previous, digest, rank, where):
                return
            # The older row is counted now; the newer one waits for its penalty.
            self.state.ledger.count(previous.where, "duplicates.superseded")
            index[key].where, index[key].status = where, status
            self.state.seen[identity] = _Seen(previous.hashes + (digest,), rank, where, "", None, None)
            return
        index[key] = _Pointer(where, status)
        self.state.seen[identity] = _Seen((digest,), rank, where, "", None, None)

    def _settle_pointers(self) -> None:
        """Counts each repair and objection: applied to a penalty of this build, or not."""
        for index in (self.state.repairs, self.state.objections):
            for pointer in index.values():
                outcome = "published.public" if pointer.matched else "withheld.no_matching_record"
                self.state.ledger.count(pointer.where, outcome)

    # --- bookkeeping ---------------------------------------------------------------------
    def _note_names(self, uscc: str, name: str) -> None:
        names = self.state.names_by_uscc.setdefault(uscc, set())
        if len(names) < 5:
            names.add(name)
        usccs = self.state.usccs_by_name.setdefault(name, set())
        if len(usccs) < 5:
            usccs.add(uscc)

    def _report(self) -> dict:
        ledger = self.state.ledger
        several_names = {u: sorted(n) for u, n in self.state.names_by_uscc.items() if len(n) > 1}
        several_usccs = {n: sorted(u) for n, u in self.state.usccs_by_name.items() if len(u) > 1}
        report = {
            "as_of": self.as_of.isoformat(),
            "balanced": ledger.balanced(),
            **ledger.report(),
            "sources": self.state.files,
            "findings": {
                "uscc_with_several_names": {"count": len(several_names),
                                            "items": dict(list(several_names.items())[:FINDINGS_LIMIT])},
                "name_with_several_usccs": {"count": len(several_usccs),
                                            "items": dict(list(several_usccs.items())[:FINDINGS_LIMIT])},
                "suspect_fine_unit": {"count": len(self.state.suspect_fines),
                                      "note": "罚款金额（万元）大于 10000，疑似以元填报，已按元计算",
                                      "items": self.state.suspect_fines},
            },
            "reasons": {"quarantined": REASONS, "withheld": WITHHELD_REASONS},
        }
        report["totals"] = {key: sum(block["read"] for block in report["datasets"].values())
                            for key in ("read",)}
        return report

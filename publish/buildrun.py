"""One build's steps, in order: plan the source tables, process them in worker processes
(repairs and objections first: they change how the records they point at are published),
settle each row in plan order, load, finish the databases, and say what happened.

The pieces live elsewhere: per-row processing in process.py, settling in settle.py, loading
in load.py, counting in accounting.py, the report's findings in findings.py.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import multiprocessing
import sys
import time
from collections.abc import Iterator
from multiprocessing.pool import Pool
from pathlib import Path

from .accounting import UNKNOWN_DEPARTMENT, Ledger
from .clock import build_clock
from .definitions import Dataset, Tier, load_definitions, recognise
from .errors import PublishError
from .findings import Findings
from .kinds import POINTER_RULES, kinds_by_table
from .load import Loader
from .outcomes import Pointer, Quarantined
from .process import Context, Job, close_table, init_worker, read_spool, run_job, run_job_in_worker
from .read import FileError, open_tables
from .rules import WITHHELD_REASONS
from .settle import Settler, Where
from .validate import REASONS

QUARANTINE_HEADER = ["来源文件", "行号", "原因代码", "原因", "字段", "数据集", "原始数据"]
log = logging.getLogger("publish.build")


class Stopwatch:
    """Seconds per build stage, for the report and the benchmark's per-stage profile."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self.last, 3)
        self.last = now
        log.info("阶段完成 (stage) %s：%.1f 秒", name, self.laps[name])


class _LedgerAndLoader:
    """The settling step's sink: counts go to the ledger, rows to the loader; unloaded rows
    are deleted at the end, in one pass per table."""

    def __init__(self, ledger: Ledger, loader: Loader) -> None:
        self.ledger = ledger
        self.loader = loader
        self.deleted: dict[tuple[str, Tier], set[int]] = {}

    def count(self, where: Where, outcome: str) -> None:
        self.ledger.count(where, outcome)

    def move(self, where: Where, old: str, new: str) -> None:
        self.ledger.move(where, old, new)

    def load(self, table: str, tier: Tier, row: tuple) -> int:
        return self.loader.add_row(table, tier, row)

    def unload(self, table: str, tier: Tier, row_id: int) -> None:
        self.deleted.setdefault((table, tier), set()).add(row_id)

    def apply_deletions(self) -> None:
        for (table, tier), ids in self.deleted.items():
            self.loader.delete(table, tier, sorted(ids))


class BuildRun:
    """One build's state and steps, writing into `staging`."""

    def __init__(self, input_dir: Path, staging: Path, as_of: dt.date, datasets_dir: Path | None,
                 secret: bytes, progress: bool, workers: int, build_id: str = ""):
        self.input_dir = input_dir
        self.staging = staging
        self.as_of = as_of
        self.secret = secret
        self.build_id = build_id
        self.datasets_dir = str(datasets_dir) if datasets_dir else None
        self.datasets = load_definitions(datasets_dir)
        self.by_name = {d.name: d for d in self.datasets}
        self.kinds = kinds_by_table(self.datasets_dir)
        self.progress = progress
        self.workers = workers
        self.ledger = Ledger()
        self.findings = Findings()
        self.files: list[dict] = []
        self.deliveries: list[dict] = []   # per table, department and authority (load.py's `deliveries`)
        self.entries: dict[str, dict] = {}
        self.rows_done = 0
        self._places: dict[Where, Where] = {}

    # --- planning ------------------------------------------------------------------------------
    def _is_header(self, cells: list) -> bool:
        return recognise(cells, self.datasets) is not None

    def _tables(self, path: Path) -> list[tuple[str, Dataset | None, tuple[str, str] | None]]:
        """(table label, dataset, (code, message) of the error) for each table of a file,
        reading headers only."""
        label = str(path.relative_to(self.input_dir))
        try:
            found = []
            for table in open_tables(path, label, self._is_header):
                dataset = recognise(table.header, self.datasets) if table.header else None
                error = table.errors[0][1:] if table.errors and not table.header else None
                found.append((table.source, dataset, error))
                close_table(table)
            return found
        except FileError as exc:
            return [(label, None, (exc.code, exc.message))]
        except (OSError, UnicodeDecodeError) as exc:
            return [(label, None, ("unreadable_file", f"文件无法读取：{exc}"))]

    def plan(self, files: list[Path]) -> list[Job]:
        jobs: list[Job] = []
        for order, path in enumerate(files):
            for label, dataset, error in self._tables(path):
                entry: dict = {"file": label, "dataset": dataset.name if dataset else None}
                if dataset is None:
                    entry["status"] = "error" if error else "skipped"
                    if error:
                        entry["code"] = error[0]
                    entry["message"] = f"[{error[0]}] {error[1]}" if error else "表头无法识别为任何数据集，已跳过"
                    log.warning("文件未读取 (file skipped) %s：%s", label, entry["message"])
                else:
                    entry["status"] = "read"
                    jobs.append(Job(path, self.input_dir, label, dataset.name, order,
                                    self.staging / f"spool-{len(jobs)}.pickle"))
                self.entries[label] = entry
                self.files.append(entry)
        if not jobs:
            listed = "；".join(f"{e['file']}（{e['message']}）" for e in self.files[:50])
            raise PublishError("nothing_recognised",
                               f"输入目录中没有可识别的数据文件，未构建：{listed}")
        return jobs

    # --- the run -------------------------------------------------------------------------------
    def execute(self, files: list[Path]) -> dict:
        clock = Stopwatch()
        jobs = self.plan(files)
        loader = Loader(self.staging, self.kinds, build_clock(self.as_of))
        sink = _LedgerAndLoader(self.ledger, loader)
        settler = Settler(sink)
        clock.lap("plan")
        with open(self.staging / "quarantine.csv", "w", encoding="utf-8-sig", newline="") as fh:
            quarantine = csv.writer(fh)
            quarantine.writerow(QUARANTINE_HEADER)
            first = [j for j in jobs if self.by_name[j.dataset_name].rule in POINTER_RULES]
            self._run_jobs(first, Context(self.as_of, self.datasets_dir, self.secret, frozenset(), {}),
                           settler, quarantine)
            context = Context(self.as_of, self.datasets_dir, self.secret, settler.repaired(),
                              settler.objection_statuses())
            self._run_jobs([j for j in jobs if j not in first], context, settler, quarantine)
        settler.finish()
        sink.apply_deletions()
        clock.lap("process_and_load")
        del settler  # its memory of every decision is not needed any more
        loader.finish({"build_id": self.build_id, "as_of": self.as_of.isoformat(),
                       "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
                      self.deliveries)
        clock.lap("indexes_entities_search")
        if self.progress:
            print(file=sys.stderr)
        report = self.report()
        report["timings"] = clock.laps
        return report

    def _run_jobs(self, jobs: list[Job], context: Context, settler: Settler, quarantine) -> None:
        """Processes tables in worker processes; settles their results in plan order."""
        if not jobs:
            return
        pool: Pool | None = None
        summaries: Iterator[dict]
        if self.workers > 1 and len(jobs) > 1:
            pool = multiprocessing.get_context("fork").Pool(
                min(self.workers, len(jobs)), initializer=init_worker, initargs=(context,))
            summaries = pool.imap(run_job_in_worker, jobs)
        else:
            summaries = (run_job(job, context) for job in jobs)
        try:
            for job, summary in zip(jobs, summaries, strict=True):
                entry = self.entries[job.label]
                delivered = summary.pop("deliveries", [])
                entry.update({k: v for k, v in summary.items() if k != "errors"})
                if summary["errors"]:
                    entry["errors"] = summary["errors"]
                dataset = self.by_name[job.dataset_name]
                self._note_deliveries(dataset, job.label, delivered, bool(summary["errors"]))
                for result in read_spool(job.spool):
                    self._settle(dataset, job.label, result, settler, quarantine)
                job.spool.unlink()
                log.info("文件已处理 (file done) %s：%s", job.label, dataset.name)
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    def _note_deliveries(self, dataset: Dataset, label: str, delivered: list[list], failed: bool) -> None:
        """What a table delivered, per department and deciding authority. A table recognised as
        its dataset that holds no row is a nil return (零报告): delivered, 0 rows, under 未注明
        (the report attributes it by its file's path). One that failed before any row is not."""
        if not dataset.table:
            return  # repairs and objections point at records; they are no kind's delivery
        if not delivered:
            if failed:
                return
            delivered = [[UNKNOWN_DEPARTMENT, None, 0, None]]
        for department, authority, count, newest in delivered:
            self.deliveries.append({"kind": dataset.table, "dataset": dataset.name, "file": label,
                                    "department": department, "authority": authority,
                                    "rows": count, "newest_update": newest})

    def _settle(self, dataset: Dataset, label: str, result, settler: Settler, quarantine) -> None:
        # One shared tuple per (dataset, file, department): a million rows keep few copies.
        key = (dataset.name, label, result.department)
        where = self._places.setdefault(key, key)
        self.ledger.count_read(*where)
        self._tick()
        if isinstance(result, Quarantined):
            self.ledger.count(where, f"quarantined.{result.code}")
            quarantine.writerow([label, result.number, result.code, result.message, result.field or "",
                                 dataset.name, json.dumps(result.original, ensure_ascii=False, default=str)])
            return
        if isinstance(result, Pointer):
            settler.pointer(where, result)
            return
        if result.subject is not None:
            self.findings.note_names(*result.subject)
        if result.suspect_fine is not None:
            self.findings.note_suspect_fine(label, result.number, result.suspect_fine)
        settler.record(dataset.table or "", where, result)

    def _tick(self) -> None:
        self.rows_done += 1
        if self.progress and self.rows_done % 20000 == 0:
            print(f"\r已处理 {self.rows_done:,} 行", end="", file=sys.stderr, flush=True)

    def report(self) -> dict:
        ledger = self.ledger
        report = {
            "build_id": self.build_id,
            "as_of": self.as_of.isoformat(),
            "balanced": ledger.balanced(),
            **ledger.report(),
            "sources": self.files,
            "findings": self.findings.report(),
            "reasons": {"quarantined": REASONS, "withheld": WITHHELD_REASONS},
        }
        report["totals"] = {"read": sum(block["read"] for block in report["datasets"].values())}
        report["files_failed"] = files_failed(self.files)
        report["findings"].update(row_findings(self.files))
        return report


def files_failed(files: list[dict]) -> dict:
    """Files (or sheets) whose records could not all be counted: a broken container, or a
    read that stopped part-way (its rows up to there are counted under the file)."""
    items = [{"file": e["file"], "code": e.get("code"), "message": e["message"]}
             for e in files if e["status"] == "error"]
    items += [{"file": e["file"], "code": err["code"], "message": err["message"]}
              for e in files if e["status"] == "read" for err in e.get("errors", ())]
    return {"count": len(items), "items": items}


def row_findings(files: list[dict]) -> dict:
    """The per-row findings the workers reported (e.g. unreadable_repair_date), over all files:
    counts in full per department and field, a sample of the rows with their file."""
    merged: dict[str, dict] = {}
    for entry in files:
        for kind, finding in entry.get("findings", {}).items():
            into = merged.setdefault(kind, {"count": 0, "by_department": {}, "items": []})
            into["count"] += finding["count"]
            for department, by_field in finding["by_department"].items():
                counts = into["by_department"].setdefault(department, {})
                for field, n in by_field.items():
                    counts[field] = counts.get(field, 0) + n
            into["items"] += [{"file": entry["file"], **item} for item in finding["items"]]
    return merged

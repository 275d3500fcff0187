"""The build: raw files → validated, redacted, windowed `public.db` and `authorized.db`.

Data flows one way: read → validate → redact → publicity rules → load. The build writes
into a staging directory beside the output and moves it into place only after its own
checks passed, so a failed or killed build leaves the previous outputs untouched.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from redaction.check import check_record
from redaction.policy import looks_like_person_name, redact_record
from redaction.scan import scan_database

from .accounting import UNKNOWN_DEPARTMENT, Ledger
from .dates import today_in_shanghai
from .definitions import Dataset, load_definitions, normalise_header, recognise, tables
from .errors import PublishError
from .load import Loader, TableSchema
from .read import FileError, JsonLineError, SourceTable, open_tables
from .rules import (WITHHELD_REASONS, Publish, Withhold, decide, fine_in_wan, grade_penalty,
                    load_severity_config)
from .validate import REASONS, Rejection, RowValidator, normalise_decision_no, normalise_name

# Repairs and objections are read first: they change how the penalties they point at are published.
FIRST_RULES = ("repair", "objection")
FINDINGS_LIMIT = 1000
QUARANTINE_HEADER = ["来源文件", "行号", "原因代码", "原因", "字段", "数据集", "原始数据"]


@dataclass
class _Seen:
    """What the build remembers of one decision (identity) for duplicates and corrections."""
    hashes: tuple[int, ...]
    order: tuple
    where: tuple[str, str, str]
    outcome: str
    table: str | None
    row_id: int | None


@dataclass
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
          before_scan: Callable[[Path], None] | None = None) -> dict:
    """Builds `out_dir` from every file under `input_dir`; returns the build report."""
    input_dir, out_dir = Path(input_dir), Path(out_dir)
    if not input_dir.is_dir():
        raise PublishError("input_missing", f"输入目录不存在：{input_dir}")
    files = sorted(p for p in input_dir.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(input_dir).parts))
    if not files:
        raise PublishError("input_empty", f"输入目录中没有文件：{input_dir}")
    as_of = as_of or today_in_shanghai()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        started = time.monotonic()
        run = _Run(input_dir, staging, as_of, load_definitions(datasets_dir),
                   sys.stderr.isatty() if progress is None else progress)
        report = run.execute(files)
        if before_scan:
            before_scan(staging)
        findings = [f for name in ("public.db", "authorized.db") for f in scan_database(staging / name)]
        if findings:
            listed = "; ".join(f"{f.table}.{f.column} 第{f.rowid}行 {f.kind} {f.excerpt}" for f in findings[:20])
            raise PublishError("scan_failed",
                               f"发布前扫描发现 {len(findings)} 处个人信息，已中止发布，原有输出未改动：{listed}")
        report["seconds"] = round(time.monotonic() - started, 3)
        _write_json(staging / "build-report.json", report)
        _swap_into_place(staging, out_dir)
        return report
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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

    def __init__(self, input_dir: Path, staging: Path, as_of: dt.date,
                 datasets: tuple[Dataset, ...], progress: bool):
        self.input_dir = input_dir
        self.staging = staging
        self.as_of = as_of
        self.datasets = datasets
        self.progress = progress
        self.config = load_severity_config()
        self.schemas = {name: TableSchema(name, group) for name, group in tables(datasets).items()}
        self.state = BuildState()
        self.quarantine_file = open(staging / "quarantine.csv", "w", encoding="utf-8-sig", newline="")
        self.quarantine = csv.writer(self.quarantine_file)
        self.quarantine.writerow(QUARANTINE_HEADER)

    # --- reading -------------------------------------------------------------------------
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
                _close(table)
            return found
        except FileError as exc:
            return [(label, None, f"[{exc.code}] {exc.message}")]
        except (OSError, UnicodeDecodeError) as exc:
            return [(label, None, f"[unreadable_file] 文件无法读取：{exc}")]

    def execute(self, files: list[Path]) -> dict:
        plan = []  # (path, file order, label, dataset)
        for order, path in enumerate(files):
            for label, dataset, error in self._tables(path):
                entry = {"file": label, "dataset": dataset.name if dataset else None}
                if dataset is None:
                    entry["status"] = "error" if error else "skipped"
                    entry["message"] = error or "表头无法识别为任何数据集，已跳过"
                else:
                    entry["status"] = "read"
                    plan.append((path, order, label, dataset))
                self.state.files.append(entry)
        self.loader = Loader(self.staging, self.schemas)
        for phase in (True, False):
            for path, order, label, dataset in plan:
                if (dataset.rule in FIRST_RULES) == phase:
                    self._process_file_table(path, order, label, dataset)
        self._settle_pointers()
        for table, ids in self.state.deleted.items():
            self.loader.delete(table, sorted(ids))
        self.loader.finish({"as_of": self.as_of.isoformat(),
                            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        self.quarantine_file.close()
        if self.progress:
            print(file=sys.stderr)
        return self._report()

    def _process_file_table(self, path: Path, order: int, label: str, dataset: Dataset) -> None:
        entry = next(e for e in self.state.files if e["file"] == label)
        try:
            for table in open_tables(path, str(path.relative_to(self.input_dir)), self._is_header):
                if table.source != label:
                    _close(table)
                    continue
                self._process_table(table, dataset, order, entry)
                if table.errors:
                    entry["errors"] = [{"row": r, "code": c, "message": m} for r, c, m in table.errors]
        except FileError as exc:
            entry["errors"] = [{"row": None, "code": exc.code, "message": exc.message}]

    def _process_table(self, table: SourceTable, dataset: Dataset, order: int, entry: dict) -> None:
        mapping = dataset.match_header(table.header)
        entry["header_row"] = table.header_row
        entry["unknown_columns"] = [str(h) for i, h in enumerate(table.header)
                                    if i not in mapping and h not in (None, "")]
        validator = RowValidator(dataset, mapping, self.as_of)
        by_field = {name: index for index, name in mapping.items()}
        dept_columns = [by_field[n] for n in ("source_dept", "authority", "repair_authority",
                                              "handling_unit") if n in by_field]
        width = len(table.header)
        header = [str(h) if h is not None else "" for h in table.header]
        for number, cells in table.rows:
            department = _department(cells, dept_columns)
            where = (dataset.name, table.source, department)
            self.state.ledger.count_read(*where)
            self._tick()
            if isinstance(cells, JsonLineError):
                self._quarantine(where, number, "malformed_json", None,
                                 f"{REASONS['malformed_json']}：{cells.reason}", {"原始行": cells.raw})
                continue
            if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
                self._quarantine(where, number, "malformed_row", None,
                                 f"{REASONS['malformed_row']}（{len(cells)} 列，表头 {width} 列）",
                                 _original(header, cells))
                continue
            values = validator.validate(cells)
            if isinstance(values, Rejection):
                self._quarantine(where, number, values.code, values.field, values.message,
                                 _original(header, cells))
                continue
            self._accept(dataset, values, where, order, number, header, cells)

    def _tick(self) -> None:
        self.state.rows_done += 1
        if self.progress and self.state.rows_done % 20000 == 0:
            print(f"\r已处理 {self.state.rows_done:,} 行", end="", file=sys.stderr, flush=True)

    # --- one valid row -------------------------------------------------------------------
    def _accept(self, dataset: Dataset, values: dict, where, order: int, number: int,
                header: list, cells: list) -> None:
        is_person = _subject_is_person(dataset, values)
        uscc, name = values.get("uscc"), values["subject_name"]
        subject_key = uscc or "名称:" + normalise_name(name)
        if uscc and not is_person:
            self._note_names(uscc, name)
        if dataset.rule in FIRST_RULES:
            self._remember_pointer(dataset, values, subject_key, where, order, number)
            return
        redacted = redact_record(values, dataset.roles, is_person)
        problems = check_record(redacted.values, dataset.roles, redacted.personal_values,
                                redacted.secrets, is_person)
        if problems:
            first = problems[0]
            label = dataset.field(first.field).header if dataset.field(first.field) else first.field
            self._quarantine(where, number, "personal_data_in_output", first.field,
                             f"{REASONS['personal_data_in_output']}：“{label}”{first.message}（{first.code}）",
                             _original(header, cells))
            return
        record = redacted.values
        record["dataset"] = dataset.name
        record["subject_is_person"] = int(is_person)
        record["source_file"] = where[1]
        penalty_state = {}
        if dataset.rule == "penalty":
            record["severity"] = grade_penalty(record, self.config)
            _, suspect = fine_in_wan(record, self.config)
            if suspect and len(self.state.suspect_fines) < FINDINGS_LIMIT:
                self.state.suspect_fines.append({"file": where[1], "row": number,
                                                 "fine_wan": values.get("fine_wan")})
            key = (normalise_decision_no(values["decision_no"]), subject_key)
            repair, objection = self.state.repairs.get(key), self.state.objections.get(key)
            for pointer in (repair, objection):
                if pointer is not None:
                    pointer.matched = True
            status = objection.status if objection else None
            record["objection_status"] = "处理中" if status == "处理中" else None
            penalty_state = {"repaired": repair is not None, "objection": status}
        decision = decide(dataset.rule, dataset.tier, record, self.as_of, self.config, **penalty_state)
        identity = (dataset.table, *(_identity_part(k, values, subject_key) for k in dataset.identity))
        self._settle(dataset, identity, values, record, decision, where, order, number)

    def _settle(self, dataset: Dataset, identity: tuple, values: dict, record: dict,
                decision: Publish | Withhold, where, order: int, number: int) -> None:
        """Duplicates, corrections and 'latest per subject', then the load."""
        state = self.state
        digest = _content_hash(values)
        newest = tuple(values.get(k) or "" for k in dataset.newest_by)
        rank = (newest, order, number)
        previous: _Seen | None = state.seen.get(identity)
        if previous is not None:
            if digest in previous.hashes:
                state.ledger.count(where, "duplicates.exact")
                return
            if rank < previous.order:
                state.ledger.count(where, "duplicates.superseded")
                previous.hashes += (digest,)
                return
            state.ledger.move(previous.where, previous.outcome, "duplicates.superseded")
            self._unload(previous)
        if isinstance(decision, Publish) and dataset.rule == "latest_per_subject":
            decision = self._latest_per_subject(identity, values, decision)
        if isinstance(decision, Publish):
            table = dataset.table
            row_id = self.loader.add(table, {**record, "publicity_end": decision.publicity_end})
            outcome = f"published.{decision.tier}"
        else:
            table, row_id, outcome = None, None, f"withheld.{decision.reason}"
        state.ledger.count(where, outcome)
        hashes = previous.hashes + (digest,) if previous else (digest,)
        state.seen[identity] = _Seen(hashes, rank, where, outcome, table, row_id)

    def _latest_per_subject(self, identity: tuple, values: dict, decision: Publish) -> Publish | Withhold:
        """Public evaluations show the latest grade per subject (DOMAIN.md)."""
        subject = identity[1]
        when = values.get("evaluated_date") or ""
        current = self.state.latest.get(subject)
        if current is not None and current[1] != identity:
            if when <= current[0]:
                return Withhold("not_latest")
            older = self.state.seen.get(current[1])
            if older is not None and older.outcome.startswith("published."):
                self.state.ledger.move(older.where, older.outcome, "withheld.not_latest")
                self._unload(older)
                older.outcome = "withheld.not_latest"
        self.state.latest[subject] = (when, identity)
        return decision

    def _unload(self, seen: _Seen) -> None:
        if seen.row_id is not None:
            self.state.deleted.setdefault(seen.table, set()).add(seen.row_id)
            seen.row_id, seen.table = None, None

    # --- repairs and objections ----------------------------------------------------------
    def _remember_pointer(self, dataset: Dataset, values: dict, subject_key: str, where,
                          order: int, number: int) -> None:
        key = (normalise_decision_no(values["decision_no"]), subject_key)
        index = self.state.repairs if dataset.rule == "repair" else self.state.objections
        identity = (dataset.name, *key)
        digest = _content_hash(values)
        rank = (tuple(values.get(k) or "" for k in dataset.newest_by), order, number)
        previous = self.state.seen.get(identity)
        if previous is not None:
            if digest in previous.hashes:
                self.state.ledger.count(where, "duplicates.exact")
                return
            if rank < previous.order:
                self.state.ledger.count(where, "duplicates.superseded")
                previous.hashes += (digest,)
                return
            self.state.ledger.count(previous.where, "duplicates.superseded")
            index[key].where = where  # the older row is counted; the newer one waits
            index[key].status = values.get("objection_status")
            self.state.seen[identity] = _Seen(previous.hashes + (digest,), rank, where, "", None, None)
            return
        index[key] = _Pointer(where, values.get("objection_status"))
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

    def _quarantine(self, where, number: int, code: str, field_name: str | None, message: str,
                    original: dict) -> None:
        self.state.ledger.count(where, f"quarantined.{code}")
        self.quarantine.writerow([where[1], number, code, message, field_name or "", where[0],
                                  json.dumps(original, ensure_ascii=False, default=str)])

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


def _close(table: SourceTable) -> None:
    close = getattr(table.rows, "close", None)
    if close:
        close()


def _department(cells: list, columns: list[int]) -> str:
    """数据来源单位, else the deciding authority, else 未注明 (CONTRACT.md)."""
    for index in columns:
        if index < len(cells):
            value = cells[index]
            if value not in (None, "") and str(value).strip():
                return str(value).strip()
    return UNKNOWN_DEPARTMENT


def _original(header: list[str], cells: list) -> dict:
    original = {}
    for i, value in enumerate(cells):
        key = header[i] if i < len(header) and header[i] else f"第{i + 1}列"
        original[key] = value
    return original


def _identity_part(key: str, values: dict, subject_key: str) -> object:
    if key == "subject_key":
        return subject_key
    value = values.get(key)
    if key == "decision_no" and value:
        return normalise_decision_no(value)
    return value


def _content_hash(values: dict) -> int:
    """Identity of a submission's content; 数据更新时间戳 does not make a row different."""
    return hash(tuple((k, v) for k, v in values.items() if k != "updated_at"))


def _subject_is_person(dataset: Dataset, values: dict) -> bool:
    """A natural person: 自然人 class, a subject name that is only a person's name, or (2016
    layout, no class column) an ID number without a USCC (DOMAIN.md)."""
    subject_class = values.get("subject_class")
    if subject_class == "自然人":
        return True
    uscc = values.get("uscc")
    # Registered organisations' names are public; a 个体工商户 (92…) or a subject without a
    # USCC whose name is only a person's name is a natural person.
    if (not uscc or uscc.startswith("92")) and looks_like_person_name(values["subject_name"]):
        return True
    if not uscc and values.get("id_number") and (
            dataset.person_when_id_without_uscc or subject_class is None):
        return True
    return False

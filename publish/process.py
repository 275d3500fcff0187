"""Per-row processing, the part of the build that needs no shared state: validate → redact →
check → grade → decide. It runs in worker processes, one source table per job; each job
spools its results to a file in the staging directory, and the main process settles them
(duplicates, corrections, accounting, load) in a fixed order, so the output does not depend
on which worker finished first.
"""
from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from redaction.check import check_record
from redaction.policy import looks_like_person_name, redact_record

from .accounting import UNKNOWN_DEPARTMENT
from .definitions import BUSINESS_ADDRESS, Dataset, load_definitions, recognise
from .kinds import POINTER_RULES, kinds_by_table
from .outcomes import Pointer, Quarantined, Record, RowOutcome
from .read import BadRecord, FileError, SourceTable, open_tables
from .read.tables import shorten
from .recordkeys import published_digest, raw_digest, record_key
from .resources import data_file
from .rules import (
    Publish,
    ambiguous_category,
    decide,
    fine_in_wan,
    grade_penalty,
    load_severity_config,
    narrow_to_scope,
)
from .settings import MAX_CELL_CHARS
from .validate import (
    REASONS,
    Note,
    Rejection,
    RowValidator,
    duplicated_headers,
    normalise_decision_no,
    normalise_name,
    oversized_cell,
)

SPOOL_CHUNK = 2000
# Where a row's department is read, in order: 数据来源单位, else the deciding authority (CONTRACT.md).
DEPARTMENT_FIELDS = ("source_dept", "authority", "repair_authority", "handling_unit")
FINDINGS_LISTED = 1000   # rows listed per finding kind and file (all are counted)


@dataclass(frozen=True)
class Job:
    """One source table to process."""
    path: Path
    input_dir: Path
    label: str
    dataset_name: str
    order: int
    spool: Path


@dataclass(frozen=True)
class Context:
    """What every job of a build shares: the as-of day, definitions, the record-key secret
    and the pointers read first."""
    as_of: dt.date
    datasets_dir: str | None
    secret: bytes
    repairs: frozenset
    objections: dict


def subject_is_person(dataset: Dataset, values: dict) -> bool:
    """A natural person: 自然人 class, a 个体工商户 (92…) or code-less subject whose name is only
    a person's name, or (2016 layout, no class column) an ID number without a USCC (DOMAIN.md)."""
    subject_class = values.get("subject_class")
    if subject_class == "自然人":
        return True
    uscc = values.get("uscc")
    if (not uscc or uscc.startswith("92")) and looks_like_person_name(values["subject_name"]):
        return True
    if not uscc and values.get("id_number") and (
            dataset.person_when_id_without_uscc or subject_class is None):
        return True
    return False


def pointer_key(values: dict, subject_key: str) -> tuple[str, str]:
    """How repairs and objections find their penalty: normalised decision number and subject."""
    return normalise_decision_no(values["decision_no"]), subject_key


class TableProcessor:
    def __init__(self, dataset: Dataset, header: list, context: Context, source: str, order: int):
        self.dataset = dataset
        self.order = order
        self.context = context
        self.source = source
        self.config = load_severity_config()
        # The redaction roles for an organisation's record and for a natural person's (the
        # dataset's roles, with business_address resolved): stable objects, redaction
        # remembers its plan per roles mapping.
        self.roles_by_person = {person: {name: BUSINESS_ADDRESS[person] if role == "business_address" else role
                                         for name, role in dataset.roles.items()}
                                for person in (False, True)}
        mapping = dataset.match_header(header)
        self.mapping = mapping
        self.validator = RowValidator(dataset, mapping, context.as_of)
        by_field = {name: index for index, name in mapping.items()}
        # (alias column, the column read for its field): e.g. 企业名称 beside 行政相对人名称.
        self.shadowed = [(index, by_field[name]) for index, name in dataset.shadowed(header, mapping).items()]
        self.department_columns = [by_field[n] for n in DEPARTMENT_FIELDS if n in by_field]
        self.width = len(header)
        self.header = [str(h) if h is not None else "" for h in header]
        self.kind = kinds_by_table(context.datasets_dir).get(dataset.table) if dataset.table else None
        self.duplicates = duplicated_headers(header, mapping)
        self.findings: dict[str, dict] = {}   # kind → {"count", "items"}: per row, for the report
        self.placeholders: dict[str, dict[str, int]] = {}   # department → field → cells read as empty
        # What this table delivered, for the build's `deliveries` table: (department, deciding
        # authority) → [rows, newest 数据更新时间戳], both read from the redacted record; a row
        # not loaded (quarantined) counts under (未注明, None).
        self.delivered: dict[tuple[str, str | None], list] = {}
        self._delivery: tuple[str, str | None, str | None] = (UNKNOWN_DEPARTMENT, None, None)

    def department(self, cells: list) -> str:
        """数据来源单位, else the deciding authority, else 未注明 (CONTRACT.md)."""
        for index in self.department_columns:
            if index < len(cells):
                value = cells[index]
                if value not in (None, "") and str(value).strip():
                    return str(value).strip()
        return UNKNOWN_DEPARTMENT

    def original(self, cells: list) -> dict:
        """The row as the quarantine keeps it: every cell under its header (a repeated
        header with its column number), an over-long cell cut to the cap."""
        header = self.header
        shown: dict = {}
        for i, value in enumerate(cells):
            name = header[i] if i < len(header) and header[i] else f"第{i + 1}列"
            if name in shown:
                name = f"{name}（第{i + 1}列）"
            shown[name] = shorten(value) if type(value) is str else value
        return shown

    def process(self, number: int, cells: list) -> RowOutcome:
        outcome = self._process(number, cells)
        if type(outcome) is not Pointer:
            department, authority, updated = (self._delivery if type(outcome) is Record
                                              else (UNKNOWN_DEPARTMENT, None, None))
            entry = self.delivered.get((department, authority))
            if entry is None:
                self.delivered[(department, authority)] = [1, updated]
            else:
                entry[0] += 1
                if updated is not None and (entry[1] is None or updated > entry[1]):
                    entry[1] = updated
        return outcome

    def deliveries(self) -> list[list]:
        """[department, authority, rows, newest update] of this table, sorted."""
        return sorted(([d, a, n, u] for (d, a), (n, u) in self.delivered.items()),
                      key=lambda e: (e[0], e[1] or ""))

    def _process(self, number: int, cells: list) -> RowOutcome:
        if isinstance(cells, BadRecord):
            return Quarantined(UNKNOWN_DEPARTMENT, number, cells.code, None,
                               f"{REASONS[cells.code]}：{cells.message}", {"原始行": cells.raw})
        department = self.department(cells)
        if self.duplicates:
            listed = "；".join(f"“{name}”在第 {'、'.join(map(str, columns))} 列"
                              for name, columns in self.duplicates.items())
            return Quarantined(department, number, "duplicate_header", None,
                               f"{REASONS['duplicate_header']}：{listed}", self.original(cells))
        if len(cells) > self.width and any(c not in (None, "") for c in cells[self.width:]):
            return Quarantined(department, number, "malformed_row", None,
                               f"{REASONS['malformed_row']}（{len(cells)} 列，表头 {self.width} 列）",
                               self.original(cells))
        too_long = oversized_cell(cells, MAX_CELL_CHARS)
        if too_long is not None:
            column = self.header[too_long] if too_long < len(self.header) else f"第{too_long + 1}列"
            return Quarantined(department, number, "oversized_field", self.mapping.get(too_long),
                               f"{REASONS['oversized_field']}：“{column}”长 {len(cells[too_long])} 字符",
                               self.original(cells))
        notes: list[Note] = []
        empty: list[str] = []
        values = self.validator.validate(cells, notes, empty)
        for name in empty:
            by_field = self.placeholders.setdefault(department, {})
            by_field[name] = by_field.get(name, 0) + 1
        if isinstance(values, Rejection):
            return Quarantined(department, number, values.code, values.field, values.message, self.original(cells))
        for note in notes:
            self.note(note, number, department)
        return self.accept(values, department, number, cells)

    def note(self, note: Note, number: int, department: str) -> None:
        """A finding about one row, for the build report (per file, with its row)."""
        finding = self.findings.setdefault(note.kind, {"count": 0, "by_department": {}, "items": []})
        finding["count"] += 1
        # Counted in full per department and field (the items below are a sample): what the
        # credit office takes back to a department, e.g. the optional fields it fills unreadably.
        by_field = finding["by_department"].setdefault(department, {})
        by_field[note.field] = by_field.get(note.field, 0) + 1
        if len(finding["items"]) < FINDINGS_LISTED:
            finding["items"].append({"row": number, "field": note.field, "department": department,
                                     "message": note.message})

    def _note_shadowed(self, cells: list, number: int, department: str) -> None:
        """A column that spells a field already read (an alias beside the canonical header)
        and holds something else: reported, never read (DOMAIN.md "Two name columns")."""
        for alias, read in self.shadowed:
            other = cells[alias] if alias < len(cells) else None
            if other not in (None, "") and str(other).strip() != str(cells[read] if read < len(cells) else "").strip():
                header = self.header[alias] if alias < len(self.header) else f"第{alias + 1}列"
                self.note(Note("shadowed_column_differs", self.mapping.get(read, ""),
                               f"“{header}”与标准表头一列的取值不同，以标准表头一列为准"), number, department)
                return

    def accept(self, values: dict, department: str, number: int, cells: list) -> RowOutcome:
        dataset = self.dataset
        is_person = subject_is_person(dataset, values)
        uscc, name = values.get("uscc"), values["subject_name"]
        subject_key = uscc or "名称:" + normalise_name(name)
        # 数据更新时间戳 does not make a re-submission different.
        digest = raw_digest(self.context.secret, (v for k, v in values.items() if k != "updated_at"))
        rank = (tuple(values.get(k) or "" for k in dataset.newest_by), self.order, number)
        if dataset.rule in POINTER_RULES:
            key = pointer_key(values, subject_key)
            return Pointer(department, number, (dataset.name, *key), digest, rank,
                           dataset.rule, key, values.get("objection_status"))  # type: ignore[arg-type]
        roles = self.roles_by_person[is_person]
        redacted = redact_record(values, roles, is_person)
        problems = check_record(redacted.values, roles, redacted.personal_values,
                                redacted.secrets, is_person)
        if problems:
            first = problems[0]
            f = dataset.field(first.field)
            return Quarantined(department, number, "personal_data_in_output", first.field,
                               f"{REASONS['personal_data_in_output']}：“{f.header if f else first.field}”"
                               f"{first.message}（{first.code}）", self.original(cells))
        record = redacted.values
        # The department as CONTRACT.md defines it, read from what is published.
        department_shown = next((str(record[n]).strip() for n in DEPARTMENT_FIELDS
                                 if record.get(n) not in (None, "") and str(record[n]).strip()),
                                UNKNOWN_DEPARTMENT)
        authority, updated = record.get("authority"), record.get("updated_at")
        self._delivery = (department_shown, str(authority).strip() if authority not in (None, "") else None,
                          updated if isinstance(updated, str) else None)
        record["dataset"] = dataset.name
        record["subject_is_person"] = int(is_person)
        record["source_file"] = self.source
        state: dict = {}
        suspect_fine = None
        matched: tuple = ()
        self._note_shadowed(cells, number, department)
        # 2016 当前状态 2 异议: shown with the objection notice, as 异议状态 处理中 (DOMAIN.md).
        disputed = record.get("status") == "异议"
        if dataset.rule == "licence":
            record["objection_status"] = "处理中" if disputed else None
        if dataset.rule == "penalty":
            record["severity"] = grade_penalty(record, self.config)
            if not values.get("severity") and ambiguous_category(record, self.config) is not None:
                self.note(Note("ambiguous_category", "category",
                               "处罚类别为“暂扣或者吊销许可证、暂扣或者吊销执照”（代码 4）："
                               "按处罚内容是否写明吊销定为严重或一般"), number, department)
            _, suspect = fine_in_wan(record, self.config)
            if suspect:
                suspect_fine = values.get("fine_wan")
            key = pointer_key(values, subject_key)
            repaired = key in self.context.repairs
            status = self.context.objections.get(key)
            if repaired or status:
                matched = (key,)
            record["objection_status"] = "处理中" if status == "处理中" or disputed else None
            state = {"repaired": repaired, "objection": status}
        scope = record.get("scope")   # an enum's canonical word (data/scopes.yml), or None
        decision = narrow_to_scope(
            decide(dataset.rule, dataset.tier, record, self.context.as_of, self.config, **state),
            scope if isinstance(scope, str) else None)
        identity = (dataset.table, *(_identity_part(k, values, subject_key) for k in dataset.identity))
        row, tier = None, None
        if isinstance(decision, Publish):
            kind = self.kind
            if kind is None:  # a dataset publishes only through a table: its kind
                raise ValueError(f"dataset {dataset.name} publishes records but names no table")
            record["publicity_end"] = decision.publicity_end
            record["record_key"] = record_key(self.context.secret, identity)
            record["digest"] = published_digest(record.get(c) for c in kind.digest_columns)
            row = tuple(record.get(c) for c in kind.column_names)
            outcome, tier = f"published.{decision.tier}", decision.tier
        else:
            outcome = f"withheld.{decision.reason}"
        latest = (subject_key, values.get("evaluated_date") or "") if dataset.rule == "latest_per_subject" else None
        return Record(department, number, identity, digest, rank, outcome, tier, row,
                      (uscc, name) if uscc and not is_person else None, suspect_fine, matched, latest)


def _identity_part(key: str, values: dict, subject_key: str) -> object:
    if key == "subject_key":
        return subject_key
    value = values.get(key)
    if key == "decision_no" and value:
        return normalise_decision_no(value)
    return value


_worker_context: Context | None = None


def init_worker(context: Context) -> None:
    """Pool initializer: the build's shared context, sent once per worker, not once per job."""
    global _worker_context
    _worker_context = context


def run_job_in_worker(job: Job) -> dict:
    if _worker_context is None:
        raise RuntimeError("run_job_in_worker runs in a pool started with init_worker")
    return run_job(job, _worker_context)


def run_job(job: Job, context: Context) -> dict:
    """Processes one source table into its spool file; returns what the report says of it."""
    datasets = load_definitions(context.datasets_dir)
    dataset = next(d for d in datasets if d.name == job.dataset_name)
    summary: dict = {"errors": []}

    def is_header(cells: list) -> bool:
        return recognise(cells, datasets) is not None

    with open(job.spool, "wb") as spool:
        try:
            for table in open_tables(job.path, str(job.path.relative_to(job.input_dir)), is_header, job.label):
                if table.source != job.label:
                    close_table(table)
                    continue
                processor = TableProcessor(dataset, table.header, context, table.source, job.order)
                summary["header_row"] = table.header_row
                # What the report says of the layout: the dataset, and the columns not read
                # (a platform's own columns apart from the unknown ones).
                summary["layout"] = dataset.name
                unread = [str(h) for i, h in enumerate(table.header)
                          if i not in processor.mapping and h not in (None, "")]
                platform = ignored_columns()
                summary["ignored_columns"] = [h for h in unread if h.strip().upper() in platform]
                summary["unknown_columns"] = [h for h in unread if h.strip().upper() not in platform]
                chunk = []
                for number, cells in table.rows:
                    chunk.append(processor.process(number, cells))
                    if len(chunk) >= SPOOL_CHUNK:
                        pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
                        chunk = []
                if chunk:
                    pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
                summary["errors"] += [{"row": r, "code": c, "message": m} for r, c, m in table.errors]
                summary["notes_skipped"] = table.notes_skipped
                if processor.findings:
                    summary["findings"] = processor.findings
                if processor.placeholders:
                    summary["placeholders_read_as_empty"] = processor.placeholders
                summary["deliveries"] = processor.deliveries()
        except FileError as exc:
            summary["errors"].append({"row": None, "code": exc.code, "message": exc.message})
        except OSError as exc:
            summary["errors"].append({"row": None, "code": "unreadable_file", "message": f"文件无法读取：{exc}"})
    return summary


@lru_cache(maxsize=1)
def ignored_columns() -> frozenset[str]:
    """Platforms' own columns (data/ignored_columns.yml), in upper case."""
    with open(data_file("ignored_columns.yml"), encoding="utf-8") as fh:
        return frozenset(str(c).strip().upper() for c in yaml.safe_load(fh) or ())


def read_spool(path: Path) -> Iterator[RowOutcome]:
    with open(path, "rb") as spool:
        while True:
            try:
                chunk = pickle.load(spool)
            except EOFError:
                return
            yield from chunk


def close_table(table: SourceTable) -> None:
    close = getattr(table.rows, "close", None)
    if close:
        close()

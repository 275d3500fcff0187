"""The content of the credit report (公共信用信息报告，无违法违规证明版): a pure function of the
build (its public.db), the issue day, the subject and the options.

Windows end on the issue day exactly as on the site: every record is read from its kind's
stored table under the one "public today" condition (`kinds.public_today_sql`) with the issue
day bound, so a penalty whose window ended between the build and the issue day is not shown;
repaired records are not in the build at all. Only public.db is read: the report rests on
information open to the public only. A field is certified clean only on data its departments
delivered to this build (the `deliveries` table, publish/load.py); otherwise it says
本平台未归集该领域数据. The result is plain JSON data (no floats: amounts are strings), in a
stable order, and passes redaction's after-check (`redaction.check.check_record`) before it is
returned. Signing, rendering and the registry of issued reports are built on top of it.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal

from redaction.check import check_record
from redaction.checkdigits import is_valid_id, is_valid_id18
from redaction.scan import is_digest

from ..accounting import UNKNOWN_DEPARTMENT
from ..dates import add_months
from ..errors import PublishError
from ..kinds import Kind, load_kinds, public_today_sql
from ..textnorm import is_valid_uscc
from . import texts
from .catalogue import Catalogue, Field, load_catalogue

FORMAT = "credit-report-content/1"
DEFAULT_YEARS = 3
MAX_YEARS = 5
OBJECTION_PENDING = "处理中"
_CODE_NOISE = re.compile(r"[\s\-]+")


class ReportError(PublishError):
    """Why a report cannot be issued: a stable code (texts.ERRORS) and a Chinese sentence."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, texts.ERRORS[code] + (f"：{detail}" if detail else ""))


def report_content(conn: sqlite3.Connection, uscc: str, *, issue_day: dt.date, years: int = DEFAULT_YEARS,
                   fields: Iterable[str] | None = None, catalogue: Catalogue | None = None) -> dict:
    """The report's content for `uscc` as of `issue_day`, over the `years` (1–5) ending that day,
    for the chosen `fields` (catalogue codes; None: all, 其他 included).

    `conn` is a connection to a build's public.db. Raises ReportError (codes in texts.ERRORS):
    invalid_uscc, natural_person, unknown_subject, invalid_period, period_too_long,
    unknown_field, no_fields, build_stale (the build's as-of day is older than the day before
    the issue day), issue_day_before_build, content_not_clean.

    Returns {format, title, issue_day, period {years, start, end}, selection {all_fields,
    fields, years}, subject {uscc, name, type, uscc_type, registered, registration_status,
    registrar}, statements, summary {fields, found, clean, no_data, records}, fields [{code,
    name, confirmed, status (found | clean | no_data), conclusion, records, data_updated,
    data_updated_basis, sources}], black_list {name, status (listed | not_listed | no_data),
    conclusion, entries, data_updated, data_updated_basis, sources}, objections [{field,
    decision_no, notice}], data_sources {build {build_id, as_of}, departments}}.
    """
    catalogue = catalogue or load_catalogue()
    chosen = _chosen_fields(catalogue, fields)
    start, _ = _period(issue_day, years)
    build = _build(conn, issue_day)
    code = _subject_code(uscc)
    tables = _tables(conn)
    kinds = {k.table: k for k in load_kinds() if k.tier == "public" and k.storage in tables}
    subject = _subject(conn, code, kinds)
    deliveries = _deliveries(conn, tables)
    day = issue_day.isoformat()

    # Each record and delivery placed once (the same rule for both: catalogue.field_of).
    place = catalogue.field_of
    wanted = {table for field in chosen for table in field.kinds if table in kinds}
    found: dict[tuple[str, str], list[dict]] = {}   # (field code, kind) → records
    for table in sorted(wanted):
        kind = kinds[table]
        for row in _rows(conn, kind, code, day, start.isoformat(), day):
            field = place(row.get("authority"), row.get("source_dept"), row.get("source_file"))
            found.setdefault((field.code, table), []).append(_record(kind, row))
    placed = [(place(d["authority"], d["department"], d["file"]), d) for d in deliveries]

    sections = []
    objections = []
    used: list[dict] = []   # the deliveries the report rests on
    for field in chosen:
        records = [r for table in field.kinds for r in found.get((field.code, table), ())]
        records.sort(key=lambda r: (r["decision_date"] or "", r["decision_no"] or ""), reverse=True)
        delivered = [d for f, d in placed if f is field and d["kind"] in field.kinds]
        used += delivered
        status = "found" if records else "clean" if delivered else "no_data"
        for record in records:
            if record["objection_pending"]:
                objections.append({"field": field.code, "decision_no": record["decision_no"],
                                   "notice": texts.OBJECTION_PENDING})
        sections.append({
            "code": field.code, "name": field.name, "confirmed": field.confirmed,
            "status": status, "conclusion": texts.CONCLUSIONS[status], "records": records,
            **_updated(delivered, build["as_of"]), "sources": _sources(delivered),
        })

    blacklist, delivered = _blacklist(conn, catalogue, kinds, deliveries, code, day, build["as_of"])
    used += delivered
    content = {
        "format": FORMAT,
        "title": texts.TITLE,
        "issue_day": day,
        "period": {"years": years, "start": start.isoformat(), "end": day},
        "selection": {"all_fields": fields is None, "fields": [f.code for f in chosen], "years": years},
        "subject": subject,
        "statements": list(texts.STATEMENTS),
        "summary": {
            "fields": len(sections),
            "found": sum(s["status"] == "found" for s in sections),
            "clean": sum(s["status"] == "clean" for s in sections),
            "no_data": sum(s["status"] == "no_data" for s in sections),
            "records": sum(len(s["records"]) for s in sections),
        },
        "fields": sections,
        "black_list": blacklist,
        "objections": objections,
        "data_sources": {"build": build, "departments": _departments(used)},
    }
    check_content(content)
    return content


# --- options ----------------------------------------------------------------------------------

def _chosen_fields(catalogue: Catalogue, fields: Iterable[str] | None) -> list[Field]:
    if fields is None:
        return list(catalogue.all_fields)
    wanted = [str(f).strip() for f in ([fields] if isinstance(fields, str) else fields)]
    wanted = [f for f in wanted if f]
    if not wanted:
        raise ReportError("no_fields")
    by_code = catalogue.by_code()
    unknown = sorted({f for f in wanted if f not in by_code})
    if unknown:
        raise ReportError("unknown_field", "、".join(unknown[:10]))
    return [f for f in catalogue.all_fields if f.code in set(wanted)]  # the catalogue's order


def _period(issue_day: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """The `years` years ending on the issue day, both ends included (on decision dates)."""
    if type(years) is not int or years < 1:
        raise ReportError("invalid_period")
    if years > MAX_YEARS:
        raise ReportError("period_too_long")
    return add_months(issue_day, -12 * years) + dt.timedelta(days=1), issue_day


def _build(conn: sqlite3.Connection, issue_day: dt.date) -> dict:
    """The build's id and as-of day; refuses a stale build (as-of before the day before)."""
    try:
        info = {k: v for k, v in conn.execute("SELECT key, value FROM build_info")}
    except sqlite3.Error:
        info = {}
    try:
        as_of = dt.date.fromisoformat(info.get("as_of") or "")
    except ValueError:
        raise ReportError("build_stale", "本平台数据没有归集日期") from None
    if as_of < issue_day - dt.timedelta(days=1):
        raise ReportError("build_stale", f"数据归集日期 {as_of.isoformat()}，出具日期 {issue_day.isoformat()}")
    if as_of > issue_day:
        raise ReportError("issue_day_before_build",
                          f"数据归集日期 {as_of.isoformat()}，出具日期 {issue_day.isoformat()}")
    return {"build_id": info.get("build_id") or "", "as_of": as_of.isoformat()}


# --- the subject ------------------------------------------------------------------------------

def _subject_code(text: str) -> str:
    code = _CODE_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    if is_valid_uscc(code):
        return code
    if is_valid_id(code):
        raise ReportError("natural_person")  # never echoed: it is an ID number
    raise ReportError("invalid_uscc")


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _subject(conn: sqlite3.Connection, code: str, kinds: dict[str, Kind]) -> dict:
    entity = None
    if "entities" in _tables(conn):
        entity = conn.execute("SELECT name, entity_type FROM entities WHERE uscc = ?", (code,)).fetchone()
    if entity is None:
        # A natural person has records (masked) but no entity; so does a sole trader
        # registered under nothing but its operator's name.
        person = any(conn.execute(f"SELECT 1 FROM [{k.storage}] WHERE uscc = ? AND subject_is_person = 1 LIMIT 1",
                                  (code,)).fetchone() for k in kinds.values() if k.has_subject)
        if person or is_valid_id18(code):
            raise ReportError("natural_person")
        raise ReportError("unknown_subject", code)
    register = next((k for k in kinds.values() if k.register), None)
    registered = None
    if register is not None:
        cursor = conn.execute(f"SELECT * FROM [{register.storage}] WHERE uscc = ? AND subject_is_person = 0 "
                              f"ORDER BY id DESC LIMIT 1", (code,))
        row = cursor.fetchone()
        if row is not None:
            registered = dict(zip([d[0] for d in cursor.description], row, strict=True))
    return {
        "uscc": code, "name": entity[0],
        "type": (registered or {}).get("subject_type") or entity[1],
        "uscc_type": entity[1],
        "registered": registered is not None,
        "registration_status": (registered or {}).get("registration_status"),
        "registrar": (registered or {}).get("registrar"),
    }


# --- records ----------------------------------------------------------------------------------

def _rows(conn: sqlite3.Connection, kind: Kind, code: str, today: str, start: str, end: str) -> Iterator[dict]:
    """The subject's records of a kind public on `today` whose date lies in [start, end]."""
    dated = f" AND [{kind.date}] BETWEEN ? AND ?" if kind.date else ""
    cursor = conn.execute(
        f"SELECT * FROM [{kind.storage}] WHERE uscc = ? AND subject_is_person = 0 "
        f"AND {public_today_sql('?')}{dated} ORDER BY id",
        (code, today, *((start, end) if kind.date else ())))
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _plain(value: object) -> object:
    """JSON values without floats (the content is signed as canonical JSON): an amount is text."""
    if isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
        return text[:-2] if text.endswith(".0") else text
    return value


def _record(kind: Kind, row: dict) -> dict:
    return {
        "kind": kind.label,
        "decision_no": row.get("decision_no"),
        "decision_date": row.get(kind.date) if kind.date else None,
        "authority": row.get("authority"),
        "source_dept": row.get("source_dept"),
        "category": row.get("category"),
        "severity": row.get("severity"),
        "decided": row.get("content"),
        "fine_wan": _plain(row.get("fine_wan")),
        "publicity_end": row.get("publicity_end"),
        "objection_pending": row.get("objection_status") == OBJECTION_PENDING,
        **({"objection_notice": texts.OBJECTION_PENDING} if row.get("objection_status") == OBJECTION_PENDING
           else {}),
        "record_key": row.get("record_key"),
    }


def _blacklist(conn: sqlite3.Connection, catalogue: Catalogue, kinds: dict[str, Kind], deliveries: list[dict],
               code: str, today: str, as_of: str) -> tuple[dict, list[dict]]:
    """In or out of 严重失信主体名单 on the issue day, whatever the period and fields chosen."""
    entries = []
    for table in catalogue.blacklist_kinds:
        kind = kinds.get(table)
        if kind is None:
            continue
        for row in _rows(conn, kind, code, today, "0000-00-00", today):
            entries.append({"reason": row.get("reason"), "authority": row.get("authority"),
                            "listed_date": row.get(kind.date) if kind.date else None,
                            "removal_date": row.get("removal_date"), "publicity_end": row.get("publicity_end")})
    entries.sort(key=lambda e: (e["listed_date"] or "", e["authority"] or "", e["reason"] or ""), reverse=True)
    delivered = [d for d in deliveries if d["kind"] in catalogue.blacklist_kinds]
    status = "listed" if entries else "not_listed" if delivered else "no_data"
    return {"name": texts.BLACKLIST_NAME, "status": status, "conclusion": texts.BLACKLIST_CONCLUSIONS[status],
            "entries": entries, **_updated(delivered, as_of), "sources": _sources(delivered)}, delivered


# --- deliveries -------------------------------------------------------------------------------

def _deliveries(conn: sqlite3.Connection, tables: set[str]) -> list[dict]:
    """The build's deliveries (none in a build made before the table existed: no field of it
    is certified clean)."""
    if "deliveries" not in tables:
        return []
    cursor = conn.execute("SELECT kind, file, department, authority, rows, newest_update FROM deliveries "
                          "ORDER BY kind, file, department, authority")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor]


def _newest(values: Iterable[str | None]) -> str | None:
    present = [v for v in values if v]
    return max(present) if present else None


def _updated(delivered: list[dict], as_of: str) -> dict:
    """The newest delivery: the newest 数据更新时间戳 of the rows, else the build's day."""
    if not delivered:
        return {"data_updated": None, "data_updated_basis": None}
    newest = _newest(d["newest_update"] for d in delivered)
    if newest:
        return {"data_updated": newest, "data_updated_basis": texts.UPDATED_FROM_ROWS}
    return {"data_updated": as_of, "data_updated_basis": texts.UPDATED_FROM_BUILD}


def _sources(delivered: list[dict]) -> list[dict]:
    """The departments that delivered, with their rows, newest update and files."""
    by_department: dict[str, list[dict]] = {}
    for d in delivered:
        by_department.setdefault(d["department"] or UNKNOWN_DEPARTMENT, []).append(d)
    return [{"department": department,
             "rows": sum(d["rows"] or 0 for d in items),
             "newest_update": _newest(d["newest_update"] for d in items),
             "files": sorted({d["file"] for d in items})}
            for department, items in sorted(by_department.items())]


def _departments(delivered: list[dict]) -> list[dict]:
    """Every department the report rests on, with its newest update."""
    newest: dict[str, list[str | None]] = {}
    for d in delivered:
        newest.setdefault(d["department"] or UNKNOWN_DEPARTMENT, []).append(d["newest_update"])
    return [{"department": name, "newest_update": _newest(values)} for name, values in sorted(newest.items())]


# --- the after-check --------------------------------------------------------------------------

def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def check_content(content: dict) -> None:
    """Redaction's after-check over every text of the content, as over a record before it is
    loaded: ContentNotClean (`content_not_clean`) if anything would be flagged. The subject's
    valid USCC is exempt in its USCC field, a record key in its field, as in `scan`."""
    values: dict[str, str] = {}
    roles: dict[str, str] = {}
    for path, text in _texts(content, ""):
        key = path.rsplit(".", 1)[-1]
        if is_digest(key, text):
            continue
        values[path] = text
        roles[path] = "uscc" if key == "uscc" else "keep"
    problems = check_record(values, roles, (), (), False)
    if problems:
        listed = "；".join(f"{p.field}（{p.code}）" for p in problems[:10])
        raise ReportError("content_not_clean", listed)

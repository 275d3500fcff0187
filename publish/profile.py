"""An entity's public credit profile, as plain data (the page renders it, the JSON twin is it).

Reads the served views of the kinds (publish/kinds.py), so a record whose
publicity window ended after the build is left out at request time exactly as Datasette's
own pages leave it out; `publish_today()` must be registered on the connection (the serving
plugin and `publish.load.connect` do). Natural persons have no profile: only records with
`subject_is_person = 0` are read, and they are not in `entities`. A repaired record is not in
the database at all, so nothing here can mention it.
"""
from __future__ import annotations

import sqlite3

from .kinds import Kind, load_kinds
from .textnorm import is_valid_uscc

ROWS_PER_KIND = 100
OBJECTION_PENDING = "处理中"

NOTICES = {
    "authority": "本站信息依据各部门报送的数据整理，仅供参考；信用信息以“信用中国”网站"
                 "（www.creditchina.gov.cn）公示为准。",
    "objection": "对公示信息有异议的，可向作出决定的部门或本市社会信用体系建设牵头部门（信用办）提出异议申请，"
                 "并提供相关证明材料；异议处理期间，该记录标注“异议处理中”并暂停联合惩戒。",
    "repair": "行政处罚信息公示满最短公示期、已履行处罚决定并纠正失信行为的，可通过“信用中国”网站申请信用修复；"
              "市场监管部门作出的行政处罚，通过国家企业信用信息公示系统申请。修复后该记录不再公示。",
    "objection_pending": "该记录的异议正在处理中：处理期间暂停联合惩戒，处理结果以最终核实为准。",
}


class InvalidUSCC(ValueError):
    """The code fails the GB 32100-2015 check character."""


def row_url(kind: str, storage: str, row_id: int) -> str:
    """Datasette's page for the underlying row (windowed kinds: the `<kind>_records` table)."""
    return f"/public/{storage}/{row_id}"


def entity_profile(conn: sqlite3.Connection, uscc: str, *, storages: dict[str, str] | None = None) -> dict | None:
    """The profile of `uscc`, or None when there is nothing public about it today.

    Raises InvalidUSCC for a code whose check character is wrong. `storages` maps a kind to
    its stored table (`<kind>_records` for kinds with a view), for the links to Datasette's row pages.
    """
    uscc = (uscc or "").strip().upper()
    if not is_valid_uscc(uscc):
        raise InvalidUSCC(uscc)
    entity = conn.execute(
        "SELECT uscc, name, entity_type, region, subject_class FROM entities WHERE uscc = ?", (uscc,)).fetchone()
    if entity is None:
        return None
    if storages is None:
        from .search import kinds
        storages = {kind: storage for kind, storage, _ in kinds(conn)}
    profile: dict = {
        "uscc": entity[0], "name": entity[1], "entity_type": entity[2], "region": entity[3],
        "subject_class": entity[4], "records": {}, "grade": None, "objections": [],
        "notices": NOTICES,
    }
    shown = 0
    for k in load_kinds():
        kind, table, label = k.table, k.table, k.label
        storage = storages.get(kind)
        if storage is None:
            continue
        cursor = conn.execute(
            f"SELECT * FROM [{table}] WHERE uscc = ? AND subject_is_person = 0 ORDER BY {_order(k)} LIMIT ?",
            (uscc, ROWS_PER_KIND + 1))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor]
        total = len(rows)
        if total > ROWS_PER_KIND:
            total = conn.execute(f"SELECT count(*) FROM [{table}] WHERE uscc = ? AND subject_is_person = 0",
                                 (uscc,)).fetchone()[0]
            rows = rows[:ROWS_PER_KIND]
        present = {c: lbl for c, lbl in k.shown_fields().items() if c in names}
        items = []
        for row in rows:
            item = {"id": row["id"], "url": row_url(kind, storage, row["id"]),
                    "heading": _heading(k, row), **{c: row[c] for c in present}}
            if "objection_status" in names:
                pending = row.get("objection_status") == OBJECTION_PENDING
                item["objection_pending"] = pending
                if pending:
                    profile["objections"].append({"decision_no": row.get("decision_no"), "id": row["id"],
                                                  "notice": NOTICES["objection_pending"]})
            items.append(item)
        shown += total
        profile["records"][kind] = {
            "label": label, "total": total, "fields": present, "rows": items,
            "badges": [c for c in k.display.badges if c in names], "folded": list(k.display.folded),
            "ends": k.ends, "notices": k.display.notices,
            "more_url": f"/public/{table}?uscc={uscc}" if total > ROWS_PER_KIND else None,
        }
    if shown == 0:
        return None
    register = next((k for k in load_kinds() if k.register), None)
    registered = profile["records"].get(register.table) if register else None
    profile["registration"] = registered["rows"][0] if registered and registered["rows"] else None
    # Nothing on record but the registration: a clean record, said in so many words.
    profile["nothing_on_record"] = all(r["total"] == 0 for kind, r in profile["records"].items()
                                       if register is None or kind != register.table)
    for k in load_kinds():
        rows = profile["records"].get(k.table, {}).get("rows") or []
        if k.rule == "latest_per_subject" and rows:
            # The latest grade per subject (DOMAIN.md: 公共信用综合评价).
            profile["grade"] = {"grade": rows[0].get("grade"), "date": rows[0].get(k.date) if k.date else None}
    return profile


def _order(kind: Kind) -> str:
    return f"{kind.date} DESC, id DESC" if kind.date else "id DESC"


def _heading(kind: Kind, row: dict) -> str:
    """The record's heading: the first non-empty heading field, else the kind's label."""
    labels = kind.labels
    for column in kind.display.heading:
        value = row.get(column)
        if value not in (None, ""):
            return f"{labels[column]}：{value}" if kind.display.heading_with_label else str(value)
    return kind.label

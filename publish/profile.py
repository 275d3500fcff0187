"""An entity's public credit profile, as plain data (the page renders it, the JSON twin is it).

Reads the served views (`penalties`, `licences`, `blacklist`, `redlist`), so a record whose
publicity window ended after the build is left out at request time exactly as Datasette's
own pages leave it out; `publish_today()` must be registered on the connection (the serving
plugin and `publish.load.connect` do). Natural persons have no profile: only records with
`subject_is_person = 0` are read, and they are not in `entities`. A repaired record is not in
the database at all, so nothing here can mention it.
"""
from __future__ import annotations

import sqlite3

from .textnorm import is_valid_uscc

ROWS_PER_KIND = 100
# (kind, view or table, label, fields shown: column → label, order)
KINDS = (
    ("penalties", "penalties", "行政处罚", {
        "decision_no": "行政处罚决定书文号", "decision_date": "处罚决定日期",
        "violation_type": "违法行为类型", "penalty_name": "处罚名称", "category": "处罚类别",
        "content": "处罚内容", "fine_wan": "罚款金额（万元）", "confiscated_wan": "没收金额（万元）",
        "facts": "违法事实", "basis": "处罚依据", "authority": "处罚机关",
        "source_dept": "数据来源单位", "severity": "失信严重程度", "publicity_end": "公示截止日",
    }, "decision_date DESC, id DESC"),
    ("licences", "licences", "行政许可", {
        "document_name": "许可决定文书名称", "decision_no": "许可决定文书号", "licence_class": "许可类别",
        "certificate_name": "许可证书名称", "licence_no": "许可编号", "project_name": "项目名称",
        "content": "许可内容", "decision_date": "许可决定日期", "valid_from": "有效期自",
        "valid_to": "有效期至", "authority": "许可机关", "source_dept": "数据来源单位",
        "display_status": "当前状态",
    }, "decision_date DESC, id DESC"),
    ("blacklist", "blacklist", "严重失信主体名单", {
        "reason": "列入事由", "basis": "列入依据", "authority": "认定机关", "listed_date": "列入日期",
        "removal_date": "移出日期", "publicity_end": "公示截止日",
    }, "listed_date DESC, id DESC"),
    ("redlist", "redlist", "守信激励对象名单", {
        "honour": "荣誉名称", "authority": "授予机关", "granted_date": "授予日期", "valid_to": "有效期至",
        "publicity_end": "公示截止日",
    }, "granted_date DESC, id DESC"),
    ("commitments", "commitments", "信用承诺", {
        "commitment_type": "承诺类型", "matter": "承诺事项", "commitment_date": "承诺日期",
        "authority": "承诺受理单位", "performance": "履约状态",
    }, "commitment_date DESC, id DESC"),
    ("evaluations", "evaluations", "公共信用综合评价", {
        "grade": "评价结果", "evaluated_date": "评价日期", "authority": "评价机关",
    }, "evaluated_date DESC, id DESC"),
)
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


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]


def row_url(kind: str, storage: str, row_id: int) -> str:
    """Datasette's page for the underlying row (windowed kinds: the `<kind>_records` table)."""
    return f"/public/{storage}/{row_id}"


def entity_profile(conn: sqlite3.Connection, uscc: str, *, storages: dict[str, str] | None = None) -> dict | None:
    """The profile of `uscc`, or None when there is nothing public about it today.

    Raises InvalidUSCC for a code whose check character is wrong. `storages` maps a kind to
    its stored table (penalties → penalties_records), for the links to Datasette's row pages.
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
    for kind, table, label, fields, order in KINDS:
        storage = storages.get(kind)
        if storage is None:
            continue
        cursor = conn.execute(
            f"SELECT * FROM [{table}] WHERE uscc = ? AND subject_is_person = 0 ORDER BY {order} LIMIT ?",
            (uscc, ROWS_PER_KIND + 1))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor]
        total = len(rows)
        if total > ROWS_PER_KIND:
            total = conn.execute(f"SELECT count(*) FROM [{table}] WHERE uscc = ? AND subject_is_person = 0",
                                 (uscc,)).fetchone()[0]
            rows = rows[:ROWS_PER_KIND]
        present = {c: l for c, l in fields.items() if c in names}
        items = []
        for row in rows:
            item = {"id": row["id"], "url": row_url(kind, storage, row["id"]),
                    **{c: row[c] for c in present}}
            if kind == "penalties":
                pending = row.get("objection_status") == OBJECTION_PENDING
                item["objection_pending"] = pending
                if pending:
                    profile["objections"].append({"decision_no": row.get("decision_no"), "id": row["id"],
                                                  "notice": NOTICES["objection_pending"]})
            items.append(item)
        shown += total
        profile["records"][kind] = {
            "label": label, "total": total, "fields": present, "rows": items,
            "more_url": f"/public/{table}?uscc={uscc}" if total > ROWS_PER_KIND else None,
        }
    if shown == 0:
        return None
    evaluations = profile["records"].get("evaluations", {}).get("rows") or []
    if evaluations:
        latest = evaluations[0]
        profile["grade"] = {"grade": latest.get("grade"), "date": latest.get("evaluated_date")}
    return profile

"""What the site holds, for the home page: counts per dataset public today and the build's dates."""
from __future__ import annotations

import sqlite3

from .search import kinds

DATASET_NOTES = {
    "penalties": "行政处罚决定（双公示），在公示期内",
    "licences": "行政许可决定（双公示），含有效、无效与已过期",
    "blacklist": "严重失信主体名单，在公示期内",
    "redlist": "守信激励对象名单，在有效期内",
    "commitments": "信用承诺及履约状态",
    "evaluations": "公共信用综合评价（每个主体最新一次）",
}


def build_info(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM build_info")}


def site_overview(conn: sqlite3.Connection, today: str) -> dict:
    """Counts of records public today per dataset, of entities with something public, and
    the build's as-of day and time."""
    datasets = []
    for kind, storage, windowed in kinds(conn):
        label = conn.execute("SELECT label FROM search_kinds WHERE kind = ?", (kind,)).fetchone()[0]
        where = "WHERE publicity_end IS NULL OR publicity_end >= ?" if windowed else ""
        count = conn.execute(f"SELECT count(*) FROM [{storage}] {where}", (today,) if windowed else ()).fetchone()[0]
        datasets.append({"kind": kind, "label": label, "count": count, "note": DATASET_NOTES.get(kind, ""),
                         "url": f"/public/{kind}"})
    entities = conn.execute("SELECT count(*) FROM search_entities WHERE until IS NULL OR until >= ?",
                            (today,)).fetchone()[0]
    info = build_info(conn)
    return {"datasets": datasets, "entities": entities, "as_of": info.get("as_of"),
            "built_at": info.get("built_at"), "today": today}

"""What the site holds, for the home page: counts per dataset public today and the build's dates."""
from __future__ import annotations

import sqlite3

from .kinds import kinds_by_table, public_today_sql
from .search import kinds


def build_info(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM build_info")}


def site_overview(conn: sqlite3.Connection, today: str) -> dict:
    """Counts of records public today per dataset, of entities with something public, and
    the build's as-of day and time."""
    notes = {table: k.display.note for table, k in kinds_by_table().items()}
    datasets = []
    for kind, storage, windowed in kinds(conn):
        label = conn.execute("SELECT label FROM search_kinds WHERE kind = ?", (kind,)).fetchone()[0]
        where = f"WHERE {public_today_sql('?')}" if windowed else ""
        count = conn.execute(f"SELECT count(*) FROM [{storage}] {where}", (today,) if windowed else ()).fetchone()[0]
        datasets.append({"kind": kind, "label": label, "count": count, "note": notes.get(kind, ""),
                         "url": f"/public/{kind}"})
    entities = conn.execute(f"SELECT count(*) FROM search_entities WHERE {public_today_sql('?', 'until')}",
                            (today,)).fetchone()[0]
    info = build_info(conn)
    return {"datasets": datasets, "entities": entities, "as_of": info.get("as_of"),
            "built_at": info.get("built_at"), "today": today}

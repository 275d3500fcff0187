"""The public search index, added to the finished public.db at build time (the query side is
publish/search.py, which documents the tables).

Names are keyed with `textnorm.search_key` and indexed as overlapping two-character grams in
a contentless FTS5 table; each entity's kinds, departments and region are facet tokens.
"""
from __future__ import annotations

import sqlite3
import time

from .kinds import Kind
from .search import FACET_PREFIX, UNKNOWN_DEPT, UNKNOWN_REGION, index_text
from .textnorm import search_key

# --- Build ------------------------------------------------------------------------------------

def _department_sql(conn: sqlite3.Connection, table: str) -> str:
    """A record's department, as build-report.json counts it: 数据来源单位, else the deciding
    authority, else 未注明."""
    columns = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
    parts = [f"NULLIF(trim({c}), '')" for c in ("source_dept", "authority") if c in columns]
    return f"COALESCE({', '.join(parts + [repr(UNKNOWN_DEPT)])})"


def build_search_index(db, kinds: list[Kind], log=None) -> None:
    """Adds the search tables to the finished public database (a sqlite_utils.Database) for
    the public `kinds` with a subject, in display order. `log`, if given, is called with
    (step, seconds) for timing."""
    conn: sqlite3.Connection = db.conn
    conn.create_function("search_key", 1, lambda s: search_key(s or "")[:200], deterministic=True)
    conn.create_function("search_index_text", 1, lambda k: index_text(k or ""), deterministic=True)
    clock = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        if log:
            log(name, now - clock[0])
        clock[0] = now

    for table in ("search_fts", "search_entities", "search_facts", "search_facet_values", "search_kinds"):
        conn.execute(f"DROP TABLE IF EXISTS [{table}]")
    # The windowed ones are read from storage: `until` keeps their ends.
    tables = {k.table: k.storage for k in kinds if k.has_subject}
    labels = {k.table: k.label for k in kinds}
    views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    conn.execute("""
        CREATE TABLE search_kinds (
            kind TEXT PRIMARY KEY, label TEXT, storage TEXT, windowed INTEGER, position INTEGER
        )""")
    # Windowed: stored as <kind>_records behind a view that hides ended windows (load.py),
    # with publicity ends to compare. Licences have such a view too, but no end: nothing hides.
    def windowed(kind: str, table: str) -> bool:
        return table != kind and kind in views and conn.execute(
            f"SELECT 1 FROM [{table}] WHERE publicity_end IS NOT NULL LIMIT 1").fetchone() is not None

    conn.executemany("INSERT INTO search_kinds VALUES (?, ?, ?, ?, ?)", [
        (kind, labels[kind], table, int(windowed(kind, table)), i)
        for i, (kind, table) in enumerate(tables.items())])

    # Every (entity, kind) and (entity, department) with the last day it is public; a NULL
    # publicity end means published without end, and makes the group's `until` NULL too.
    parts = []
    for kind, table in tables.items():
        parts.append(f"SELECT uscc, 'kind' AS facet, '{kind}' AS label, publicity_end AS until "
                     f"FROM [{table}] WHERE subject_is_person = 0 AND uscc IS NOT NULL")
        parts.append(f"SELECT uscc, 'dept', {_department_sql(conn, table)}, publicity_end "
                     f"FROM [{table}] WHERE subject_is_person = 0 AND uscc IS NOT NULL")
    conn.execute(f"""
        CREATE TEMP TABLE search_grouped AS
        SELECT uscc, facet, label,
               CASE WHEN COUNT(*) > COUNT(until) THEN NULL ELSE MAX(until) END AS until
        FROM ({' UNION ALL '.join(parts)}) GROUP BY uscc, facet, label""")
    step("facts grouped")
    # Entities in ranking order: within a tier (exact, prefix, contains), shorter names first.
    conn.execute("""
        CREATE TABLE search_entities (
            rowid INTEGER PRIMARY KEY, uscc TEXT NOT NULL, key TEXT NOT NULL, until TEXT
        )""")
    conn.execute("CREATE INDEX temp.search_grouped_uscc ON search_grouped(uscc, facet)")
    conn.execute("""
        INSERT INTO search_entities (uscc, key, until)
        SELECT uscc, key, until FROM (
            SELECT e.uscc, search_key(e.name) AS key,
                   (SELECT CASE WHEN COUNT(*) > COUNT(g.until) THEN NULL ELSE MAX(g.until) END
                    FROM search_grouped g WHERE g.uscc = e.uscc AND g.facet = 'kind') AS until
            FROM entities e)
        WHERE length(key) >= 1
        ORDER BY length(key), key, uscc""")
    conn.execute("CREATE UNIQUE INDEX search_entities_uscc ON search_entities(uscc)")
    conn.execute("CREATE INDEX search_entities_key ON search_entities(key)")
    step("entities keyed")
    conn.execute("""
        INSERT INTO search_grouped
        SELECT e.uscc, 'region', COALESCE(NULLIF(e.region, ''), ?), s.until
        FROM entities e JOIN search_entities s USING (uscc)""", (UNKNOWN_REGION,))

    # Facet values: one token each, numbered by how many entities carry it.
    conn.execute("""
        CREATE TABLE search_facet_values (
            token TEXT PRIMARY KEY, facet TEXT NOT NULL, label TEXT NOT NULL, entities INTEGER
        ) WITHOUT ROWID""")
    values = conn.execute("""
        SELECT g.facet, g.label, COUNT(*) AS n FROM search_grouped g
        JOIN search_entities s USING (uscc) GROUP BY g.facet, g.label
        ORDER BY g.facet, n DESC, g.label""").fetchall()
    numbered: dict[str, int] = {}
    rows = []
    for facet, label, n in values:
        if facet == "kind":
            token = "kd" + label
        else:
            numbered[facet] = numbered.get(facet, 0) + 1
            token = f"{FACET_PREFIX[facet]}{numbered[facet]}"
        rows.append((token, facet, label, n))
    conn.executemany("INSERT INTO search_facet_values VALUES (?, ?, ?, ?)", rows)
    conn.execute("""
        CREATE TABLE search_facts (
            entity INTEGER NOT NULL, token TEXT NOT NULL, until TEXT, PRIMARY KEY (entity, token)
        ) WITHOUT ROWID""")
    conn.execute("""
        INSERT INTO search_facts
        SELECT s.rowid, v.token, g.until FROM search_grouped g
        JOIN search_entities s USING (uscc)
        JOIN search_facet_values v ON v.facet = g.facet AND v.label = g.label
        ORDER BY s.rowid, v.token""")
    conn.execute("DROP TABLE search_grouped")
    # What ends after the build, found at request time (see Stale).
    conn.execute("CREATE INDEX search_entities_until ON search_entities(until) WHERE until IS NOT NULL")
    conn.execute("CREATE INDEX search_facts_until ON search_facts(until) WHERE until IS NOT NULL")
    step("facets")

    conn.execute("""
        CREATE VIRTUAL TABLE search_fts USING fts5(
            grams, facets, content='', tokenize='unicode61 remove_diacritics 0')""")
    conn.execute("""
        INSERT INTO search_fts (rowid, grams, facets)
        SELECT s.rowid, search_index_text(s.key),
               (SELECT group_concat(f.token, ' ') FROM search_facts f WHERE f.entity = s.rowid)
        FROM search_entities s ORDER BY s.rowid""")
    step("fts filled")
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    step("fts optimized")
    conn.commit()



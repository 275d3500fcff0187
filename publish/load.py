"""Loading into SQLite: schema from the dataset definitions, batched inserts, then the
finishing touches (indexes, the entities table, full-text search, request-time views).

Tables of datasets with a publicity end are stored as `<table>_records` and served through
a view `<table>` that hides, at request time, records whose window ended after the build
(`publish_today()` is registered by the serving plugin and by `connect`).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
import yaml

from .clock import Clock
from .definitions import Dataset
from .resources import data_file
from .search import build_search_index

SQL_TYPES = {"date": str, "datetime": str, "decimal": float, "integer": int}
UNPUBLISHED_ROLES = {"drop", "secret_declaration"}
# Columns every loaded table has, besides its fields.
EXTRA_COLUMNS = {"id": int, "dataset": str, "subject_is_person": int, "source_file": str,
                 "publicity_end": str}
PENALTY_COLUMNS = {"severity": str, "objection_status": str}
WINDOWED_RULES = {"penalty", "blacklist", "redlist", "licence"}
BATCH = 5000


def connect(path: Path, clock: Clock) -> sqlite3.Connection:
    """A connection whose `publish_today()` (the views' window end) follows `clock`."""
    conn = sqlite3.connect(str(path))
    conn.create_function("publish_today", 0, clock.today_iso)
    return conn


class TableSchema:
    """The columns and storage name of one output table (union of its layouts' fields)."""

    def __init__(self, name: str, datasets: list[Dataset]):
        self.name = name
        self.tier = datasets[0].tier
        self.rule = datasets[0].rule
        self.windowed = self.rule in WINDOWED_RULES
        self.storage = f"{name}_records" if self.windowed else name
        self.titles = sorted({d.title for d in datasets})
        columns: dict[str, type] = {"id": int, "dataset": str}
        labels: dict[str, str] = {}
        for dataset in datasets:
            for f in dataset.fields:
                if f.role in UNPUBLISHED_ROLES:
                    continue
                columns.setdefault(f.name, SQL_TYPES.get(f.type, str))
                labels.setdefault(f.name, f.header)
        columns.update({k: v for k, v in EXTRA_COLUMNS.items() if k not in columns})
        if self.rule == "penalty":
            columns.update(PENALTY_COLUMNS)
        self.columns = columns
        self.labels = labels
        self.insert_sql = (f"INSERT INTO [{self.storage}] ({', '.join(f'[{c}]' for c in columns)}) "
                           f"VALUES ({', '.join('?' for _ in columns)})")


class Loader:
    """Writes records into the staged public.db and authorized.db."""

    def __init__(self, staging: Path, schemas: dict[str, TableSchema], clock: Clock):
        self.paths = {"public": staging / "public.db", "authorized": staging / "authorized.db"}
        self.dbs = {tier: sqlite_utils.Database(connect(path, clock)) for tier, path in self.paths.items()}
        for db in self.dbs.values():
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
        self.schemas = schemas
        self.pending: dict[str, list[tuple]] = {name: [] for name in schemas}
        self.next_id = {name: 1 for name in schemas}
        for schema in schemas.values():
            self.dbs[schema.tier][schema.storage].create(schema.columns, pk="id")

    def add_row(self, table: str, row: tuple) -> int:
        """Queues a row in its schema's column order (the first, `id`, is assigned here);
        returns the id, used to delete the row if a correction supersedes it."""
        row_id = self.next_id[table]
        self.next_id[table] = row_id + 1
        pending = self.pending[table]
        pending.append((row_id, *row[1:]))
        if len(pending) >= BATCH:
            self.flush(table)
        return row_id

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending[name]
            if rows:
                schema = self.schemas[name]
                self.dbs[schema.tier].conn.executemany(schema.insert_sql, rows)
                rows.clear()

    def delete(self, table: str, ids: list[int]) -> None:
        self.flush(table)
        schema = self.schemas[table]
        conn = self.dbs[schema.tier].conn
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            conn.execute(f"DELETE FROM [{schema.storage}] WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    def finish(self, build_info: dict) -> None:
        """Indexes, entities, search, views and the build's own metadata; then closes."""
        self.flush()
        for schema in self.schemas.values():
            db = self.dbs[schema.tier]
            table = db[schema.storage]
            for column in ("uscc", "subject_name", "decision_no", "publicity_end"):
                if column in schema.columns:
                    table.create_index([column], if_not_exists=True)
            if schema.windowed:
                db.execute(f"DROP VIEW IF EXISTS [{schema.name}]")
                db.execute(_view_sql(schema))
        public = self.dbs["public"]
        build_entities(public, self.schemas)
        build_search_index(public)
        for tier, db in self.dbs.items():
            db["build_info"].insert_all(
                [{"key": k, "value": str(v)} for k, v in {**build_info, "tier": tier}.items()],
                pk="key", replace=True)
            db.conn.commit()
            db.execute("VACUUM")
            db.conn.close()


def _view_sql(schema: TableSchema) -> str:
    columns = ", ".join(f"[{c}]" for c in schema.columns)
    if schema.rule == "licence":
        # Licences have no publicity end; their shown status turns 已过期 past 有效期至.
        return (f"CREATE VIEW [{schema.name}] AS SELECT {columns}, CASE "
                f"WHEN status = '无效' THEN '无效' "
                f"WHEN valid_to IS NOT NULL AND valid_to < publish_today() THEN '已过期' "
                f"ELSE '有效' END AS display_status FROM [{schema.storage}]")
    return (f"CREATE VIEW [{schema.name}] AS SELECT {columns} FROM [{schema.storage}] "
            f"WHERE publicity_end IS NULL OR publicity_end >= publish_today()")


def _regions() -> tuple[dict, dict]:
    with open(data_file("regions.yml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return ({str(k): v for k, v in raw["provinces"].items()},
            {str(k): v for k, v in raw["divisions"].items()})


# GB 32100-2015 positions 1–2: registration authority and organisation type.
ENTITY_TYPES = {"91": "企业", "92": "个体工商户", "93": "农民专业合作社", "11": "机关",
                "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "51": "社会团体",
                "52": "民办非企业单位", "53": "基金会", "Y1": "其他"}


def region_name(code: str, provinces: dict, divisions: dict) -> str | None:
    for key in (code, code[:4] + "00", code[:2] + "0000"):
        if key in divisions:
            return divisions[key]
    return provinces.get(code[:2])


def build_entities(db: sqlite_utils.Database, schemas: dict[str, TableSchema]) -> None:
    """One row per USCC of a public record: its latest name, type, region and counts."""
    public = [s for s in schemas.values() if s.tier == "public" and "uscc" in s.columns]
    date_column = {"penalty": "decision_date", "licence": "decision_date", "blacklist": "listed_date",
                   "redlist": "granted_date"}
    parts = []
    for s in public:
        when = date_column.get(s.rule) or next(
            (c for c in ("commitment_date", "evaluated_date") if c in s.columns), None)
        subject_class = "subject_class" if "subject_class" in s.columns else "NULL AS subject_class"
        parts.append(f"SELECT uscc, subject_name, {when or 'NULL'} AS seen, '{s.name}' AS kind, "
                     f"{subject_class} FROM [{s.storage}] WHERE uscc IS NOT NULL AND subject_is_person = 0")
    count_columns = [f"{s.name}_count" for s in public]
    columns = {"uscc": str, "name": str, "subject_class": str, "entity_type": str,
               "region_code": str, "region": str, **{c: int for c in count_columns}}
    db["entities"].create(columns, pk="uscc", replace=True)
    counts = ", ".join(f"SUM(kind = '{s.name}')" for s in public)
    db.execute(f"""
        INSERT INTO entities ({', '.join(columns)})
        WITH facts AS ({' UNION ALL '.join(parts)}),
        named AS (SELECT uscc, subject_name,
                         ROW_NUMBER() OVER (PARTITION BY uscc ORDER BY seen DESC, subject_name) AS rn
                  FROM facts)
        SELECT named.uscc, named.subject_name, MAX(facts.subject_class), NULL,
               substr(named.uscc, 3, 6), NULL, {counts}
        FROM named JOIN facts USING (uscc) WHERE named.rn = 1 GROUP BY named.uscc
    """)
    provinces, divisions = _regions()
    updates = []
    for uscc, region_code in db.execute("SELECT uscc, region_code FROM entities").fetchall():
        updates.append((ENTITY_TYPES.get(uscc[:2], ENTITY_TYPES.get(uscc[0] + "1", "其他")),
                        region_name(region_code, provinces, divisions), uscc))
    db.conn.executemany("UPDATE entities SET entity_type = ?, region = ? WHERE uscc = ?", updates)
    db.execute("CREATE INDEX entities_name ON entities(name)")
    db["entities"].enable_fts(["name"], tokenize="trigram", create_triggers=False)


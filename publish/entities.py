"""The `entities` table: one row per USCC of a public record (natural persons never), with
its latest name, type, region and a count per kind, and a trigram FTS index on the name."""
from __future__ import annotations

from functools import lru_cache

import sqlite_utils
import yaml

from .kinds import Kind
from .resources import data_file

# GB 32100-2015 positions 1–2: registration authority and organisation type.
ENTITY_TYPES = {"91": "企业", "92": "个体工商户", "93": "农民专业合作社", "11": "机关",
                "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "51": "社会团体",
                "52": "民办非企业单位", "53": "基金会", "Y1": "其他"}


@lru_cache(maxsize=1)
def regions() -> tuple[dict, dict]:
    """(province code → name, division code → name), from data/regions.yml."""
    with open(data_file("regions.yml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return ({str(k): v for k, v in raw["provinces"].items()},
            {str(k): v for k, v in raw["divisions"].items()})


def region_name(code: str, provinces: dict, divisions: dict) -> str | None:
    for key in (code, code[:4] + "00", code[:2] + "0000"):
        if key in divisions:
            return divisions[key]
    return provinces.get(code[:2])


def entity_type(uscc: str) -> str:
    return ENTITY_TYPES.get(uscc[:2], ENTITY_TYPES.get(uscc[0] + "1", "其他"))


def build_entities(db: sqlite_utils.Database, kinds: list[Kind]) -> None:
    """Fills `entities` from the public kinds' stored tables."""
    with_subject = [k for k in kinds if k.has_subject]
    parts = []
    for k in with_subject:
        subject_class = "subject_class" if "subject_class" in k.column_names else "NULL AS subject_class"
        # The register's name wins (it sorts after every date); else the latest record's.
        seen = "'9999-12-31'" if k.register else (k.date or "NULL")
        parts.append(f"SELECT uscc, subject_name, {seen} AS seen, '{k.table}' AS kind, "
                     f"{subject_class} FROM [{k.storage}] WHERE uscc IS NOT NULL AND subject_is_person = 0")
    count_columns = [f"{k.table}_count" for k in with_subject]
    columns = {"uscc": str, "name": str, "subject_class": str, "entity_type": str,
               "region_code": str, "region": str, **{c: int for c in count_columns}}
    db.table("entities").create(columns, pk="uscc", replace=True)
    counts = ", ".join(f"SUM(kind = '{k.table}')" for k in with_subject)
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
    provinces, divisions = regions()
    updates = [(entity_type(uscc), region_name(region_code, provinces, divisions), uscc)
               for uscc, region_code in db.execute("SELECT uscc, region_code FROM entities").fetchall()]
    db.conn.executemany("UPDATE entities SET entity_type = ?, region = ? WHERE uscc = ?", updates)
    db.execute("CREATE INDEX entities_name ON entities(name)")
    db.table("entities").enable_fts(["name"], tokenize="trigram", create_triggers=False)

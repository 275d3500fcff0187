"""`datapackage.json`: the release's data dictionary as a Frictionless Data Package
(https://specs.frictionlessdata.io/): one tabular resource per table, its CSV file, with a
Table Schema whose fields carry the CSV header (the standard's Chinese name) as name and
title, a Chinese description, the type, the English field name used by the JSON Lines,
Parquet and SQLite files, and the primary key; the licence, the sources and the as-of day."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..metadata import LICENCE, LICENCE_URL, build_metadata
from .formats import FORMULA_STARTS
from .tables import BuildInfo, ReleaseTable

TABLE_SCHEMA_TYPES = {int: "integer", float: "number", str: "string"}
FORMULA_NOTE = ("CSV 中以 " + "、".join(repr(c)[1:-1] for c in FORMULA_STARTS)
                + " 开头的文本前加了一个英文单引号 '，以免电子表格将其当作公式执行（OWASP 建议）；"
                  "XLSX 中这类单元格存为文本，值不变；JSON Lines、Parquet 与 SQLite 中为原值。")


def _field(table: ReleaseTable, index: int) -> dict[str, Any]:
    column = table.columns[index]
    return {"name": column.label, "title": column.label, "type": TABLE_SCHEMA_TYPES[column.sql_type],
            "description": f"{column.label}（英文字段名 {column.name}：{column.label_en}）",
            "english_name": column.name}


def data_package(info: BuildInfo, tables: tuple[ReleaseTable, ...], created: dt.datetime) -> dict[str, Any]:
    metadata = build_metadata()
    resources = []
    for table in tables:
        labels = dict(zip(table.names, table.labels, strict=True))
        schema: dict[str, Any] = {"fields": [_field(table, i) for i in range(len(table.columns))]}
        if table.primary_key:
            schema["primaryKey"] = [labels[c] for c in table.primary_key]
        resources.append({
            "name": table.name, "path": f"{table.name}.csv", "profile": "tabular-data-resource",
            "title": table.title, "description": table.description + FORMULA_NOTE,
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
        })
    return {
        "profile": "tabular-data-package", "name": "public-credit-information",
        "title": metadata["title"], "description": metadata["description"]
        + f"本发布为 {info.as_of.isoformat()} 构建的快照，公示期按 {info.release_day.isoformat()} 计算。",
        "version": info.build_id, "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "as_of": info.as_of.isoformat(), "build_id": info.build_id,
        "licenses": [{"name": LICENCE.replace(" ", "-"), "path": LICENCE_URL, "title": LICENCE}],
        "sources": [{"title": metadata["source"]}],
        "resources": resources,
    }

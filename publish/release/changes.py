"""`CHANGES.md` and `deltas/<previous>__<this>.jsonl`: what changed since the previous
release in the same releases directory, per table, by record key and digest.

A delta lists keys only (issue 17): the content of added and changed records is in the
current release, so an old delta never offers a record withdrawn since; and it never says
why a record went (a repair, a window's end, a revocation are all `withdrawn`: a "repaired"
mark would publish the repair).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..builds import BUILD_ID
from .tables import ReleaseTable

DELTAS_DIR = "deltas"
CHANGES_FILE = "CHANGES.md"
OPS = ("added", "withdrawn", "changed")


@dataclass
class TableChanges:
    table: str
    title: str
    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def previous_release(releases: Path, build_id: str) -> Path | None:
    """The newest finished release in `releases` other than this build's (by build instant)."""
    if not releases.is_dir():
        return None
    found = [p for p in releases.iterdir()
             if p.is_dir() and not p.is_symlink() and p.name != build_id and BUILD_ID.fullmatch(p.name)
             and (p / "public.db").is_file()]
    match = BUILD_ID.fullmatch(build_id)
    mine = match["instant"] if match else ""
    older = [p for p in found if (m := BUILD_ID.fullmatch(p.name)) and m["instant"] < mine]
    return max(older, key=lambda p: BUILD_ID.fullmatch(p.name)["instant"], default=None)  # type: ignore[index]


def _digests(db: Path, table: str) -> dict[str, str]:
    conn = sqlite3.connect("file:" + quote(str(db.resolve())) + "?mode=ro", uri=True)
    try:
        return dict(conn.execute(f"SELECT record_key, digest FROM [{table}]").fetchall())
    except sqlite3.OperationalError:
        return {}  # the table is new in this release
    finally:
        conn.close()


def compare(previous_db: Path, current_db: Path, tables: tuple[ReleaseTable, ...]) -> list[TableChanges]:
    found = []
    for table in tables:
        if not table.keyed:
            continue
        before, now = _digests(previous_db, table.name), _digests(current_db, table.name)
        found.append(TableChanges(
            table.name, table.title,
            added=sorted(k for k in now if k not in before),
            withdrawn=sorted(k for k in before if k not in now),
            changed=sorted(k for k, d in now.items() if k in before and before[k] != d)))
    return found


def write_delta(path: Path, changes: list[TableChanges]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for t in changes:
            for op in OPS:
                for key in getattr(t, op):
                    fh.write(json.dumps({"op": op, "table": t.table, "key": key}, ensure_ascii=False) + "\n")


def delta_name(previous: str, current: str) -> str:
    return f"{DELTAS_DIR}/{previous}__{current}.jsonl"


def changes_markdown(build_id: str, previous: str | None, changes: list[TableChanges]) -> str:
    lines = [f"# 变更说明（{build_id}）", ""]
    if previous is None:
        lines += ["这是本目录中的第一个发布，没有可比较的上一版本。", ""]
        return "\n".join(lines)
    lines += [f"与上一发布 {previous} 相比，按记录标识（record_key）与内容摘要（digest）统计。",
              "“撤下”包括信用修复、公示期届满、原记录撤销等，不区分原因。",
              f"逐条的记录标识见 {delta_name(previous, build_id)}（每行一个 JSON 对象：op 为 added、withdrawn 或 "
              "changed，key 为记录标识；新增与变更记录的内容见本发布的数据文件）。", "",
              "| 表 | 名称 | 新增 | 撤下 | 变更 |", "|---|---|---:|---:|---:|"]
    lines += [f"| {t.table} | {t.title} | {len(t.added)} | {len(t.withdrawn)} | {len(t.changed)} |" for t in changes]
    return "\n".join(lines) + "\n"

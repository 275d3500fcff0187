"""What the `/downloads` page and its JSON twin show, as plain values: the current release's
files per table (format, size, date, checksum, the stable `latest/` URL, the live CSV), its
other files, the deltas newest first, and the releases taken off with the reason."""
from __future__ import annotations

from typing import Any

from ..times import beijing_display
from .catalog import Catalog, ListedFile
from .sending import content_type

LATEST = "/downloads/latest/"
DELTAS = "/downloads/deltas/"
LIVE = "/downloads/live/"
TABLE_FORMATS = ("csv", "xlsx", "parquet", "jsonl")
FORMAT_LABELS = {
    "csv": "CSV（UTF-8，Excel 可直接打开）",
    "xlsx": "Excel 工作簿（XLSX）",
    "parquet": "Parquet（列式，适合 pandas、R、DuckDB）",
    "jsonl": "JSON Lines（每行一条记录）",
    "db": "SQLite 数据库（全部表）",
    "json": "数据字典（Frictionless Data Package）",
    "md": "说明（Markdown）",
}
UPDATING = "正在更新：本站当前数据的批量下载文件尚未生成，请稍后再来。各期变化（增量）仍可下载。"
TAKEN_OFF = ("往期完整发布已下线：其中的部分记录此后已完成信用修复、超过公示期或被撤销，依法终止公示，"
             "不得继续提供下载。请使用当前发布；各期之间的变化见增量文件（只含记录键，不含记录内容）。")


def size_display(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    for unit, scale in (("KB", 1024), ("MB", 1024 ** 2), ("GB", 1024 ** 3)):
        if size < scale * 1024 or unit == "GB":
            return f"{size / scale:.1f} {unit}"
    return f"{size} 字节"  # pragma: no cover - the loop always returns


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _file(f: ListedFile, url: str) -> dict[str, Any]:
    ext = _extension(f.basename)
    return {"name": f.basename, "url": url, "format": FORMAT_LABELS.get(ext, ext.upper() or "文件"),
            "content_type": content_type(f.basename), "size": f.size, "size_display": size_display(f.size),
            "sha256": f.sha256}


def table_names(files: tuple[ListedFile, ...]) -> list[str]:
    """The release's tables: every `<table>.csv` it holds."""
    return sorted(f.name[:-len(".csv")] for f in files if f.name.endswith(".csv"))


def _delta(f: ListedFile) -> dict[str, Any]:
    previous, _, this = f.basename.removesuffix(".jsonl").partition("__")
    return {**_file(f, DELTAS + f.basename), "from": previous, "to": this,
            "from_as_of": previous.partition("_")[0], "to_as_of": this.partition("_")[0]}


def listing(catalog: Catalog) -> dict[str, Any]:
    release = catalog.current
    shown: dict[str, Any] | None = None
    if release is not None:
        files = release.full_files
        names = table_names(files)
        by_name = {f.name: f for f in files}
        tables = [{"name": t, "title": release.titles.get(t, t), "live_url": f"{LIVE}{t}.csv",
                   "files": [_file(by_name[n], LATEST + n) for n in (f"{t}.{e}" for e in TABLE_FORMATS)
                             if n in by_name]} for t in names]
        of_tables = {f"{t}.{e}" for t in names for e in TABLE_FORMATS}
        shown = {"build_id": release.build_id, "as_of": release.as_of, "created": release.created,
                 "created_display": beijing_display(release.created), "tables": tables,
                 "others": [_file(f, LATEST + f.name) for f in files if f.name not in of_tables]}
    return {
        "status": "current" if release is not None else "updating",
        "message": None if release is not None else UPDATING,
        "build_id": catalog.build_id,
        "release": shown,
        "deltas": [_delta(f) for f in catalog.deltas],
        "taken_off": [{"build_id": r.build_id, "as_of": r.as_of, "created": r.created,
                       "created_display": beijing_display(r.created)} for r in catalog.taken_off],
        "taken_off_note": TAKEN_OFF if catalog.taken_off else None,
    }

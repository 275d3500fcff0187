"""The release's short Chinese README.md: what the files are, the attribution to copy, and
what the release left out or cut (issue 17: "the release says so")."""
from __future__ import annotations

from ..metadata import LICENCE, LICENCE_URL, build_metadata
from .tables import BuildInfo, ReleaseTable


def readme(info: BuildInfo, tables: tuple[ReleaseTable, ...], left_out: dict[str, int], cut_cells: int,
           counts: dict[str, int]) -> str:
    metadata = build_metadata()
    office = metadata["plugins"]["site"]["office"]
    titles = {t.name: t.title for t in tables}
    lines = [
        f"# {metadata['title']}：批量下载（{info.build_id}）", "",
        f"本发布是 {info.as_of.isoformat()} 构建的快照，公示期按 {info.release_day.isoformat()} 计算，"
        "每晚由新的发布替换。", "",
        "## 引用与许可", "",
        f"许可：{LICENCE}（{LICENCE_URL}）。使用时请注明出处，可直接复制：", "",
        f"> 数据来源：{office}，{LICENCE}", "",
        "## 文件", "",
        "每张表有四种格式：`<表名>.csv`（UTF-8 带 BOM，表头为标准中文名称）、`<表名>.xlsx`（Excel 推荐，"
        "代码均为文本单元格）、`<表名>.parquet` 与 `<表名>.jsonl`（英文字段名）；`public.db` 是包含全部表的 "
        "SQLite 数据库。字段说明见 `datapackage.json`，校验值见 `SHA256SUMS`（`sha256sum -c SHA256SUMS`），"
        "与上一发布的差异见 `CHANGES.md` 与 `deltas/`。", "",
        "| 表 | 名称 | 记录数 |", "|---|---|---:|",
        *[f"| {t.name} | {t.title} | {counts.get(t.name, 0)} |" for t in tables], "",
        "“公示截止期”是部门报送的日期（原样保留）；“公示截止日（含当日）”是本平台按公示规则算出的最后公示日，"
        "发布与网站都按它取舍记录。", "",
        "CSV 中以 =、+、-、@、制表符或回车开头的文本前加了英文单引号 '，以免电子表格将其当作公式执行。", "",
        "## 未收录与截断", "",
    ]
    ending = {table: n for table, n in left_out.items() if n}
    if ending:
        lines.append(f"公示期在 {info.release_day.isoformat()} 之前届满的记录未收录（构建中有，发布中无）："
                     + "、".join(f"{titles.get(t, t)} {n} 条" for t, n in ending.items()) + "。")
    else:
        lines.append(f"没有因公示期在 {info.release_day.isoformat()} 之前届满而未收录的记录。")
    lines += ["", f"XLSX 中超过 32,767 个字符而被截断的单元格：{cut_cells} 个"
                  "（截断处有标记，完整内容见 CSV 等其他格式）。", ""]
    return "\n".join(lines)

"""Small builders for test inputs: valid identifiers and raw rows as departments send them.

Invented data only; check characters computed, never copied.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from redaction.checkdigits import USCC_ALPHABET, id18_check_char, uscc_check_char


def uscc(serial: int, prefix: str = "91", division: str = "360200") -> str:
    """A valid USCC: prefix + division + 9-character organisation code + check character."""
    body = f"{serial:09d}"
    first17 = prefix + division + body
    return first17 + uscc_check_char(first17)


def bad_uscc(serial: int) -> str:
    good = uscc(serial)
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(good[-1]) + 1) % 31]
    return good[:-1] + wrong


def id_number(birth: str = "19800101", serial: int = 123, division: str = "360203") -> str:
    first17 = f"{division}{birth}{serial:03d}"
    return first17 + id18_check_char(first17)


PENALTY_HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人",
    "法定代表人证件类型", "法定代表人证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "公示截止期", "处罚机关",
    "数据来源单位", "备注",
]


def penalty(**overrides) -> dict:
    row = {
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": uscc(1), "法定代表人": "王小明",
        "法定代表人证件类型": "身份证", "法定代表人证件号码": id_number(),
        "行政处罚决定书文号": "景市监罚〔2026〕1号", "违法行为类型": "产品质量",
        "违法事实": "该公司生产的日用陶瓷抽检不合格。", "处罚依据": "《中华人民共和国产品质量法》第四十九条",
        "处罚类别": "罚款", "处罚内容": "罚款人民币5万元", "罚款金额（万元）": "5",
        "处罚决定日期": "2026-06-01", "公示截止期": "", "处罚机关": "景德镇市市场监督管理局",
        "数据来源单位": "景德镇市市场监督管理局", "备注": "",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None,
              encoding: str = "utf-8", title_rows: list[list[str]] = ()) -> Path:
    header = header or list(rows[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        for title in title_rows:
            writer.writerow(title)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def json_objects(path: Path) -> list[dict]:
    """The records of a JSON Lines file, a JSON array, or a platform's answer holding them."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines()]
    data = json.loads(text)
    if isinstance(data, list):
        return data
    [records] = [v for k, v in data.items() if k in ("rows", "data", "list")]
    return records

"""Data-quality findings for the credit office (build-report.json `findings`): one USCC under
several names, one name under several USCCs (重码/错码, the Zhongshan plan's clean-up), and 万元
columns that look as if they were filled in 元."""
from __future__ import annotations

NOTES = {
    "ambiguous_category": ("处罚类别为“暂扣或者吊销许可证、暂扣或者吊销执照”（代码 4）："
                           "按处罚内容是否写明吊销定为严重或一般"),
    "shadowed_column_differs": "同一字段有两列（如“企业名称”与“行政相对人名称”）且取值不同：以标准表头一列为准",
}
LIMIT = 1000          # items listed per finding (all are counted)
NAMES_PER_KEY = 5     # names remembered per USCC and USCCs per name: enough to show a clash


class Findings:
    def __init__(self) -> None:
        self.names_by_uscc: dict[str, set[str]] = {}
        self.usccs_by_name: dict[str, set[str]] = {}
        self.suspect_fines: list[dict] = []
        self.suspect_fine_count = 0
        self.by_code: dict[str, dict] = {}

    def note(self, code: str, file: str, row: int) -> None:
        """A finding named by its code (NOTES says what it means), listed by file and row."""
        entry = self.by_code.setdefault(code, {"count": 0, "note": NOTES.get(code, ""), "items": []})
        entry["count"] += 1
        if len(entry["items"]) < LIMIT:
            entry["items"].append({"file": file, "row": row})

    def note_names(self, uscc: str, name: str) -> None:
        names = self.names_by_uscc.setdefault(uscc, set())
        if len(names) < NAMES_PER_KEY:
            names.add(name)
        usccs = self.usccs_by_name.setdefault(name, set())
        if len(usccs) < NAMES_PER_KEY:
            usccs.add(uscc)

    def note_suspect_fine(self, file: str, row: int, value: object) -> None:
        self.suspect_fine_count += 1
        if len(self.suspect_fines) < LIMIT:
            self.suspect_fines.append({"file": file, "row": row, "fine_wan": value})

    def report(self) -> dict:
        several_names = {u: sorted(n) for u, n in self.names_by_uscc.items() if len(n) > 1}
        several_usccs = {n: sorted(u) for n, u in self.usccs_by_name.items() if len(u) > 1}
        return {
            "uscc_with_several_names": {"count": len(several_names),
                                        "items": dict(list(several_names.items())[:LIMIT])},
            "name_with_several_usccs": {"count": len(several_usccs),
                                        "items": dict(list(several_usccs.items())[:LIMIT])},
            "suspect_fine_unit": {"count": self.suspect_fine_count,
                                  "note": "罚款金额（万元）大于 10000，疑似以元填报，已按元计算",
                                  "items": self.suspect_fines},
            **self.by_code,
        }

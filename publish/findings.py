"""Data-quality findings for the credit office (build-report.json `findings`): one USCC under
several names, one name under several USCCs (重码/错码, the Zhongshan plan's clean-up), and 万元
columns that look as if they were filled in 元."""
from __future__ import annotations

LIMIT = 1000          # items listed per finding (all are counted)
NAMES_PER_KEY = 5     # names remembered per USCC and USCCs per name: enough to show a clash


class Findings:
    def __init__(self) -> None:
        self.names_by_uscc: dict[str, set[str]] = {}
        self.usccs_by_name: dict[str, set[str]] = {}
        self.suspect_fines: list[dict] = []
        self.suspect_fine_count = 0

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
        }

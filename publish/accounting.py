"""The build report's ledger: every input row counted once, at three levels.

Outcomes are `published.<tier>`, `withheld.<reason>`, `quarantined.<code>`,
`duplicates.exact` and `duplicates.superseded`. A row's outcome can change while the build
runs (a later correction supersedes it, a newer grade replaces it); `move` keeps the
identity read = published + withheld + quarantined + duplicates at every level.
"""
from __future__ import annotations

from collections import Counter, defaultdict

LEVELS = ("datasets", "files", "departments")
UNKNOWN_DEPARTMENT = "未注明"


class Ledger:
    def __init__(self) -> None:
        self.read: dict[str, Counter] = {level: Counter() for level in LEVELS}
        self.outcomes: dict[str, dict[str, Counter]] = {
            level: defaultdict(Counter) for level in LEVELS}

    def count_read(self, dataset: str, file: str, department: str) -> None:
        for level, key in zip(LEVELS, (dataset, file, department), strict=True):
            self.read[level][key] += 1

    def count(self, where: tuple[str, str, str], outcome: str, n: int = 1) -> None:
        for level, key in zip(LEVELS, where, strict=True):
            self.outcomes[level][key][outcome] += n

    def move(self, where: tuple[str, str, str], old: str, new: str) -> None:
        self.count(where, old, -1)
        self.count(where, new, 1)

    def summary(self, level: str, key: str) -> dict:
        """The report block of one dataset, file or department."""
        outcomes = self.outcomes[level][key]
        block = {"read": self.read[level][key],
                 "published": {"public": 0, "authorized": 0},
                 "withheld": {}, "quarantined": {}, "duplicates": {"exact": 0, "superseded": 0}}
        for outcome, n in sorted(outcomes.items()):
            if n == 0:
                continue
            group, _, detail = outcome.partition(".")
            block[group][detail] = block[group].get(detail, 0) + n
        totals = {group: sum(block[group].values())
                  for group in ("published", "withheld", "quarantined", "duplicates")}
        block["totals"] = totals
        block["balanced"] = block["read"] == sum(totals.values())
        if level == "departments":
            block["quarantine_rate"] = round(totals["quarantined"] / block["read"], 4) if block["read"] else 0.0
        return block

    def report(self) -> dict:
        return {level: {key: self.summary(level, key) for key in sorted(self.read[level])}
                for level in LEVELS}

    def balanced(self) -> bool:
        return all(self.summary(level, key)["balanced"]
                   for level in LEVELS for key in self.read[level])

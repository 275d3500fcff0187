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
        read = self.read[level][key]
        groups: dict[str, dict[str, int]] = {"published": {"public": 0, "authorized": 0}, "withheld": {},
                                             "quarantined": {}, "duplicates": {"exact": 0, "superseded": 0}}
        for outcome, n in sorted(outcomes.items()):
            if n == 0:
                continue
            group, _, detail = outcome.partition(".")
            groups[group][detail] = groups[group].get(detail, 0) + n
        totals = {group: sum(counts.values()) for group, counts in groups.items()}
        block: dict[str, object] = {"read": read, **groups, "totals": totals,
                                    "balanced": read == sum(totals.values())}
        if level == "departments":
            block["quarantine_rate"] = round(totals["quarantined"] / read, 4) if read else 0.0
        return block

    def report(self) -> dict:
        return {level: {key: self.summary(level, key) for key in sorted(self.read[level])}
                for level in LEVELS}

    def balanced(self) -> bool:
        return all(self.summary(level, key)["balanced"]
                   for level in LEVELS for key in self.read[level])

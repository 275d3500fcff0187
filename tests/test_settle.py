"""The settling step alone (publish/settle.py), with tables of cases: duplicates,
corrections, the latest grade per subject, repairs and objections. No files, no SQLite."""
import pytest

from publish.outcomes import Pointer, Record
from publish.settle import Settler

WHERE = ("penalty", "a.csv", "景德镇市市场监督管理局")
LATER = ("penalty", "b.csv", "景德镇市市场监督管理局")


class ListSink:
    """Collects the settling step's effects; `counts` nets moves out, as the ledger does."""

    def __init__(self):
        self.counts: dict[tuple, int] = {}
        self.loaded: dict[int, tuple] = {}
        self.next_id = 1

    def count(self, where, outcome):
        self.counts[(where[1], outcome)] = self.counts.get((where[1], outcome), 0) + 1

    def move(self, where, old, new):
        self.counts[(where[1], old)] -= 1
        self.count(where, new)

    def load(self, table, tier, row):
        self.loaded[self.next_id] = row
        self.next_id += 1
        return self.next_id - 1

    def unload(self, table, tier, row_id):
        del self.loaded[row_id]

    def nonzero(self):
        return {k: v for k, v in self.counts.items() if v}


def record(decision="罚1号", content="v1", stamp="", order=0, number=1, outcome="published.public",
           latest=None, matched=()):
    return Record("部门", number, ("penalties", "处罚机关", decision, "S1"), content.encode(),
                  ((stamp,), order, number), outcome, "public" if outcome.startswith("published") else None,
                  (None, decision, content), latest=latest, matched=matched)


def settle(rows):
    sink = ListSink()
    settler = Settler(sink)
    for where, row in rows:
        if isinstance(row, Pointer):
            settler.pointer(where, row)
        else:
            settler.record("penalties", where, row)
    settler.finish()
    return sink


CASES = [
    ("one record is published",
     [(WHERE, record())],
     {("a.csv", "published.public"): 1}, ["v1"]),
    ("an exact re-submission is a duplicate",
     [(WHERE, record()), (LATER, record(order=1))],
     {("a.csv", "published.public"): 1, ("b.csv", "duplicates.exact"): 1}, ["v1"]),
    ("a newer version supersedes the older",
     [(WHERE, record(content="v1", order=0)), (LATER, record(content="v2", order=1))],
     {("a.csv", "duplicates.superseded"): 1, ("b.csv", "published.public"): 1}, ["v2"]),
    ("an older version read later is superseded, by timestamp",
     [(WHERE, record(content="v2", stamp="2026-06-10")), (LATER, record(content="v1", stamp="2026-06-02", order=1))],
     {("a.csv", "published.public"): 1, ("b.csv", "duplicates.superseded"): 1}, ["v2"]),
    ("an old version repeated after its correction is still a duplicate",
     [(WHERE, record(content="v1", order=0)), (WHERE, record(content="v2", order=0, number=2)),
      (LATER, record(content="v1", order=1))],
     {("a.csv", "duplicates.superseded"): 1, ("a.csv", "published.public"): 1, ("b.csv", "duplicates.exact"): 1},
     ["v2"]),
    ("a withheld correction unloads the published version",
     [(WHERE, record(content="v1")), (LATER, record(content="v2", order=1, outcome="withheld.revoked"))],
     {("a.csv", "duplicates.superseded"): 1, ("b.csv", "withheld.revoked"): 1}, []),
    ("two decisions are two records",
     [(WHERE, record(decision="罚1号")), (WHERE, record(decision="罚2号", number=2))],
     {("a.csv", "published.public"): 2}, ["v1", "v1"]),
]


@pytest.mark.parametrize("name, rows, counts, published", CASES, ids=[c[0] for c in CASES])
def test_duplicates_and_corrections(name, rows, counts, published):
    sink = settle(rows)
    assert sink.nonzero() == counts
    assert sorted(r[2] for r in sink.loaded.values()) == published


def grade(subject, day, grade, number):
    return Record("部门", number, ("evaluations", subject, day), grade.encode(), (("",), 0, number),
                  "published.public", "public", (None, subject, day, grade), latest=(subject, day))


LATEST_CASES = [
    ("the newer grade replaces the older",
     [grade("S1", "2025-01-01", "良", 1), grade("S1", "2026-01-01", "优", 2)],
     {("a.csv", "withheld.not_latest"): 1, ("a.csv", "published.public"): 1}, ["优"]),
    ("an older grade read later is withheld",
     [grade("S1", "2026-01-01", "优", 1), grade("S1", "2025-01-01", "良", 2)],
     {("a.csv", "withheld.not_latest"): 1, ("a.csv", "published.public"): 1}, ["优"]),
    ("each subject keeps its own latest",
     [grade("S1", "2026-01-01", "优", 1), grade("S2", "2025-01-01", "中", 2)],
     {("a.csv", "published.public"): 2}, ["中", "优"]),
    # Same subject and day: one decision (its identity), so the later row is a correction.
    ("the same day twice is a correction",
     [grade("S1", "2026-01-01", "优", 1), grade("S1", "2026-01-01", "差", 2)],
     {("a.csv", "published.public"): 1, ("a.csv", "duplicates.superseded"): 1}, ["差"]),
]


@pytest.mark.parametrize("name, rows, counts, published", LATEST_CASES, ids=[c[0] for c in LATEST_CASES])
def test_latest_grade_per_subject(name, rows, counts, published):
    sink = settle([(WHERE, r) for r in rows])
    assert sink.nonzero() == counts
    assert sorted(r[3] for r in sink.loaded.values()) == published


KEY = ("罚1号", "S1")


def pointer(rule="repair", status=None, digest=b"p1", stamp="", order=0, number=1, key=KEY):
    return Pointer("部门", number, (rule, *key), digest, ((stamp,), order, number), rule, key, status)


POINTER_CASES = [
    ("a repair that matched its penalty is applied",
     [(WHERE, pointer())], [KEY], {("a.csv", "published.public"): 1}),
    ("a repair pointing at nothing is withheld",
     [(WHERE, pointer())], [], {("a.csv", "withheld.no_matching_record"): 1}),
    ("a repeated repair is a duplicate",
     [(WHERE, pointer()), (LATER, pointer(order=1))], [KEY],
     {("a.csv", "published.public"): 1, ("b.csv", "duplicates.exact"): 1}),
    ("a later objection handling supersedes the earlier",
     [(WHERE, pointer("objection", "处理中", b"o1", "2026-01-01")),
      (LATER, pointer("objection", "维持", b"o2", "2026-02-01", order=1))], [KEY],
     {("a.csv", "duplicates.superseded"): 1, ("b.csv", "published.public"): 1}),
    ("an earlier objection handling read later is superseded",
     [(WHERE, pointer("objection", "维持", b"o2", "2026-02-01")),
      (LATER, pointer("objection", "处理中", b"o1", "2026-01-01", order=1))], [KEY],
     {("a.csv", "published.public"): 1, ("b.csv", "duplicates.superseded"): 1}),
]


@pytest.mark.parametrize("name, rows, matched, counts", POINTER_CASES, ids=[c[0] for c in POINTER_CASES])
def test_repairs_and_objections(name, rows, matched, counts):
    sink = ListSink()
    settler = Settler(sink)
    for where, p in rows:
        settler.pointer(where, p)
    for key in matched:
        settler.record("penalties", WHERE, record(outcome="withheld.repaired", matched=(key,)))
    settler.finish()
    counts = {**counts, **({("a.csv", "withheld.repaired"): 1} if matched else {})}
    assert sink.nonzero() == counts


def test_the_second_pass_knows_the_pointers():
    settler = Settler(ListSink())
    settler.pointer(WHERE, pointer("repair"))
    settler.pointer(WHERE, pointer("objection", "处理中", key=("罚2号", "S1")))
    assert settler.repaired() == frozenset({KEY})
    assert settler.objection_statuses() == {("罚2号", "S1"): "处理中"}

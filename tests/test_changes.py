"""The change feed over two (and more) real builds from raw files: exactly the records added,
withdrawn (repair, window end, 原记录撤销) and changed (a correction), by record key and
nothing else; cursors (before the first build, expired, forged); pending changes of a build
never served; idempotence; the USCC filter; the snapshot."""
import dataclasses
import datetime as dt
import os

import pytest

from publish.build import build
from publish.builds import serving_mark
from publish.clock import Clock
from publish.errors import PublishError
from publish.feed import CURSOR_DAYS, ChangeFeed, make_current, make_current_at_start, record_changes
from publish.feed.cursor import Cursor, cursor_key, decode, encode
from publish.feed.records import build_id_of
from publish.feed.tables import FEED_BATCHES, FEED_HEAD, FEED_TABLES
from publish.signing_keys import initialise
from publish.state import open_store
from tests.conftest import rows
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv
from tests.test_build import OBJECTION_HEADER, REPAIR_HEADER

AS_OF = dt.date(2026, 11, 25)             # the second build's day
FIRST_AS_OF = AS_OF - dt.timedelta(days=10)
CLOCK = Clock.on(AS_OF)


def decision(n: int) -> str:
    return f"景市监罚〔2026〕{n}号"


def subject(n: int) -> dict:
    return {"行政相对人名称": f"景德镇市第{n}陶瓷有限公司", "行政相对人代码_1(统一社会信用代码)": uscc(n),
            "行政处罚决定书文号": decision(n)}


def pointer(n: int, **fields) -> dict:
    """A repair's or an objection's row pointing at penalty n."""
    return {"行政相对人名称": f"景德镇市第{n}陶瓷有限公司", "统一社会信用代码": uscc(n),
            "行政处罚决定书文号": decision(n), **fields}


KEPT, REPAIRED, ENDED, REVOKED, CORRECTED, NEW, MAINTAINED, ENDS_SOON = 1, 2, 3, 4, 5, 6, 7, 8
FIRST = [penalty(**subject(n)) for n in (KEPT, REPAIRED, REVOKED, MAINTAINED)] + [
    penalty(**subject(ENDED), 公示截止期="2026-11-20"),   # inside the first build's window, past the second's
    penalty(**subject(CORRECTED), 处罚内容="罚款人民币5万元"),
]
SECOND = [penalty(**subject(n)) for n in (KEPT, REPAIRED, REVOKED, MAINTAINED, NEW)] + [
    penalty(**subject(ENDED), 公示截止期="2026-11-20"),
    penalty(**subject(CORRECTED), 处罚内容="罚款人民币6万元"),   # re-submitted, corrected
    penalty(**subject(ENDS_SOON), 公示截止期="2026-11-27"),     # its window ends two days after the build
]
REPAIRS = [pointer(REPAIRED, 修复决定日期="2026-11-01", 修复机关="景德镇市发展和改革委员会")]
OBJECTIONS = [pointer(REVOKED, 异议提出日期="2026-10-01", 异议状态="原记录撤销", 处理日期="2026-11-01"),
              pointer(MAINTAINED, 异议提出日期="2026-10-01", 异议状态="维持", 处理日期="2026-11-01")]


def raw(path, penalties, repairs=(), objections=()):
    write_csv(path / "penalties.csv", penalties, PENALTY_HEADER)
    if repairs:
        write_csv(path / "repairs.csv", list(repairs), REPAIR_HEADER)
    if objections:
        write_csv(path / "objections.csv", list(objections), OBJECTION_HEADER)
    return path


@dataclasses.dataclass
class World:
    state: object
    out: object
    first: object       # the first build's directory
    second: object
    before: str         # a cursor taken before the first build
    keys: dict          # penalty number -> record key (the same in both builds)


def keys_of(build_dir) -> dict:
    found = rows(build_dir / "public.db", "SELECT decision_no, record_key FROM penalties_records")
    return {int(r["decision_no"].split("〕")[1].rstrip("号")): r["record_key"] for r in found}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("feed")
    state = root / "state"
    initialise(state, CLOCK)
    out = root / "out"
    empty = ChangeFeed(state, CLOCK)
    before = empty.changes(None, None, "no-build-yet")["cursor"]
    build(raw(root / "raw1", FIRST), out, FIRST_AS_OF, state_dir=state, progress=False)
    first = out.resolve()
    make_current(state, first, CLOCK)
    build(raw(root / "raw2", SECOND, REPAIRS, OBJECTIONS), out, AS_OF, state_dir=state, progress=False)
    second = out.resolve()
    make_current(state, second, CLOCK)
    keys = {**keys_of(first), **keys_of(second)}
    return World(state, out, first, second, before, keys)


def read_all(feed: ChangeFeed, after, served, usccs=None, limit=1000) -> tuple[list[dict], str]:
    found = []
    while True:
        page = feed.changes(after, usccs, served, limit=limit)
        found += page["changes"]
        after = page["cursor"]
        if not page["more"]:
            return found, after


def ops(changes, build_id=None) -> set[tuple[str, str, str]]:
    return {(c["op"], c["kind"], c["key"]) for c in changes if build_id is None or c["build_id"] == build_id}


def test_the_second_build_reports_exactly_what_changed(world):
    feed = ChangeFeed(world.state, CLOCK)
    changes, _ = read_all(feed, None, build_id_of(world.second))
    k = world.keys
    assert ops(changes, build_id_of(world.second)) == {
        ("added", "penalties", k[NEW]), ("added", "penalties", k[ENDS_SOON]),
        ("withdrawn", "penalties", k[REPAIRED]),   # 信用修复
        ("withdrawn", "penalties", k[ENDED]),      # its window ended before the second build
        ("withdrawn", "penalties", k[REVOKED]),    # objection resolved 原记录撤销
        ("changed", "penalties", k[CORRECTED]),    # corrected content, same key
    }   # KEPT and MAINTAINED (维持) are no change


def test_the_first_build_adds_every_record(world):
    feed = ChangeFeed(world.state, CLOCK)
    changes, _ = read_all(feed, None, build_id_of(world.first))
    k = world.keys
    assert ops(changes) == {("added", "penalties", k[n]) for n in (KEPT, REPAIRED, ENDED, REVOKED, MAINTAINED,
                                                                     CORRECTED)}
    assert ops(changes, build_id_of(world.first)) == ops(changes)   # nothing of the build not served


def test_changes_carry_keys_kinds_and_subjects_only(world):
    feed = ChangeFeed(world.state, CLOCK)
    changes, _ = read_all(feed, None, build_id_of(world.second))
    assert {tuple(sorted(c)) for c in changes} == {("build_id", "key", "kind", "op", "uscc")}
    assert {c["uscc"] for c in changes if c["key"] == world.keys[REPAIRED]} == {uscc(REPAIRED)}


def test_a_cursor_taken_before_the_first_build_reads_everything_since(world):
    feed = ChangeFeed(world.state, CLOCK)
    since, cursor = read_all(feed, world.before, build_id_of(world.second))
    everything, _ = read_all(feed, None, build_id_of(world.second))
    assert since == everything and len(since) == 12
    assert feed.changes(cursor, None, build_id_of(world.second))["changes"] == []


def test_pages_follow_each_other_without_gap_or_repeat(world):
    feed = ChangeFeed(world.state, CLOCK)
    whole, _ = read_all(feed, None, build_id_of(world.second))
    paged, _ = read_all(feed, None, build_id_of(world.second), limit=5)
    assert paged == whole


def test_a_process_answers_up_to_the_build_it_serves(world):
    feed = ChangeFeed(world.state, CLOCK)
    answer = feed.changes(world.before, None, build_id_of(world.first))
    assert answer["build_id"] == build_id_of(world.first)
    assert {c["build_id"] for c in answer["changes"]} == {build_id_of(world.first)}
    later, _ = read_all(feed, answer["cursor"], build_id_of(world.second))
    assert {c["build_id"] for c in later} == {build_id_of(world.second)} and len(later) == 6


def test_filtered_by_uscc(world):
    feed = ChangeFeed(world.state, CLOCK)
    changes, _ = read_all(feed, None, build_id_of(world.second), usccs=[uscc(CORRECTED), uscc(NEW)])
    k = world.keys
    assert [(c["op"], c["key"]) for c in changes] == [
        ("added", k[CORRECTED]), *sorted([("changed", k[CORRECTED]), ("added", k[NEW])], key=lambda c: c[1])]


def test_a_cursor_older_than_90_days_is_expired_and_points_at_the_snapshot(world):
    feed = ChangeFeed(world.state, CLOCK)
    cursor = feed.changes(None, None, build_id_of(world.second))["cursor"]
    later = ChangeFeed(world.state, Clock.at(CLOCK.now() + dt.timedelta(days=CURSOR_DAYS - 1)))
    assert later.changes(cursor, None, build_id_of(world.second))["changes"] == []
    too_late = ChangeFeed(world.state, Clock.at(CLOCK.now() + dt.timedelta(days=CURSOR_DAYS, hours=1)))
    with pytest.raises(PublishError) as caught:
        too_late.changes(cursor, None, build_id_of(world.second))
    assert caught.value.code == "cursor_expired" and "/api/v1/snapshot?uscc=" in caught.value.message


@pytest.mark.parametrize("garble", [
    lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),   # one character changed
    lambda c: c[:10] + "!" + c[10:],                     # a stray character
    lambda c: c + "==",
    lambda c: "",
    lambda c: "not a cursor",
    lambda c: "深圳",
])
def test_a_garbled_cursor_is_bad(world, garble):
    feed = ChangeFeed(world.state, CLOCK)
    cursor = feed.changes(None, None, build_id_of(world.second))["cursor"]
    with pytest.raises(PublishError) as caught:
        feed.changes(garble(cursor), None, build_id_of(world.second))
    assert caught.value.code == "bad_cursor"


def test_a_forged_cursor_is_bad(world):
    """One made with another key: earlier position, fresh date, right layout."""
    feed = ChangeFeed(world.state, CLOCK)
    real = decode(cursor_key(world.state), feed.changes(None, None, build_id_of(world.second))["cursor"])
    forged = encode(os.urandom(32), Cursor(real.epoch, 0, real.issued))
    with pytest.raises(PublishError) as caught:
        feed.changes(forged, None, build_id_of(world.second))
    assert caught.value.code == "bad_cursor"


def test_snapshot_lists_the_current_records_of_the_subjects(world):
    feed = ChangeFeed(world.state, CLOCK)
    asked = [uscc(n) for n in (KEPT, REPAIRED, ENDED, ENDS_SOON)]
    snap = feed.snapshot(world.second, asked)
    k = world.keys
    assert snap["build_id"] == build_id_of(world.second)
    assert [(r["kind"], r["key"], r["uscc"]) for r in snap["records"]] == [
        ("penalties", k[KEPT], uscc(KEPT)), ("penalties", k[ENDS_SOON], uscc(ENDS_SOON))]
    assert feed.changes(snap["cursor"], None, build_id_of(world.second))["changes"] == []
    # A window that ended after the build is left out, as the pages leave it out.
    later = ChangeFeed(world.state, Clock.on(AS_OF + dt.timedelta(days=5))).snapshot(world.second, asked)
    assert [r["key"] for r in later["records"]] == [k[KEPT]]


def head(state) -> dict:
    with open_store(state, FEED_TABLES) as store:
        return store.select(FEED_HEAD)[0]


def batches(state) -> list[dict]:
    with open_store(state, FEED_TABLES) as store:
        return store.select(FEED_BATCHES, order_by="recorded_at")


def test_make_current_twice_adds_nothing(world):
    was, known = head(world.state), batches(world.state)
    make_current(world.state, world.second, CLOCK)
    make_current(world.state, world.out, CLOCK)   # the link, resolved: the same build
    assert head(world.state) == was and batches(world.state) == known
    assert record_changes(world.state, world.second, CLOCK)["changes"] == 6   # already current: nothing new
    assert batches(world.state) == known


def test_pending_changes_of_a_build_never_served_are_dropped(tmp_path):
    state = tmp_path / "state"
    initialise(state, CLOCK)
    out = tmp_path / "out"
    build(raw(tmp_path / "raw1", FIRST[:2]), out, AS_OF, state_dir=state, progress=False)   # KEPT, REPAIRED
    make_current(state, out, CLOCK)
    served_first = out.resolve()
    mark = serving_mark(served_first)   # a server holds the current build while the next ones run
    try:
        third = build(raw(tmp_path / "raw3", FIRST[:3]), out, AS_OF, state_dir=state, progress=False)
        assert third["changes"]["counts"] == {"added": {"penalties": 1}}   # REVOKED
        never_served = out.resolve()
        fourth = build(raw(tmp_path / "raw4", FIRST[:2]), out, AS_OF, state_dir=state, progress=False)
        assert fourth["changes"]["counts"] == {}    # the same records as the feed's current build
        make_current(state, out, CLOCK)
    finally:
        os.close(mark)
    served = out.resolve()
    feed = ChangeFeed(state, CLOCK)
    changes, _ = read_all(feed, None, build_id_of(served))
    assert {c["build_id"] for c in changes} == {build_id_of(served_first)} and len(changes) == 2
    assert build_id_of(never_served) not in {b["build_id"] for b in batches(state)}
    assert head(state)["current_build_id"] == build_id_of(served)
    # Served later after all, the never-served build is diffed again against the feed's current build.
    make_current(state, never_served, CLOCK)
    later, _ = read_all(feed, None, build_id_of(never_served))
    assert ops(later, build_id_of(never_served)) == {("added", "penalties", keys_of(never_served)[REVOKED])}


def test_a_bad_limit_or_too_many_subjects_is_refused(world):
    feed = ChangeFeed(world.state, CLOCK)
    for limit in (0, 1001):
        with pytest.raises(PublishError) as caught:
            feed.changes(None, None, build_id_of(world.second), limit=limit)
        assert caught.value.code == "bad_limit"
    with pytest.raises(PublishError) as caught:
        feed.changes(None, [uscc(n) for n in range(1001)], build_id_of(world.second))
    assert caught.value.code == "too_many_usccs"


def test_a_feed_whose_base_build_is_gone_starts_again_and_says_so(tmp_path):
    """More builds ran than are kept while no server made any current: the feed's current
    build was pruned, nothing is left to diff against."""
    state = tmp_path / "state"
    initialise(state, CLOCK)
    out = tmp_path / "out"
    build(raw(tmp_path / "raw1", FIRST[:2]), out, AS_OF, state_dir=state, progress=False)
    make_current(state, out, CLOCK)
    feed = ChangeFeed(state, CLOCK)
    _, cursor = read_all(feed, None, build_id_of(out.resolve()))
    build(raw(tmp_path / "raw2", FIRST[:3]), out, AS_OF, state_dir=state, progress=False)
    third = build(raw(tmp_path / "raw3", FIRST[:4]), out, AS_OF, state_dir=state, progress=False)
    assert third["changes"]["reset"] and third["changes"]["counts"] == {"added": {"penalties": 4}}
    make_current(state, out, CLOCK)
    with pytest.raises(PublishError) as caught:
        feed.changes(cursor, None, build_id_of(out.resolve()))
    assert caught.value.code == "cursor_expired"
    fresh, _ = read_all(feed, None, build_id_of(out.resolve()))
    assert ops(fresh) == {("added", "penalties", key) for key in keys_of(out.resolve()).values()}


def test_changes_past_the_retention_are_pruned_and_their_cursors_expire(tmp_path):
    state = tmp_path / "state"
    initialise(state, CLOCK)
    out = tmp_path / "out"
    build(raw(tmp_path / "raw1", FIRST[:2]), out, AS_OF, state_dir=state, progress=False)
    make_current(state, out, CLOCK)
    first = build_id_of(out.resolve())
    day_100 = Clock.at(CLOCK.now() + dt.timedelta(days=100))
    cursor = ChangeFeed(state, day_100).changes(None, None, first, limit=1)["cursor"]   # 1 of 2 read
    build(raw(tmp_path / "raw2", FIRST[:3]), out, AS_OF, state_dir=state, progress=False)
    day_121 = Clock.at(CLOCK.now() + dt.timedelta(days=121))
    make_current(state, out, day_121)   # the first build's changes are 121 days old: pruned
    feed = ChangeFeed(state, day_121)
    with pytest.raises(PublishError) as caught:
        feed.changes(cursor, None, build_id_of(out.resolve()))   # 21 days old, but its changes are gone
    assert caught.value.code == "cursor_expired"
    retained, _ = read_all(feed, None, build_id_of(out.resolve()))
    assert ops(retained) == {("added", "penalties", keys_of(out.resolve())[REVOKED])}


def test_a_server_without_a_state_directory_serves_without_a_feed(world, tmp_path, capsys):
    assert make_current_at_start(tmp_path / "never-initialised", world.second, CLOCK) is False
    assert "feed_unavailable" in capsys.readouterr().err
    assert make_current_at_start(world.state, world.second, CLOCK) is True

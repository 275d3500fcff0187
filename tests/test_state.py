"""The state store's contract, written against the interface (publish/state/base.py) and run
against every backend in BACKENDS (SQLite now; PostgreSQL joins with scale-out). Real files,
real processes. The SQLite-only checks (WAL, file modes) are at the end."""
import multiprocessing
import os
import sqlite3
import stat
import threading
import time

import pytest

from publish.errors import PublishError
from publish.state import (
    BACKENDS,
    STATE_DB,
    Column,
    ConflictError,
    Index,
    Table,
    ge,
    gt,
    le,
    lt,
    ne,
    one_of,
    open_store,
)

ITEMS = Table("items", (Column("id", "text", nullable=False), Column("n", "integer"), Column("score", "real"),
                        Column("data", "blob"), Column("tag", "text", nullable=False, default="none")),
              primary_key=("id",), indexes=(Index(("tag",)),))
COUNTERS = Table("counters", (Column("client", nullable=False), Column("window", "integer", nullable=False),
                              Column("hits", "integer", nullable=False, default=0), Column("weight", "real")),
                 primary_key=("client", "window"))
LOG = Table("log", (Column("who", nullable=False), Column("seq", "integer", nullable=False)),
            primary_key=("who", "seq"))
TABLES = (ITEMS, COUNTERS, LOG)


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return request.param


def opener(backend: str, state_dir, **kw):
    """Opens the backend's store for `state_dir` (what a child process calls too)."""
    return BACKENDS[backend].open(state_dir, kw.pop("tables", TABLES), create=kw.pop("create", True), **kw)


@pytest.fixture
def store(backend, tmp_path):
    with opener(backend, tmp_path / "state") as s:
        yield s


def seed(store):
    with store.write() as tx:
        tx.insert(ITEMS, {"id": "a", "n": 1, "score": 0.5, "tag": "x"})
        tx.insert(ITEMS, {"id": "b", "n": 2, "data": b"\x00\xff"})
        tx.insert(ITEMS, {"id": "c", "n": None, "score": 2.0, "tag": "x"})


# --- queries ----------------------------------------------------------------------------------

def test_rows_come_back_as_written_with_defaults(store):
    seed(store)
    assert store.get(ITEMS, {"id": "b"}) == {"id": "b", "n": 2, "score": None, "data": b"\x00\xff", "tag": "none"}
    assert store.get(ITEMS, {"id": "zz"}) is None
    assert [r["id"] for r in store.select(ITEMS)] == ["a", "b", "c"]  # the primary key's order


def test_conditions_order_and_limit(store):
    seed(store)
    ids = lambda where=None, **kw: [r["id"] for r in store.select(ITEMS, where, **kw)]  # noqa: E731
    assert ids({"tag": "x"}) == ["a", "c"]
    assert ids({"n": None}) == ["c"]
    assert ids({"n": gt(1)}) == ["b"] and ids({"n": ge(1)}) == ["a", "b"]
    assert ids({"n": lt(2)}) == ["a"] and ids({"n": le(2)}) == ["a", "b"]
    assert ids({"tag": ne("x")}) == ["b"]
    assert ids({"id": one_of("a", "c", "q")}) == ["a", "c"]
    assert ids({"n": one_of(2, None)}) == ["b", "c"] and ids({"id": one_of()}) == []
    assert ids({"tag": "x", "score": gt(1.0)}) == ["c"]
    assert ids(order_by="-id") == ["c", "b", "a"]
    assert ids(order_by=("tag", "-id"), limit=2) == ["b", "c"]
    assert store.count(ITEMS) == 3 and store.count(ITEMS, {"tag": "x"}) == 2


def test_values_are_checked_against_their_columns(store):
    with store.write() as tx:
        with pytest.raises(TypeError):
            tx.insert(ITEMS, {"id": "a", "n": "1"})    # SQLite would take it; another backend would not
        with pytest.raises(TypeError):
            tx.insert(ITEMS, {"id": "a", "n": True})
        with pytest.raises(TypeError):
            tx.insert(ITEMS, {"id": "a", "data": "text"})
        with pytest.raises(ValueError):
            tx.insert(ITEMS, {"id": "a", "nope": 1})
        with pytest.raises(ValueError):
            tx.insert(ITEMS, {"n": 1})                 # the key is required
        with pytest.raises(ValueError):
            tx.insert(ITEMS, {"id": "a", "tag": None})  # not nullable
        with pytest.raises(ValueError):
            tx.update(ITEMS, {}, {"n": 1})             # no condition: never every row by accident
        with pytest.raises(ValueError):
            tx.delete(ITEMS, {})
        tx.insert(ITEMS, {"id": "a", "score": 3})      # an int is a real
    with pytest.raises(ValueError):
        store.get(ITEMS, {"tag": "x"})                 # get() takes the primary key
    with pytest.raises(ValueError):
        store.select(ITEMS, order_by="nope")


def test_an_undeclared_table_is_refused(store):
    other = Table("other", (Column("k", nullable=False),), primary_key=("k",))
    with pytest.raises(ValueError, match="declare"):
        store.select(other)
    store.declare(other)
    assert store.select(other) == []
    with pytest.raises(ValueError, match="differently"):
        store.declare(Table("other", (Column("k", nullable=False), Column("v")), primary_key=("k",)))


def test_table_declarations_are_checked():
    with pytest.raises(ValueError):
        Table("Bad-Name", (Column("k", nullable=False),), primary_key=("k",))
    with pytest.raises(ValueError):
        Table("store_x", (Column("k", nullable=False),), primary_key=("k",))   # the store's own
    with pytest.raises(ValueError):
        Table("t", (Column("k"),), primary_key=("k",))                          # a nullable key
    with pytest.raises(ValueError):
        Table("t", (Column("k", nullable=False),), primary_key=("j",))
    with pytest.raises(ValueError):
        Column("c", "json")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Column("c", "integer", default="0")


# --- writes -----------------------------------------------------------------------------------

def test_insert_conflict_leaves_the_transaction_usable(store):
    seed(store)
    with store.write() as tx:
        with pytest.raises(ConflictError) as caught:
            tx.insert(ITEMS, {"id": "a", "n": 9})
        assert caught.value.code == "state_conflict"
        tx.insert(ITEMS, {"id": "d", "n": 4})          # the transaction goes on
    assert store.get(ITEMS, {"id": "a"})["n"] == 1 and store.get(ITEMS, {"id": "d"})["n"] == 4


def test_insert_many_writes_all_rows_or_none(store):
    seed(store)
    with store.write() as tx:
        tx.insert_many(ITEMS, [{"id": f"m{i}", "n": i} for i in range(1000)])
        with pytest.raises(ConflictError):
            tx.insert_many(ITEMS, [{"id": "z1", "n": 1}, {"id": "a", "n": 2}])   # "a" is taken
        with pytest.raises(ValueError):
            tx.insert_many(ITEMS, [{"id": "z2", "n": 1}, {"id": "z3"}])          # other columns
        with pytest.raises(TypeError):
            tx.insert_many(ITEMS, [{"id": "z4", "n": "one"}])
        tx.insert_many(ITEMS, [])
    assert store.count(ITEMS, {"id": ge("m")}) == 1000
    assert store.get(ITEMS, {"id": "z1"}) is None and store.get(ITEMS, {"id": "z2"}) is None
    assert store.get(ITEMS, {"id": "m999"})["n"] == 999


def test_a_unique_index_is_a_conflict_too(backend, tmp_path):
    users = Table("users", (Column("id", nullable=False), Column("email", nullable=False)), primary_key=("id",),
                  indexes=(Index(("email",), unique=True),))
    with opener(backend, tmp_path, tables=[users]) as store, store.write() as tx:
        tx.insert(users, {"id": "1", "email": "a@x"})
        with pytest.raises(ConflictError):
            tx.insert(users, {"id": "2", "email": "a@x"})
        with pytest.raises(ConflictError):
            tx.put(users, {"id": "3", "email": "a@x"})


def test_put_inserts_or_replaces_the_given_columns(store):
    with store.write() as tx:
        tx.put(ITEMS, {"id": "a", "n": 1, "tag": "x"})
        tx.put(ITEMS, {"id": "a", "n": 5})
        tx.put(ITEMS, {"id": "b"})
        tx.put(ITEMS, {"id": "b"})
    assert store.get(ITEMS, {"id": "a"}) == {"id": "a", "n": 5, "score": None, "data": None, "tag": "x"}
    assert store.count(ITEMS) == 2


def test_update_and_delete_say_how_many_rows(store):
    seed(store)
    with store.write() as tx:
        assert tx.update(ITEMS, {"tag": "x"}, {"tag": "y", "n": 7}) == 2
        assert tx.update(ITEMS, {"id": "zz"}, {"n": 1}) == 0
        assert tx.delete(ITEMS, {"id": "b"}) == 1
    assert [(r["id"], r["n"], r["tag"]) for r in store.select(ITEMS)] == [("a", 7, "y"), ("c", 7, "y")]


def test_add_is_a_counter_made_on_first_use(store):
    key = {"client": "10.0.0.1", "window": 42}
    with store.write() as tx:
        assert tx.add(COUNTERS, key, "hits") == 1
        assert tx.add(COUNTERS, key, "hits", 4) == 5
        assert tx.add(COUNTERS, key, "weight", 0.5) == 0.5   # a NULL counter starts at 0
        assert tx.add(COUNTERS, {"client": "10.0.0.1", "window": 43}, "hits") == 1
        with pytest.raises(ValueError):
            tx.add(COUNTERS, {"client": "10.0.0.1"}, "hits")
    assert store.get(COUNTERS, key) == {**key, "hits": 5, "weight": 0.5}


def test_an_exception_rolls_everything_back(store):
    seed(store)
    with pytest.raises(ZeroDivisionError), store.write() as tx:
        tx.insert(ITEMS, {"id": "d"})
        tx.delete(ITEMS, {"id": "a"})
        assert tx.count(ITEMS) == 3                       # a transaction reads its own writes
        1 / 0  # noqa: B018
    assert [r["id"] for r in store.select(ITEMS)] == ["a", "b", "c"]


def test_writes_only_inside_a_transaction_and_transactions_do_not_nest(store):
    with store.write() as tx:
        with pytest.raises(RuntimeError), store.write():
            pass
        tx.insert(ITEMS, {"id": "a"})
    with pytest.raises(RuntimeError):
        tx.insert(ITEMS, {"id": "b"})                      # a transaction that ended
    with store.read() as r, pytest.raises((RuntimeError, AttributeError)):
        r.insert(ITEMS, {"id": "b"})                       # type: ignore[attr-defined]
    assert store.count(ITEMS) == 1


def test_another_store_sees_a_write_only_once_committed(backend, tmp_path):
    with opener(backend, tmp_path) as one, opener(backend, tmp_path) as two:
        with one.write() as tx:
            tx.insert(ITEMS, {"id": "a"})
            assert two.get(ITEMS, {"id": "a"}) is None
        assert two.get(ITEMS, {"id": "a"}) is not None


def test_a_read_transaction_sees_one_state(backend, tmp_path):
    with opener(backend, tmp_path) as one, opener(backend, tmp_path) as two:
        with one.read() as r:
            assert r.count(ITEMS) == 0
            with two.write() as tx:
                tx.insert(ITEMS, {"id": "a"})
            assert r.count(ITEMS) == 0 and r.select(ITEMS) == []
        assert one.count(ITEMS) == 1


def test_threads_of_one_store_write_without_losing_updates(store):
    def work():
        for _ in range(50):
            with store.write() as tx:
                row = tx.get(COUNTERS, {"client": "t", "window": 0})
                tx.put(COUNTERS, {"client": "t", "window": 0, "hits": (row["hits"] if row else 0) + 1})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get(COUNTERS, {"client": "t", "window": 0})["hits"] == 200


# --- two processes at once ----------------------------------------------------------------------

ROUNDS = 150


def _hammer(backend, state_dir, who, barrier):
    """A child: read-modify-writes that lose updates unless writes are serialised."""
    with opener(backend, state_dir) as store:
        barrier.wait(timeout=60)
        for i in range(ROUNDS):
            with store.write() as tx:
                row = tx.get(COUNTERS, {"client": "shared", "window": 0})
                time.sleep(0.0005 if i % 10 == 0 else 0)   # widen the window now and then
                tx.put(COUNTERS, {"client": "shared", "window": 0, "hits": (row["hits"] if row else 0) + 1})
                tx.add(COUNTERS, {"client": "added", "window": 0}, "hits")
                last = tx.select(LOG, {"who": who}, order_by="-seq", limit=1)
                tx.insert(LOG, {"who": who, "seq": (last[0]["seq"] + 1) if last else 0})


def test_two_processes_writing_at_once_lose_nothing(backend, tmp_path):
    opener(backend, tmp_path).close()   # made once, before the race
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    children = [ctx.Process(target=_hammer, args=(backend, tmp_path, f"p{i}", barrier)) for i in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=240)
    assert [c.exitcode for c in children] == [0, 0]
    with opener(backend, tmp_path) as store:
        assert store.get(COUNTERS, {"client": "shared", "window": 0})["hits"] == 2 * ROUNDS
        assert store.get(COUNTERS, {"client": "added", "window": 0})["hits"] == 2 * ROUNDS
        for who in ("p0", "p1"):
            assert [r["seq"] for r in store.select(LOG, {"who": who})] == list(range(ROUNDS))


def _hold_the_lock(backend, state_dir, held, release):
    with opener(backend, state_dir) as store, store.write() as tx:
        tx.insert(ITEMS, {"id": "holder"})
        held.set()
        release.wait(120)


def test_a_writer_waits_for_another_process_then_gives_up_with_state_busy(backend, tmp_path):
    opener(backend, tmp_path).close()
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_the_lock, args=(backend, tmp_path, held, release))
    holder.start()
    try:
        assert held.wait(60)
        with opener(backend, tmp_path, busy_timeout=0.2) as impatient:
            with pytest.raises(PublishError) as caught, impatient.write():
                pass
            assert caught.value.code == "state_busy" and "占用" in caught.value.message
            # It gave up while the lock was still held (the holder waits to be released).
            assert holder.is_alive() and not release.is_set()
            assert impatient.get(ITEMS, {"id": "holder"}) is None   # reads never wait
        release.set()
        with opener(backend, tmp_path, busy_timeout=30) as patient, patient.write() as tx:
            assert tx.get(ITEMS, {"id": "holder"}) is not None     # it waited for the commit
    finally:
        release.set()
        holder.join(timeout=60)
    assert holder.exitcode == 0


def _after_fork(store, queue):
    with store.write() as tx:
        tx.insert(ITEMS, {"id": f"child-{os.getpid()}"})
    queue.put(store.count(ITEMS))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_store_inherited_through_fork_opens_its_own_connection(store):
    seed(store)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_after_fork, args=(store, queue))
    child.start()
    assert queue.get(timeout=60) == 4
    child.join(timeout=60)
    assert child.exitcode == 0 and store.count(ITEMS) == 4


# --- opening, versions, migrations -------------------------------------------------------------

def test_without_create_a_missing_store_is_state_missing_and_nothing_is_made(backend, tmp_path):
    with pytest.raises(PublishError) as caught:
        opener(backend, tmp_path / "nowhere", create=False)
    assert caught.value.code == "state_missing" and "keys init" in caught.value.message
    assert not (tmp_path / "nowhere").exists()
    opener(backend, tmp_path / "made").close()
    opener(backend, tmp_path / "made", create=False).close()


def test_a_table_is_migrated_when_its_version_rises(backend, tmp_path):
    v1 = Table("people", (Column("id", nullable=False), Column("name")), primary_key=("id",))
    with opener(backend, tmp_path, tables=[v1]) as store, store.write() as tx:
        tx.insert(v1, {"id": "1", "name": "甲"})
        tx.insert(v1, {"id": "2", "name": None})

    def backfill(tx):
        tx.update(v2, {"name": None}, {"name": "（无）"})

    v2 = Table("people", (Column("id", nullable=False), Column("name"), Column("level", "integer", nullable=False,
                                                                            default=3), Column("note")),
               primary_key=("id",), indexes=(Index(("level",)),), version=2, migrations=((2, backfill),))
    with opener(backend, tmp_path, tables=[v2]) as store:
        assert store.select(v2) == [{"id": "1", "name": "甲", "level": 3, "note": None},
                                    {"id": "2", "name": "（无）", "level": 3, "note": None}]
        with store.write() as tx:
            tx.insert(v2, {"id": "3", "note": "新"})
    with opener(backend, tmp_path, tables=[v2]) as store:     # already at 2: the migration does not run again
        assert store.get(v2, {"id": "3"})["name"] is None
    with pytest.raises(PublishError) as caught:
        opener(backend, tmp_path, tables=[v1])               # an older program, a newer state
    assert caught.value.code == "state_too_new"


def test_a_migration_that_fails_leaves_the_table_at_its_version(backend, tmp_path):
    v1 = Table("things", (Column("id", nullable=False),), primary_key=("id",))
    opener(backend, tmp_path, tables=[v1]).close()

    def broken(tx):
        raise RuntimeError("half-way")

    v2 = Table("things", (Column("id", nullable=False), Column("extra")), primary_key=("id",), version=2,
               migrations=((2, broken),))
    with pytest.raises(RuntimeError):
        opener(backend, tmp_path, tables=[v2])
    with opener(backend, tmp_path, tables=[v1]) as store:    # still version 1, usable by the old program
        assert store.select(v1) == []


# --- SQLite only ---------------------------------------------------------------------------------

def test_sqlite_store_is_one_private_wal_file(tmp_path):
    state = tmp_path / "state"
    with open_store(state, TABLES, create=True) as store:
        with store.write() as tx:
            tx.insert(ITEMS, {"id": "a"})
        path = state / STATE_DB
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        for side in (state / (STATE_DB + "-wal"), state / (STATE_DB + "-shm")):
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = dict(conn.execute("SELECT name, version FROM store_tables").fetchall())
    assert versions == {"items": 1, "counters": 1, "log": 1}
    assert conn.execute("SELECT value FROM store_meta WHERE key = 'layout'").fetchone()[0] == "1"
    conn.close()


def test_sqlite_a_file_that_is_not_a_database_is_state_unreadable(tmp_path):
    (tmp_path / STATE_DB).write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        open_store(tmp_path, TABLES)
    assert caught.value.code == "state_unreadable"


def test_sqlite_a_newer_layout_is_refused(tmp_path):
    open_store(tmp_path, create=True).close()
    conn = sqlite3.connect(tmp_path / STATE_DB)
    conn.execute("UPDATE store_meta SET value = '99' WHERE key = 'layout'")
    conn.commit()
    conn.close()
    with pytest.raises(PublishError) as caught:
        open_store(tmp_path)
    assert caught.value.code == "state_too_new"

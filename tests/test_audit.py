"""The audit log (issue 16): append and read back, verify, and every way of tampering with it
that `verify` must name; several processes appending at once; names erased after the
retention; the `audit` commands.

Tampering is done the way an attacker with the state directory would: SQL on state.db.
Every case is fixed at NOW.
"""
import datetime as dt
import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from publish.audit import AuditEntry, AuditLog, instant_text
from publish.audit.chain import GENESIS, canonical, entry_hash, hashed_fields
from publish.audit.tables import CHECKPOINTS, ENTRIES, TABLES
from publish.audit.verify import CHECKPOINT_TYP
from publish.clock import Clock
from publish.errors import PublishError
from publish.settings import AUDIT_CHECKPOINT_EVERY_ENV, AUDIT_NAME_RETENTION_ENV
from publish.signing_keys import KeyRing, initialise
from publish.state import ConflictError, open_store
from tests.test_cli import assert_refused, clean_env, cli

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
BANK, GUARANTOR = "工商银行景德镇分行", "景德镇市融资担保有限公司"


@pytest.fixture
def state(tmp_path) -> Path:
    path = tmp_path / "state"
    initialise(path, Clock.at(NOW))
    return path


def entry(i: int, org: str | None = BANK, *, names: tuple[str, ...] = (), minutes: int | None = None) -> AuditEntry:
    """The i-th request, `minutes` (default i) after NOW."""
    at = NOW + dt.timedelta(minutes=i if minutes is None else minutes)
    return AuditEntry(at=instant_text(at), org=org, jti=f"jti-{i}" if org else None, method="GET",
                      route=f"/api/v1/entities/91360200MA00000{i:03d}", usccs=(f"91360200MA00000{i:03d}",),
                      names=names, build_id="2026-11-25_20261125T020000Z-ABCD", status=200 if org else 401,
                      bytes=1234 + i, request_id=f"req-{i}", outcome="ok" if org else "invalid_token")


def filled(state: Path, n: int = 10, every: int = 5) -> Path:
    """A log of n entries (names on the even ones), checkpointed every `every`."""
    with AuditLog.open(state, Clock.at(NOW), every=every) as log:
        for i in range(1, n + 1):
            names = (f"景德镇某某陶瓷有限公司{i}",) if i % 2 == 0 else ()
            log.append(entry(i, BANK if i % 3 else GUARANTOR, names=names))
    return state


def verify(state: Path):
    with AuditLog.open(state, Clock.at(NOW)) as log:
        return log.verify()


def sql(state: Path, *statements: tuple[str, tuple]) -> None:
    conn = sqlite3.connect(state / "state.db")
    with conn:
        for statement, params in statements:
            conn.execute(statement, params)
    conn.close()


# --- appending and reading -----------------------------------------------------------------

def test_append_returns_consecutive_seqs_and_entries_read_back_as_json(state):
    with AuditLog.open(state, Clock.at(NOW)) as log:
        seqs = [log.append(entry(i, names=("景德镇某某陶瓷有限公司",))) for i in range(1, 4)]
        entries = log.entries()
    assert seqs == [1, 2, 3]
    first = entries[0]
    assert first == {"seq": 1, "at": "2026-11-25T10:01:00.000000+00:00", "org": BANK, "jti": "jti-1",
                     "method": "GET", "route": "/api/v1/entities/91360200MA00000001",
                     "usccs": ["91360200MA00000001"], "names": ["景德镇某某陶瓷有限公司"],
                     "build_id": "2026-11-25_20261125T020000Z-ABCD", "status": 200, "bytes": 1235,
                     "request_id": "req-1", "outcome": "ok", "hash": first["hash"]}
    json.dumps(entries)   # JSON-able as they are
    assert len({e["hash"] for e in entries}) == 3


def test_entries_filter_by_org_since_after_and_limit(state):
    filled(state, 9)
    with AuditLog.open(state, Clock.at(NOW)) as log:
        assert [e["seq"] for e in log.entries(org=GUARANTOR)] == [3, 6, 9]
        assert [e["seq"] for e in log.entries(since=NOW + dt.timedelta(minutes=7))] == [7, 8, 9]
        # an instant in another zone means the same instant
        beijing = (NOW + dt.timedelta(minutes=7)).astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert [e["seq"] for e in log.entries(since=beijing)] == [7, 8, 9]
        assert [e["seq"] for e in log.entries(since="2026-11-25T18:07:00")] == [7, 8, 9]   # Beijing time
        with pytest.raises(PublishError):
            log.entries(since="昨天")
        assert [e["seq"] for e in log.entries(org=BANK, since=NOW + dt.timedelta(minutes=3))] == [4, 5, 7, 8]
        assert [e["seq"] for e in log.entries(after=4, limit=3)] == [5, 6, 7]
        assert log.entries(org="没有这个机构") == []


def test_an_invalid_token_is_logged_without_org_or_jti(state):
    with AuditLog.open(state, Clock.at(NOW)) as log:
        log.append(entry(1, None))
        (logged,) = log.entries()
    assert (logged["org"], logged["jti"], logged["status"], logged["outcome"]) == (None, None, 401, "invalid_token")


def test_head_and_checkpoints_every_n_entries_and_at_close(state):
    with AuditLog.open(state, Clock.at(NOW), every=4) as log:
        assert log.head() == {"seq": 0, "hash": GENESIS, "at": None, "checkpoint": None}
        assert log.checkpoint() is None   # nothing to sign
        for i in range(1, 7):
            log.append(entry(i))
        head = log.head()
        assert head["seq"] == 6 and head["checkpoint"]["seq"] == 4
    with AuditLog.open(state, Clock.at(NOW)) as log:
        head = log.head()
        assert head["checkpoint"]["seq"] == 6 and head["checkpoint"]["hash"] == head["hash"]
        payload = KeyRing(log.store, state, Clock.at(NOW)).verify_jws(head["checkpoint"]["jws"], "audit",
                                                                       CHECKPOINT_TYP).payload
        assert json.loads(payload) == {"log": "audit", "seq": 6, "hash": head["hash"], "at": head["checkpoint"]["at"]}
    with AuditLog.open(state, Clock.at(NOW)) as log:   # reading only: no new checkpoint
        log.entries()
    with AuditLog.open(state, Clock.at(NOW)) as log:
        assert log.store.count(CHECKPOINTS) == 2


def test_a_checkpoint_that_cannot_be_signed_does_not_fail_the_append(state):
    """Without a current audit key the entries are still written; closing says what is wrong."""
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        ring.retire(ring.current_key("audit").kid, "compromised")
    log = AuditLog.open(state, Clock.at(NOW), every=2)
    assert [log.append(entry(i)) for i in range(1, 4)] == [1, 2, 3]
    assert log.head()["checkpoint"] is None
    with pytest.raises(PublishError) as caught:
        log.close()
    assert caught.value.code == "keys_missing"


def test_verify_passes_on_an_untouched_log(state):
    filled(state, 12)
    report = verify(state)
    assert report.ok and report.checked == 12 and report.head == 12 and report.checkpoint == 12
    assert report.first_bad is None and report.problem is None and "12 条" in report.message


CANONICAL_CASES = [
    {"seq": 1, "route": "/api/v1/entities/9136", "usccs": [], "names": [], "org": None, "status": 200},
    {"seq": 2**53 - 1, "org": "景德镇市融资担保有限公司", "route": "/路径\u2028\u2029", "bytes": 0},
    {"seq": 3, "request_id": "".join(chr(c) for c in range(0, 0x30)), "outcome": "\u007f\\\"/"},
    {"seq": 4, "names": ["😀", "\ufeff", "a\u0000b"], "jti": "jti", "method": "POST"},
]


@pytest.mark.parametrize("hashed", CANONICAL_CASES)
def test_the_hashed_encoding_is_rfc_8785(hashed):
    import rfc8785

    assert canonical(hashed) == rfc8785.dumps(hashed)


def test_a_fork_fails_loudly(state):
    """Two entries after the same head: the unique previous hash refuses the second."""
    filled(state, 2)
    with open_store(state, TABLES) as store:
        (second,) = store.select(ENTRIES, {"seq": 2})
        with pytest.raises(ConflictError), store.write() as tx:
            tx.insert(ENTRIES, {**second, "seq": 3, "hash": "f" * 64})


def test_entries_are_checked_as_they_are_made():
    with pytest.raises(ValueError):
        AuditEntry(at="2026-11-25T10:00:00", org=BANK, jti="j", method="GET", route="/api/v1/audit")  # no zone
    with pytest.raises(ValueError):
        AuditEntry(at=instant_text(NOW), org=BANK, jti="j", method="GET", route="/api/v1/changes?after=1")
    with pytest.raises(TypeError):
        AuditEntry(at=instant_text(NOW), org=BANK, jti="j", method="GET", route="/", status="200")  # type: ignore
    made = AuditEntry.now(Clock.at(NOW), org=BANK, jti="j", method="GET", route="/api/v1/audit", usccs=["U"])
    assert made.usccs == ("U",) and made.at.startswith("2026-11-25T10:00:00")


# --- tampering: verify names the first bad entry ---------------------------------------------

def _swap(state, a, b):
    sql(state, ("UPDATE audit_entries SET seq = -1 WHERE seq = ?", (a,)),
        ("UPDATE audit_entries SET seq = ? WHERE seq = ?", (a, b)),
        ("UPDATE audit_entries SET seq = ? WHERE seq = -1", (b,)))


def _rehash_from(state, start):
    """An attacker who alters entry `start` and recomputes every hash after it."""
    conn = sqlite3.connect(state / "state.db")
    conn.row_factory = sqlite3.Row
    with conn:
        conn.execute("UPDATE audit_entries SET bytes = 1 WHERE seq = ?", (start,))
        prev = conn.execute("SELECT hash FROM audit_entries WHERE seq = ?", (start - 1,)).fetchone()["hash"]
        for row in conn.execute("SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq", (start,)).fetchall():
            values = {**dict(row), "usccs": json.loads(row["usccs"])}
            digest = entry_hash(prev, hashed_fields(row["seq"], values, json.loads(row["name_hashes"])))
            conn.execute("UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row["seq"]))
            prev = digest
    conn.close()


def _forge_checkpoint_payload(state):
    """The latest checkpoint's payload rewritten (seq 8), its signature kept."""
    import base64

    conn = sqlite3.connect(state / "state.db")
    jws = conn.execute("SELECT jws FROM audit_checkpoints WHERE seq = 10").fetchone()[0]
    header, payload, signature = jws.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["seq"] = 8
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with conn:
        conn.execute("UPDATE audit_checkpoints SET jws = ? WHERE seq = 10", (f"{header}.{forged}.{signature}",))
    conn.close()


def _checkpoint_signed_with_the_report_key(state):
    with KeyRing.open(state, Clock.at(NOW)) as ring:
        jws = ring.sign_jws(json.dumps({"log": "audit", "seq": 10, "hash": "0" * 64, "at": "x"}).encode(),
                            "report", CHECKPOINT_TYP)
    sql(state, ("UPDATE audit_checkpoints SET jws = ? WHERE seq = 10", (jws,)))


TAMPERING = [
    # (what is done, the problem verify names, the seq it names)
    ("a field edited", lambda s: sql(s, ("UPDATE audit_entries SET status = 404 WHERE seq = 4", ())),
     "audit_entry_altered", 4),
    ("the org edited", lambda s: sql(s, ("UPDATE audit_entries SET org = '另一家银行' WHERE seq = 7", ())),
     "audit_entry_altered", 7),
    ("a USCC edited", lambda s: sql(s, ("UPDATE audit_entries SET usccs = '[\"X\"]' WHERE seq = 2", ())),
     "audit_entry_altered", 2),
    ("a name hash edited", lambda s: sql(s, ("UPDATE audit_entries SET name_hashes = '[]' WHERE seq = 6", ())),
     "audit_entry_altered", 6),
    ("a stored hash edited", lambda s: sql(s, ("UPDATE audit_entries SET hash = ? WHERE seq = 3", ("a" * 64,))),
     "audit_entry_altered", 3),
    ("a kept name edited", lambda s: sql(s, ("UPDATE audit_names SET name = '别的公司' WHERE seq = 4", ())),
     "audit_name_altered", 4),
    ("an entry deleted", lambda s: sql(s, ("DELETE FROM audit_entries WHERE seq = 5", ())),
     "audit_entry_missing", 5),
    ("the first entry deleted", lambda s: sql(s, ("DELETE FROM audit_entries WHERE seq = 1", ())),
     "audit_entry_missing", 1),
    ("an entry deleted and the rest renumbered",
     lambda s: sql(s, ("DELETE FROM audit_entries WHERE seq = 5", ()),
                   ("UPDATE audit_entries SET seq = seq - 1 WHERE seq > 5", ())),
     "audit_entry_out_of_order", 5),
    ("two entries swapped", lambda s: _swap(s, 3, 4), "audit_entry_out_of_order", 3),
    ("the last entries cut (under a checkpoint)",
     lambda s: sql(s, ("DELETE FROM audit_entries WHERE seq > 8", ())), "audit_entries_cut", 9),
    ("an entry altered and the chain re-hashed after it", lambda s: _rehash_from(s, 3),
     "audit_checkpoint_mismatch", 5),
    ("a checkpoint's payload forged", _forge_checkpoint_payload, "audit_checkpoint_forged", 10),
    ("a checkpoint signed with a report key", _checkpoint_signed_with_the_report_key, "audit_checkpoint_forged", 10),
    ("a checkpoint that is not a JWS",
     lambda s: sql(s, ("UPDATE audit_checkpoints SET jws = 'x.y.z' WHERE seq = 5", ())),
     "audit_checkpoint_forged", 5),
]


@pytest.mark.parametrize(("what", "tamper", "problem", "seq"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_verify_names_the_first_bad_entry(state, what, tamper, problem, seq):
    filled(state, 10, every=5)
    assert verify(state).ok
    tamper(state)
    report = verify(state)
    assert not report.ok, what
    assert (report.problem, report.first_bad) == (problem, seq), report.message
    assert f"第 {seq} 条" in report.message and "北京时间" in report.message
    assert report.checked < seq or problem.startswith("audit_checkpoint")


def test_a_chain_cut_and_appended_to_again_still_fails(state):
    """Cutting the end (names too) and writing new entries over it does not hide the cut."""
    filled(state, 10, every=5)
    sql(state, ("DELETE FROM audit_entries WHERE seq > 7", ()), ("DELETE FROM audit_names WHERE seq > 7", ()))
    with AuditLog.open(state, Clock.at(NOW), every=100) as log:
        for i in range(8, 12):
            log.append(entry(i))
        report = log.verify()
    assert (report.ok, report.problem, report.first_bad) == (False, "audit_checkpoint_mismatch", 10)


def test_appending_over_a_cut_that_left_names_behind_fails_loudly(state):
    filled(state, 10, every=5)
    sql(state, ("DELETE FROM audit_entries WHERE seq > 7", ()))
    with AuditLog.open(state, Clock.at(NOW)) as log:
        with pytest.raises(PublishError) as caught:
            log.append(entry(8, names=("景德镇某某陶瓷有限公司",)))
        assert caught.value.code == "audit_chain_conflict" and "第 8 条" in caught.value.message
        assert log.head()["seq"] == 7   # nothing written


# --- several processes ---------------------------------------------------------------------

def _append_from_a_process(state: str, worker: int, n: int, start) -> None:
    with AuditLog.open(Path(state), Clock.at(NOW), every=50) as log:
        start.wait(timeout=120)   # all four open before any appends: they write at the same time
        for i in range(n):
            log.append(entry(worker * 1000 + i, names=(f"公司{worker}-{i}",)))


def test_four_processes_appending_at_once_make_one_valid_chain(state):
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(4)
    processes = [context.Process(target=_append_from_a_process, args=(str(state), w, 200, start)) for w in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with AuditLog.open(state, Clock.at(NOW)) as log:
        entries = log.entries()
        report = log.verify()
        head = log.head()
    assert [e["seq"] for e in entries] == list(range(1, 801))
    assert sorted(e["jti"] for e in entries) == sorted(f"jti-{w * 1000 + i}" for w in range(4) for i in range(200))
    assert report.ok and report.checked == 800, report.message
    assert head["checkpoint"]["seq"] == 800


def test_threads_of_one_process_share_transactions_and_each_gets_its_own_seqs(state):
    import threading

    got: dict[int, list[int]] = {}
    with AuditLog.open(state, Clock.at(NOW), every=64) as log:
        def work(worker: int) -> None:
            got[worker] = [log.append(entry(worker * 1000 + i)) for i in range(50)]

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        by_seq = {e["seq"]: e["jti"] for e in log.entries()}
        report = log.verify()
    assert sorted(s for seqs in got.values() for s in seqs) == list(range(1, 401))
    for worker, seqs in got.items():
        assert [by_seq[s] for s in seqs] == [f"jti-{worker * 1000 + i}" for i in range(50)]
    assert report.ok and report.checked == 400


# --- erasing names after the retention -------------------------------------------------------

def test_names_are_erased_after_the_retention_and_the_chain_still_verifies(state):
    filled(state, 6)
    day = dt.timedelta(days=1)
    with AuditLog.open(state, Clock.at(NOW)) as log:
        assert log.retention == 5
        assert log.erase_names(Clock.at(NOW.replace(year=2031) - day)) == 0
        assert log.entries()[1]["names"] == ["景德镇某某陶瓷有限公司2"]
        assert log.erase_names(Clock.at(NOW.replace(year=2031) + day)) == 3
        entries = log.entries()
        report = log.verify()
    assert [e["names"] for e in entries] == [[], [None], [], [None], [], [None]]
    assert report.ok and report.checked == 6
    conn = sqlite3.connect(state / "state.db")
    assert conn.execute("SELECT count(*) FROM audit_names").fetchone()[0] == 0
    assert not conn.execute("SELECT 1 FROM audit_entries WHERE name_hashes LIKE '%陶瓷%'").fetchall()
    conn.close()


def test_only_names_older_than_the_retention_are_erased(state):
    with AuditLog.open(state, Clock.at(NOW), retention=1) as log:
        log.append(entry(1, names=("旧公司",), minutes=0))
        log.append(entry(2, names=("新公司",), minutes=60 * 24 * 200))
        assert log.erase_names(Clock.at(NOW.replace(year=2027) + dt.timedelta(days=1))) == 1
        assert [e["names"] for e in log.entries()] == [[None], ["新公司"]]


@pytest.mark.parametrize("variable", [AUDIT_CHECKPOINT_EVERY_ENV, AUDIT_NAME_RETENTION_ENV])
@pytest.mark.parametrize("value", ["0", "-3", "五"])
def test_a_bad_setting_is_refused(state, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(PublishError) as caught:
        AuditLog.open(state, Clock.at(NOW))
    assert caught.value.code == "invalid_setting" and variable in caught.value.message


def test_settings_come_from_the_environment(state, monkeypatch):
    monkeypatch.setenv(AUDIT_CHECKPOINT_EVERY_ENV, "7")
    monkeypatch.setenv(AUDIT_NAME_RETENTION_ENV, "2")
    with AuditLog.open(state, Clock.at(NOW)) as log:
        assert (log.every, log.retention) == (7, 2)


def test_a_state_without_keys_init_is_refused(tmp_path):
    with pytest.raises(PublishError) as caught:
        AuditLog.open(tmp_path / "none", Clock.at(NOW))
    assert caught.value.code == "state_missing"
    assert not (tmp_path / "none").exists()


# --- the commands --------------------------------------------------------------------------

def env():
    return clean_env(PUBLISH_NOW=NOW.isoformat())


def test_cli_audit_list_prints_json_lines(state):
    filled(state, 6)
    result = cli("--state", state, "audit", "list", env=env())
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[1]["names"] == ["景德镇某某陶瓷有限公司2"]
    result = cli("--state", state, "audit", "list", "--org", GUARANTOR, env=env())
    assert [json.loads(line)["seq"] for line in result.stdout.splitlines()] == [3, 6]
    # 18:04 Beijing time is 10:04 UTC: entries 4, 5, 6
    result = cli("audit", "list", "--since", "2026-11-25T18:04:00", "--state", state, env=env())
    assert [json.loads(line)["seq"] for line in result.stdout.splitlines()] == [4, 5, 6]
    result = cli("audit", "list", "--since", "2026-11-26", "--state", state, env=env())
    assert result.returncode == 0 and result.stdout == ""


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "2026-11-25T25:00", ""])
def test_cli_audit_list_refuses_a_bad_since(state, since):
    assert_refused(cli("--state", state, "audit", "list", "--since", since, env=env()), "invalid_since", 2)


def test_cli_audit_verify_exit_codes(state):
    filled(state, 10)
    result = cli("--state", state, "audit", "verify", env=env())
    assert result.returncode == 0, result.stderr
    assert "审计日志完好 (audit ok)" in result.stdout and "10 条" in result.stdout
    sql(state, ("UPDATE audit_entries SET route = '/api/v1/entities/别的' WHERE seq = 6", ()))
    result = cli("--state", state, "audit", "verify", env=env())
    assert_refused(result, "audit_entry_altered", 1)
    assert "第 6 条" in result.stderr and "2026-11-25 18:06:00（北京时间）" in result.stderr
    assert "首个问题在第 6 条" in result.stdout


@pytest.mark.parametrize(("args", "code"), [
    (["audit"], "bad_argument"),
    (["audit", "frobnicate"], "bad_argument"),
    (["audit", "list", "--org"], "bad_argument"),
    (["audit", "verify", "extra"], "bad_argument"),
])
def test_cli_audit_bad_arguments(state, args, code):
    assert_refused(cli("--state", state, *args, env=env()), code, 2)


def test_cli_audit_without_a_state(tmp_path):
    for command in ("list", "verify"):
        assert_refused(cli("--state", tmp_path / "none", "audit", command, env=env()), "state_missing", 2)

"""Bounded SQL for everyone (publish/limits.py): the length limit on every connection, the size
cap on arbitrary SQL's answers, its own threads with a global and a per-client cap, the time
limit kept, and the client as the socket's peer or a trusted proxy's X-Forwarded-For entry.

Queries that must stay in progress while a test looks use `hold()`, an SQL function this
module's test plugin adds: it returns only when the test releases it, so no test depends on
how fast anything runs.
"""
import asyncio
import contextlib
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import httpx
import psutil
import pytest
from datasette import hookimpl
from datasette.plugins import pm

from publish.clock import Clock
from publish.errors import PublishError
from publish.limits import (
    LENGTH_LIMIT_BYTES,
    MAX_REMEMBERED_CLIENTS,
    Admission,
    SqlLimits,
    WindowLimit,
    caps_result_size,
    cell_cost,
    lane_of,
    parse_trusted_proxies,
    uvicorn_proxy_options,
)
from publish.plugins.connections import in_lane
from publish.plugins.sqllimits import HeldResponse, lane_config
from publish.serve import make_datasette
from publish.settings import MAX_CELL_CHARS
from tests.conftest import AS_OF
from tests.site_data import CHANGNAN, build_site

HOLD = "/public.json?sql=select+hold()"
ISSUE_QUERY = "select replace(printf('%.*c',1000000,'x'), 'x', printf('%.*c',1000,'y'))"


def sql(query: str, path: str = "/public.json") -> str:
    return f"{path}?sql={urllib.parse.quote(query)}"


class HoldPlugin:
    """Adds `hold()` to every connection: it blocks its SQL thread until `release` is set."""

    __name__ = "tests.hold"  # Datasette lists plugins by name

    def __init__(self) -> None:
        self.release = threading.Event()

    @hookimpl
    def prepare_connection(self, conn):
        conn.create_function("hold", 0, self._hold)

    def _hold(self) -> int:
        self.release.wait(60)
        return 1


@pytest.fixture
def hold():
    plugin = HoldPlugin()
    pm.register(plugin, name="tests.hold")
    try:
        yield plugin
    finally:
        plugin.release.set()
        pm.unregister(name="tests.hold")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("limits"))


@pytest.fixture
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


def client_from(datasette, address: str) -> httpx.AsyncClient:
    """An in-process client whose requests come from `address` (the socket's peer)."""
    transport = httpx.ASGITransport(app=datasette.app(), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://localhost")


async def until(condition, what: str) -> None:
    """Waits for a state of the server (never for a duration)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


# --- The policy as plain functions ---------------------------------------------------------------

def test_the_length_limit_is_above_the_largest_cell_a_build_keeps():
    assert MAX_CELL_CHARS == 32_767
    assert LENGTH_LIMIT_BYTES >= 8 * MAX_CELL_CHARS * 4
    assert LENGTH_LIMIT_BYTES <= 16 * 1024 * 1024


@pytest.mark.parametrize("kind, fmt, args, lane", [
    ("database", "json", {"sql": ["select 1"]}, "sql"),
    ("database", None, {"sql": ["  "]}, None),
    ("database", None, {}, None),
    ("table", "json", {"_where": ["1=1"]}, "sql"),
    ("table", "csv", {"_stream": ["on"]}, "sql"),
    ("table", "json", {"_stream": ["on"]}, None),
    ("table", None, {"_size": ["max"]}, "sql"),
    ("table", None, {"_size": ["1000"]}, "sql"),
    ("table", None, {"_size": ["50"]}, None),
    ("table", None, {"_size": ["20"]}, None),
    ("table", "json", {"_sort": ["id"]}, None),
    ("table", "json", {}, None),
    ("row", "json", {"sql": ["select 1"]}, None),
    ("other", None, {"sql": ["select 1"]}, None),
])
def test_what_runs_in_the_sql_lane(kind, fmt, args, lane):
    # Arbitrary SQL, and Datasette's reads of many rows.
    assert lane_of(kind, fmt, args) == lane


@pytest.mark.parametrize("kind, fmt, args, capped", [
    ("database", "json", {"sql": ["select 1"]}, True),
    ("database", "csv", {"sql": ["select 1"]}, True),
    ("table", "json", {"_where": ["1=1"]}, True),
    ("table", "csv", {"_where": ["1=1"], "_stream": ["on"]}, False),
    ("table", "json", {"_size": ["max"]}, False),
    ("table", "csv", {"_stream": ["on"]}, False),
])
def test_every_arbitrary_sql_answer_is_capped_but_a_table_stream(kind, fmt, args, capped):
    assert caps_result_size(kind, fmt, args) is capped


@pytest.mark.parametrize("value, at_least", [
    ("abc", 3), ("公司", 12), (None, 1), (12345, 1), (b"\x00" * 10, 20),
])
def test_a_cell_costs_at_least_what_it_adds_to_the_json(value, at_least):
    rendered = len(json.dumps(value if not isinstance(value, bytes) else value.hex()))
    assert cell_cost(value) >= max(at_least, rendered)


def test_admission_caps_each_client_then_the_server():
    gate = Admission(SqlLimits(max_concurrent=3, max_per_client=2, retry_after_seconds=2))
    assert gate.admit("a", 0) is None and gate.admit("a", 0) is None
    refused = gate.admit("a", 0)
    assert (refused.status, refused.code, refused.retry_after, refused.delay) == (429, "sql_client_busy", 2, 0)
    assert gate.admit("b", 0) is None
    busy = gate.admit("c", 0)
    assert (busy.status, busy.code) == (503, "sql_busy")
    gate.release("a")
    assert gate.admit("c", 0) is None
    for client in ("a", "b", "c"):
        gate.release(client)
    assert gate.in_progress == 0 and not gate.per_client


def test_a_client_that_ignores_retry_after_waits_for_its_next_refusal():
    gate = Admission(SqlLimits(max_concurrent=1, max_per_client=1, retry_after_seconds=2,
                               repeat_refusal_delay=0.5))
    assert gate.admit("a", 0) is None
    assert gate.admit("b", 10).delay == 0          # first refusal: at once
    assert gate.admit("b", 11).delay == 0.5        # back before its Retry-After
    assert gate.admit("b", 20).delay == 0          # back after it


def test_the_clients_admission_remembers_stay_bounded():
    gate = Admission(SqlLimits(max_concurrent=0))
    for n in range(MAX_REMEMBERED_CLIENTS + 50):
        gate.admit(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", 0)
    assert len(gate.refused_until) <= MAX_REMEMBERED_CLIENTS


@pytest.mark.parametrize("text, expected", [
    ("", []), (None, []), ("10.0.0.5", ["10.0.0.5"]), ("10.0.0.5, 10.1.0.0/16", ["10.0.0.5", "10.1.0.0/16"]),
    ("::1 192.168.0.1", ["::1", "192.168.0.1"]),
])
def test_trusted_proxies_are_addresses_or_networks(text, expected):
    assert parse_trusted_proxies(text) == expected


@pytest.mark.parametrize("text", ["*", "proxy.example.org", "10.0.0.300"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused(text):
    with pytest.raises(PublishError) as exc:
        parse_trusted_proxies(text)
    assert exc.value.code == "bad_setting"


def test_without_trusted_proxies_uvicorn_believes_no_header():
    # uvicorn's own default (forwarded_allow_ips=None) trusts loopback.
    assert uvicorn_proxy_options([]) == (False, [])
    assert uvicorn_proxy_options(["10.0.0.5"]) == (True, ["10.0.0.5"])


async def test_a_held_answer_is_sent_whole_or_replaced_by_an_error():
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    held = HeldResponse(send, limit=10, as_json=True)
    await held({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await held({"type": "http.response.body", "body": b"12345", "more_body": True})
    assert sent == []
    await held({"type": "http.response.body", "body": b"67890", "more_body": False})
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"1234567890"
    sent.clear()
    held = HeldResponse(send, limit=10, as_json=True)
    await held({"type": "http.response.start", "status": 200, "headers": []})
    await held({"type": "http.response.body", "body": b"123456", "more_body": True})
    await held({"type": "http.response.body", "body": b"7890X", "more_body": False})
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"]["code"] == "result_too_large"


def test_a_query_that_exhausts_the_workers_memory_is_a_503_not_a_trace():
    from publish.plugins.errors import describe_exception

    assert describe_exception(MemoryError())[:2] == (503, "out_of_memory")


# --- The length limit on every connection -----------------------------------------------------

async def test_every_connection_carries_the_length_limit(datasette):
    db = datasette.get_database("public")

    def limit(conn):
        return conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)

    assert await db.execute_fn(limit) == LENGTH_LIMIT_BYTES
    with in_lane("sql"):
        assert await db.execute_fn(limit) == LENGTH_LIMIT_BYTES
    assert await datasette.get_database("authorized").execute_fn(limit) == LENGTH_LIMIT_BYTES


@pytest.mark.parametrize("path", ["/public.json", "/public"])
async def test_the_issues_query_is_refused_with_a_small_answer(datasette, path):
    response = await datasette.client.get(sql(ISSUE_QUERY, path))
    assert response.status_code == 400
    assert len(response.content) < 64 * 1024
    if path.endswith(".json"):
        error = response.json()["error"]
        assert error["code"] == "sql_length_limit" and "1 MiB" in error["message"]


async def test_strings_up_to_the_limit_are_fine(datasette):
    under = sql(f"select length(printf('%.*c', {LENGTH_LIMIT_BYTES - 1}, 'x'))")
    assert (await datasette.client.get(under)).json()["rows"] == [[LENGTH_LIMIT_BYTES - 1]]
    # printf() gives NULL beyond the limit; replace() and zeroblob() fail.
    assert (await datasette.client.get(sql(f"select printf('%.*c', {LENGTH_LIMIT_BYTES + 1}, 'x')"))).json()[
        "rows"] == [[None]]
    over = sql(f"select length(replace(printf('%.*c', {LENGTH_LIMIT_BYTES // 2 + 1}, 'x'), 'x', 'xx'))")
    assert (await datasette.client.get(over)).json()["error"]["code"] == "sql_length_limit"
    blob = sql(f"select length(zeroblob({LENGTH_LIMIT_BYTES + 1}))")
    assert (await datasette.client.get(blob)).json()["error"]["code"] == "sql_length_limit"


async def test_a_row_of_eight_longest_cells_still_sorts(datasette):
    # The largest cell a build keeps is 32,767 characters; eight of them in one row, sorted
    # (SQLite builds one record of the whole row), stay under the limit.
    cell = f"replace(printf('%.*c', {MAX_CELL_CHARS}, 'x'), 'x', '字')"
    columns = ", ".join(f"{cell} || '{n}' AS c{n}" for n in range(8))
    response = await datasette.client.get(sql(f"select length(c0) from (select {columns} "
                                              "union all select " + columns + ") order by c7, c0, c1, c2"))
    assert response.status_code == 200 and response.json()["rows"] == [[MAX_CELL_CHARS + 1]] * 2


async def test_search_and_profiles_never_meet_the_limit(datasette):
    assert (await datasette.client.get("/search.json?q=昌南")).status_code == 200
    assert (await datasette.client.get(f"/entity/{CHANGNAN}.json")).status_code == 200


async def test_the_time_limit_is_kept(datasette):
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = await datasette.client.get(sql(endless) + "&_timelimit=50")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "sql_time_limit"
    page = await datasette.client.get(sql(endless, "/public") + "&_timelimit=50")
    assert page.status_code == 400 and "时间上限" in page.text


# --- The size cap on arbitrary SQL's answers ----------------------------------------------------

@pytest.fixture
def small_cap(built):
    from publish.plugins.sqllimits import configure

    datasette = make_datasette(built, Clock.on(AS_OF))
    configure(datasette, SqlLimits(max_result_bytes=4096))
    return datasette


async def test_an_answer_beyond_the_cap_is_an_error_never_a_truncated_200(small_cap):
    response = await small_cap.client.get(sql("select * from penalties_records"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "result_too_large"
    page = await small_cap.client.get(sql("select * from penalties_records", "/public"))
    assert page.status_code == 400 and "上限" in page.text
    csv = await small_cap.client.get(sql("select * from penalties_records", "/public.csv"))
    assert csv.status_code == 400
    where = await small_cap.client.get("/public/penalties.json?_where=1%3D1&_size=max")
    assert where.status_code == 400 and where.json()["error"]["code"] == "result_too_large"


async def test_a_page_whose_markup_passes_the_cap_is_an_error_too(small_cap):
    # Few rows, so the rows' own cost stays under the cap; the HTML page around them does not.
    page = await small_cap.client.get(sql("select 1", "/public"))
    assert page.status_code == 400 and "上限" in page.text


async def test_answers_within_the_cap_and_pages_that_are_not_sql_are_whole(small_cap):
    assert (await small_cap.client.get(sql("select 1"))).json()["rows"] == [[1]]
    table = await small_cap.client.get("/public/penalties.json?_size=max")
    assert table.status_code == 200 and len(table.content) > 4096
    # A whole table streams from /downloads/live/ (plugins/livecsv.py), uncapped; Datasette's
    # own stream is off.
    stream = await small_cap.client.get("/downloads/live/penalties.csv")
    assert stream.status_code == 200 and len(stream.content) > 4096
    assert len(stream.text.strip().splitlines()) == 1 + len((await small_cap.client.get(
        "/public/penalties.json?_shape=array&_size=max")).json())
    assert (await small_cap.client.get("/public/penalties.csv?_stream=on")).status_code == 400


# --- Its own threads, a global and a per-client cap ---------------------------------------------

async def test_arbitrary_sql_is_capped_per_client_then_globally_and_search_keeps_working(built, hold):
    datasette = make_datasette(built, Clock.on(AS_OF), limits=SqlLimits(threads=2, max_concurrent=4,
                                                                         max_per_client=2))
    gate = lane_config(datasette).admission
    clients = {name: client_from(datasette, address) for name, address in
               (("a", "198.51.100.1"), ("b", "198.51.100.2"), ("c", "198.51.100.3"))}
    held = [asyncio.create_task(clients["a"].get(HOLD)) for _ in range(2)]
    await until(lambda: gate.in_progress == 2, "two queries of client a in progress")
    refused = await clients["a"].get(HOLD)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert refused.json()["error"]["code"] == "sql_client_busy"
    held += [asyncio.create_task(clients["b"].get(HOLD)) for _ in range(2)]
    await until(lambda: gate.in_progress == 4, "four queries in progress")
    busy = await clients["c"].get(HOLD)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert busy.json()["error"]["code"] == "sql_busy"
    # Datasette's reads of many rows wait their turn in the same lane.
    # (Datasette's whole-table CSV stream is off: /downloads/live/ streams, plugins/livecsv.py.)
    for heavy in ("/public/penalties.csv?_size=max", "/public/penalties.json?_size=max"):
        assert (await clients["c"].get(heavy)).status_code == 503, heavy
    # Every SQL thread is held: search, profiles and Datasette's pages still answer.
    for path in ("/search.json?q=昌南", f"/entity/{CHANGNAN}.json", "/public/penalties.json", "/"):
        assert (await clients["c"].get(path)).status_code == 200, path
    hold.release.set()
    assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 4
    assert gate.in_progress == 0 and not gate.per_client
    assert (await clients["c"].get(HOLD)).status_code == 200
    for client in clients.values():
        await client.aclose()


async def test_a_query_that_failed_is_counted_out(datasette):
    gate = lane_config(datasette).admission
    for _ in range(5):
        assert (await datasette.client.get(sql("select nope"))).status_code == 400
    assert gate.in_progress == 0 and not gate.per_client


# --- The client behind a trusted proxy, on a real uvicorn server -------------------------------------

def _loopback_aliases() -> bool:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.3", 0))
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def uvicorn_serving(datasette, trusted: list[str]):
    """The instance under a real uvicorn server, configured as `serve` configures it."""
    import uvicorn

    proxy_headers, allowed = uvicorn_proxy_options(trusted)
    port = _free_port()
    config = uvicorn.Config(datasette.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            access_log=False, log_config=None, proxy_headers=proxy_headers,
                            forwarded_allow_ips=allowed)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(2000):
            if server.started:
                break
            time.sleep(0.005)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class Sender:
    """Requests from one source address, each on its own thread (they may be held)."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.threads: list[threading.Thread] = []
        self.statuses: list[int] = []

    def get(self, path: str, forwarded_for: str | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        try:
            headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, dict(response.getheaders())
        finally:
            conn.close()

    def start(self, path: str, forwarded_for: str | None = None) -> None:
        def run() -> None:
            self.statuses.append(self.get(path, forwarded_for)[0])
        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def join(self) -> list[int]:
        for thread in self.threads:
            thread.join(timeout=60)
        return self.statuses


def wait_for(condition, what: str) -> None:
    for _ in range(4000):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.skipif(not _loopback_aliases(), reason="needs loopback aliases (127.0.0.2, 127.0.0.3)")
def test_the_client_is_the_peer_or_a_trusted_proxys_forwarded_entry(built, hold):
    datasette = make_datasette(built, Clock.on(AS_OF), limits=SqlLimits(max_concurrent=10, max_per_client=1))
    gate = lane_config(datasette).admission
    with uvicorn_serving(datasette, trusted=["127.0.0.2"]) as port:
        proxy, stranger = Sender(port, "127.0.0.2"), Sender(port, "127.0.0.3")
        # An untrusted peer is itself, whatever it writes in X-Forwarded-For.
        stranger.start(HOLD, forwarded_for="198.51.100.1")
        wait_for(lambda: gate.per_client["127.0.0.3"] == 1, "the stranger's query in progress")
        assert stranger.get(HOLD, forwarded_for="198.51.100.2")[0] == 429
        assert stranger.get(HOLD)[0] == 429
        # Through the trusted proxy, the client is the entry the proxy added (the last one).
        proxy.start(HOLD, forwarded_for="198.51.100.1")
        wait_for(lambda: gate.per_client["198.51.100.1"] == 1, "the proxied client's query in progress")
        assert proxy.get(HOLD, forwarded_for="198.51.100.1")[0] == 429
        assert proxy.get(HOLD, forwarded_for="203.0.113.9, 198.51.100.1")[0] == 429
        proxy.start(HOLD, forwarded_for="198.51.100.7")
        wait_for(lambda: gate.in_progress == 3, "three queries in progress")
        assert set(gate.per_client) == {"127.0.0.3", "198.51.100.1", "198.51.100.7"}
        hold.release.set()
        assert proxy.join() + stranger.join() == [200, 200, 200]


@pytest.mark.skipif(not _loopback_aliases(), reason="needs loopback aliases (127.0.0.2, 127.0.0.3)")
def test_without_trusted_proxies_no_forwarded_header_is_believed_even_from_loopback(built, hold):
    datasette = make_datasette(built, Clock.on(AS_OF), limits=SqlLimits(max_concurrent=10, max_per_client=1))
    gate = lane_config(datasette).admission
    with uvicorn_serving(datasette, trusted=[]) as port:
        local = Sender(port, "127.0.0.1")
        local.start(HOLD, forwarded_for="198.51.100.1")
        wait_for(lambda: gate.per_client["127.0.0.1"] == 1, "the local query in progress")
        assert local.get(HOLD, forwarded_for="198.51.100.99")[0] == 429
        hold.release.set()
        assert local.join() == [200]


# --- Under `serve`: the SQL worker ------------------------------------------------------------------

def test_serve_answers_arbitrary_sql_from_a_lower_priority_worker_that_comes_back(built):
    port = _free_port()
    env = {**os.environ, "PUBLISH_TODAY": AS_OF.isoformat()}
    server = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(built), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    workers: list[psutil.Process] = []
    try:
        wait_for(lambda: _answers(base), "the server answers")
        assert json.loads(get(sql("select 41 + 1"))[1])["rows"] == [[42]]
        status, body = get(sql(ISSUE_QUERY))
        assert status == 400 and len(body) < 64 * 1024
        assert json.loads(body)["error"]["code"] == "sql_length_limit"
        [worker] = psutil.Process(server.pid).children()
        assert worker.nice() > psutil.Process(server.pid).nice()
        worker.kill()  # the server, its parent, notices and starts another
        # While it starts again arbitrary SQL is a 503 with Retry-After; then it answers again.
        answers = []
        wait_for(lambda: answers.append(get(sql("select 1"))[0]) or answers[-1] == 200, "arbitrary SQL answers again")
        assert set(answers) <= {200, 503}
        assert get("/search.json?q=" + urllib.parse.quote("昌南"))[0] == 200
        workers = psutil.Process(server.pid).children()
        assert len(workers) == 1 and workers[0].pid != worker.pid
    finally:
        server.terminate()
        # The worker shares the server's stderr: this returns once both are gone.
        _, err = server.communicate(timeout=60)
    assert "Traceback" not in err.decode()
    # Stopping the server stops its worker.
    assert all(not w.is_running() or w.status() == psutil.STATUS_ZOMBIE for w in workers)


def _answers(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
        return True
    except OSError:
        return False


# --- per-client windows (the credit report's issue and verification limits) -------------------

def test_a_window_limit_counts_per_client_over_a_sliding_window():
    limit = WindowLimit(3, 600)
    assert [limit.hit("a", t) for t in (0, 100, 200)] == [None, None, None]
    assert limit.hit("a", 300) == 300            # the first event leaves the window at 600
    assert limit.hit("b", 300) is None           # another client
    assert limit.hit("a", 599.5) == 1
    assert limit.hit("a", 600) is None           # a refusal was not counted
    assert limit.hit("a", 650) == 50


def test_a_window_limit_keeps_its_memory_bounded():
    limit = WindowLimit(1, 60, remembered=100)
    for n in range(100):
        limit.hit(f"10.0.0.{n}", 0)
    limit.hit("late", 120)                       # the others have left their window: forgotten
    assert len(limit._events) == 1
    for n in range(150):
        limit.hit(f"10.1.0.{n}", 130)            # all still counting: dropped all at once when full
    assert len(limit._events) <= 100

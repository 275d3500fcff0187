"""Datasette over a real build: public pages, request-time windows, and a closed /authorized."""
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from publish.build import build
from publish.clock import Clock
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv

AUTHORIZED_ROUTES = [
    "/authorized", "/authorized.json", "/authorized.db", "/authorized/tax_grades",
    "/authorized/tax_grades.json", "/authorized/tax_grades.csv", "/authorized/tax_grades/1",
    "/authorized/tax_grades/1.json", "/authorized?sql=select+1", "/authorized.json?sql=select+*+from+tax_grades",
    "/authorized/arrears.csv?_stream=on",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    raw = tmp / "raw"
    write_csv(raw / "p.csv", [
        penalty(),  # 一般, shown through 2027-05-31
        penalty(行政处罚决定书文号="景市监罚〔2025〕9号", 处罚决定日期="2025-12-01"),  # through 2026-11-30
    ], PENALTY_HEADER)
    write_csv(raw / "t.csv", [{"纳税人名称": "甲公司", "纳税人识别号": uscc(1), "评价年度": "2025", "信用等级": "A"}])
    out = tmp / "out"
    build(raw, out, AS_OF, progress=False)
    return out


@pytest.fixture
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


@pytest.fixture
def a_week_later(built):
    return make_datasette(built, Clock.on(dt.date(2026, 12, 1)))


async def test_public_table_json(datasette):
    response = await datasette.client.get("/public/penalties.json?_shape=array")
    assert response.status_code == 200
    assert {r["decision_no"] for r in response.json()} == {"景市监罚〔2026〕1号", "景市监罚〔2025〕9号"}


async def test_window_end_after_the_build_hides_the_record(a_week_later):
    response = await a_week_later.client.get("/public/penalties.json?_shape=array")
    assert [r["decision_no"] for r in response.json()] == ["景市监罚〔2026〕1号"]


@pytest.mark.parametrize("path", AUTHORIZED_ROUTES)
async def test_anonymous_users_get_401_on_every_authorized_route(datasette, path):
    response = await datasette.client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Our error, not the data: neither the taxpayer's name nor its code is in the answer.
    assert "甲公司" not in response.text and uscc(1) not in response.text
    if path.split("?")[0].endswith(".json"):
        assert response.json() == {"error": {"code": "unauthorized", "message": response.json()["error"]["message"]}}
    else:
        assert "错误代码：unauthorized" in response.text


async def test_authorized_db_is_not_listed_for_anonymous_users(datasette):
    # Datasette's own index (moved to /-/index) lists databases; the site's home does not.
    index = await datasette.client.get("/-/index")
    assert index.status_code == 200 and "/public" in index.text
    assert "/authorized" not in index.text and "授权查询信息" not in index.text
    index_json = (await datasette.client.get("/-/index.json")).json()
    assert list(index_json) == ["public"]
    databases = (await datasette.client.get("/-/databases.json")).json()
    assert [d["name"] for d in databases] == ["public"]
    metadata = (await datasette.client.get("/-/metadata.json")).json()
    assert list(metadata["databases"]) == ["public"]
    assert (await datasette.client.get("/-/databases")).status_code == 302
    assert "authorized" not in (await datasette.client.get("/.json")).text


async def test_public_database_metadata_is_chinese(datasette):
    response = await datasette.client.get("/public/penalties")
    assert response.status_code == 200
    assert "行政处罚" in response.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_server_serves_the_build(built):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(built),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PUBLISH_TODAY": AS_OF.isoformat()})
    try:
        base = f"http://127.0.0.1:{port}"
        # Up when it answers (a busy machine may take a while: the deadline only ends a hang).
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=10)
                break
            except OSError:  # refused, reset, or not answered yet (URLError and timeouts too)
                assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        with urllib.request.urlopen(base + "/public/penalties.json?_shape=array") as response:
            assert len(json.load(response)) == 2
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(base + "/authorized.db")
        assert exc.value.code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_datasette_pages_are_declared_chinese(datasette):
    response = await datasette.client.get("/public/penalties")
    assert '<html lang="zh-CN">' in response.text
    assert int(response.headers.get("content-length", len(response.content))) == len(response.content)


@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
async def test_snapshot_table_pages_are_served_by_the_windowed_view(a_week_later, suffix):
    datasette = a_week_later
    response = await datasette.client.get(f"/public/penalties_records{suffix}?_size=5")
    assert response.status_code == 302
    assert response.headers["location"] == f"/public/penalties{suffix}?_size=5"
    shown = await datasette.client.get("/public/penalties.json?_shape=array")
    assert [r["decision_no"] for r in shown.json()] == ["景市监罚〔2026〕1号"]

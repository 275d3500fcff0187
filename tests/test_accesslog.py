"""serve's access log (publish/plugins/accesslog.py), in process over a tiny build of AS_OF:
one line per request, no query string, no secret path segment, and the request id that the
response carries."""
import json
import logging
import os
import re
import threading

import pytest

from publish.build import build
from publish.clock import Clock
from publish.logs import JsonFormatter, TextFormatter, _BackgroundHandler
from publish.plugins.accesslog import route
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, write_csv

SECRET_TERM = "秘密词"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("accesslog")
    write_csv(tmp / "raw" / "p.csv", [penalty()], PENALTY_HEADER)
    build(tmp / "raw", tmp / "out", AS_OF, progress=False)
    return tmp / "out"


@pytest.fixture
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "publish.access"]


def lines(record: logging.LogRecord) -> tuple[str, dict]:
    return TextFormatter().format(record), json.loads(JsonFormatter().format(record))


async def test_a_search_is_logged_without_its_query(datasette, caplog):
    with caplog.at_level(logging.INFO, logger="publish.access"):
        response = await datasette.client.get(f"/search?q={SECRET_TERM}&page=2")
    [record] = access_records(caplog)
    text, data = lines(record)
    for line in (text, json.dumps(data, ensure_ascii=False), json.dumps(data)):
        assert "q=" not in line and SECRET_TERM not in line and "%E7%A7%98" not in line and "page" not in line
    assert data["route"] == "/search" and data["method"] == "GET"
    assert data["status"] == response.status_code == 200 and f" {response.status_code} " in text
    assert re.fullmatch(r"[0-9a-f]{16}", data["request_id"])
    assert data["request_id"] == response.headers["x-request-id"] and response.headers["x-request-id"] in text
    assert data["bytes"] == len(response.content) and isinstance(data["duration_ms"], float)
    assert data["time"].startswith(AS_OF.isoformat() + "T") and data["time"].endswith("+08:00")
    assert text.startswith(data["time"] + " INFO publish.access GET /search 200 ")


async def test_a_report_route_hides_its_verification_code(datasette, caplog):
    with caplog.at_level(logging.INFO, logger="publish.access"):
        response = await datasette.client.get("/reports/R1/ABCDEF/report.pdf")
    [record] = access_records(caplog)
    text, data = lines(record)
    assert data["route"] == "/reports/R1/*/report.pdf" and "/reports/R1/*/report.pdf" in text
    assert "ABCDEF" not in text and "ABCDEF" not in json.dumps(data)
    assert data["status"] == response.status_code == 404


async def test_verify_keeps_neither_number_nor_code(datasette, caplog):
    with caplog.at_level(logging.INFO, logger="publish.access"):
        await datasette.client.get("/verify?no=R1&code=ABCDEF")
    [record] = access_records(caplog)
    text, data = lines(record)
    assert data["route"] == "/verify" and "ABCDEF" not in text and "R1" not in text


async def test_each_request_has_its_own_id(datasette, caplog):
    with caplog.at_level(logging.INFO, logger="publish.access"):
        first = await datasette.client.get("/-/versions.json")
        second = await datasette.client.get("/-/versions.json")
    ids = [r.request_id for r in access_records(caplog)]
    assert ids == [first.headers["x-request-id"], second.headers["x-request-id"]] and ids[0] != ids[1]


def test_route_masks_encoded_slashes_and_escapes_control_characters():
    assert route({"raw_path": b"/reports/R1/AB%2FCD/report.pdf?x=1", "path": "/reports/R1/AB/CD/report.pdf"}) \
        == "/reports/R1/*/report.pdf"
    assert route({"path": "/reports/R1/ABCDEF"}) == "/reports/R1/*"
    assert route({"path": "/a\nINFO forged"}) == "/a\\x0aINFO\\x20forged"
    assert route({"raw_path": b"/entity/91360200000000001X.json?_=1"}) == "/entity/91360200000000001X.json"


def test_route_masks_personal_numbers_asked_for_in_the_path():
    # Day-independent. Someone asks for a person's ID number or phone as if it were a code.
    from redaction.synth import make_id18
    person = make_id18("360203", "19900101", "123")
    for path in (f"/report/{person}", f"/entity/{person}.json", "/entity/13812345678"):
        logged = route({"raw_path": path.encode()})
        assert person not in logged and "13812345678" not in logged and "*" in logged, logged


def test_a_reader_that_does_not_keep_up_never_blocks_the_server():
    read_end, write_end = os.pipe()
    handler = _BackgroundHandler(write_end, size=10)
    handler.setFormatter(TextFormatter())
    record = logging.makeLogRecord({"name": "publish.access", "levelno": logging.INFO, "levelname": "INFO",
                                    "msg": "GET / 200 " + "x" * 200, "time": "2026-11-25T12:00:00.000+08:00"})
    def emit_all() -> None:
        for _ in range(20_000):  # far more than the pipe holds: nobody reads it
            handler.emit(logging.makeLogRecord(record.__dict__))

    # Day-independent. Emitting must never wait for the reader: were it to block on the full
    # pipe, the thread would hang for good (the generous join only tells a hang from a slow machine).
    emitter = threading.Thread(target=emit_all, daemon=True)
    emitter.start()
    emitter.join(timeout=300)
    assert not emitter.is_alive(), "emit blocked on a reader that does not read"
    assert handler.dropped > 0
    written = os.read(read_end, 4096).decode("utf-8", "replace").splitlines()
    assert "2026-11-25T12:00:00.000+08:00 INFO publish.access GET / 200 " + "x" * 200 in written
    os.close(read_end)  # the writer thread now gets EPIPE and carries on
    handler.close()
    os.close(write_end)

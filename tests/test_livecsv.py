"""The live full-table CSV, `/downloads/live/<table>.csv` (publish/livecsv.py,
plugins/livecsv.py), on a real server (`python -m publish serve`, uvicorn) over the small site
build whose windowed kind is grown past Datasette's default 100 MB CSV cap:
- the stream is the table: the same bytes as the release's CSV writer makes of the table read
  as of the same day (BOM, Chinese headers, formula-like cells prefixed), every row once;
- windows apply at request time: served on 2026-12-01, a record of the 2026-11-25 build whose
  window ended on 2026-11-30 is not in it (and is, served on the build's day);
- a client holds at most two streams; a third is 429 with Retry-After, and allowed once one ends;
- a read that fails mid-stream breaks the transfer (no final chunk);
- what is not a public table is 404.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.client
import io
import shutil
import socket
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from publish.clock import Clock
from publish.kinds import load_kinds
from publish.livecsv import STREAMS_PER_CLIENT, live_url
from publish.release.formats import write_table
from publish.release.formats.csv import CsvWriter
from publish.release.tables import open_build_db, released_tables, rows
from publish.serve import make_datasette
from tests.api_support import live_server, state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.site_data import build_site

DAY = dt.date(2026, 12, 1)           # after the build: the site's penalty 2 (through 2026-11-30) has ended
ENDED_DECISION = "景市监罚〔2025〕9号"
CAP = 100 * 1024 * 1024              # Datasette's default max_csv_mb
GROWN_ROWS = 36_000                  # × about 3.5 kB of CSV a row: past the cap
FILLER = "窑炉废气超标排放，未按规定安装污染防治设施。" * 45   # about 1,000 characters of facts
FORMULAS = ("=HYPERLINK(\"http://example.invalid\")", "+86 798", "-5", "@SUM(A1)", "\tTAB", "\rCR")


def windowed_kind():
    return next(k for k in load_kinds() if k.tier == "public" and k.ends and k.has_view)


def grow(db_path: Path, rows_added: int) -> None:
    """Appends `rows_added` copies of the kind's still-public first record to its snapshot
    table, each with its own id and decision number; some remarks look like formulas."""
    kind = windowed_kind()
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    template = dict(conn.execute(f"SELECT * FROM [{kind.storage}] WHERE publicity_end > ? ORDER BY id LIMIT 1",
                                 (DAY.isoformat(),)).fetchone())
    conn.row_factory = None
    (start,) = conn.execute(f"SELECT max(id) FROM [{kind.storage}]").fetchone()
    columns = list(template)

    def made():
        for n in range(1, rows_added + 1):
            row = dict(template, id=start + n, decision_no=f"景市监罚〔2026〕{n}号", facts=f"{n}：{FILLER}",
                       remarks=FORMULAS[n % len(FORMULAS)] if n % 7 == 0 else template["remarks"])
            yield tuple(row[c] for c in columns)

    conn.executemany(f"INSERT INTO [{kind.storage}] ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     made())
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, state_dir):  # noqa: F811
    return build_site(tmp_path_factory.mktemp("live-site"))


@pytest.fixture(scope="module")
def grown(site, tmp_path_factory):
    """A copy of the site's build with the windowed kind past the cap."""
    out = tmp_path_factory.mktemp("live-grown") / "out"
    shutil.copytree(site.resolve(), out)
    grow(out / "public.db", GROWN_ROWS)
    return out


@pytest.fixture(scope="module")
def server(grown, state_dir):  # noqa: F811
    with live_server(grown, state_dir, PUBLISH_TODAY=DAY.isoformat()) as running:
        yield running


def release_csv(db_path: Path, name: str, day: dt.date, out: Path) -> tuple[Path, int]:
    """The release's CSV of the table as of `day` (publish/release/), and its row count."""
    conn = open_build_db(db_path, day)
    table = next(t for t in released_tables(conn) if t.name == name)
    write_table(CsvWriter(out, table), rows(conn, table))
    (count,) = conn.execute(f"SELECT count(*) FROM [{table.source}]").fetchone()
    conn.close()
    return out, count


@pytest.fixture(scope="module")
def streamed(server, tmp_path_factory):
    """The windowed kind's live CSV, read whole from the server: (response, path of the body)."""
    base, _ = server
    path = tmp_path_factory.mktemp("live-stream") / "stream.csv"
    with httpx.stream("GET", base + live_url(windowed_kind().table), timeout=120) as response, \
            open(path, "wb") as fh:
        for chunk in response.iter_raw():
            fh.write(chunk)
    return response, path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def test_the_stream_of_a_table_past_datasettes_cap_is_the_whole_table(streamed, grown, tmp_path):
    response, path = streamed
    assert response.status_code == 200
    assert path.stat().st_size > CAP
    expected, count = release_csv(grown / "public.db", windowed_kind().table, DAY, tmp_path / "release.csv")
    assert count > GROWN_ROWS
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 1 + count
    assert sha256(path) == sha256(expected)


def test_the_stream_is_a_download_sent_as_it_is_read(streamed):
    response, path = streamed
    headers = response.headers
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-disposition"].startswith("attachment; ")
    named = quote(f"{windowed_kind().label}_{DAY.isoformat()}.csv", safe="")
    assert headers["content-disposition"].endswith(f"filename*=UTF-8''{named}")
    assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert headers["cache-control"] == "no-store"
    head = path.read_bytes()[:4096]
    assert head.startswith(b"\xef\xbb\xbf")
    labels = windowed_kind().labels
    first_line = head[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert first_line.split(",")[:3] == [labels["id"], *list(labels.values())[1:3]]


def test_formula_like_cells_are_text_as_in_the_release(streamed):
    _, path = streamed
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        remarks = header.index(windowed_kind().labels["remarks"])
        seen = {row[remarks] for row in reader}
    assert {f"'{f}" for f in FORMULAS} <= seen
    assert not set(FORMULAS) & seen


def test_a_window_that_ended_after_the_build_is_not_streamed(streamed, grown):
    _, path = streamed
    kind = windowed_kind()
    conn = sqlite3.connect(grown / "public.db")
    ended = conn.execute(f"SELECT id, publicity_end FROM [{kind.storage}] WHERE decision_no = ?",
                         (ENDED_DECISION,)).fetchone()
    conn.close()
    assert ended and AS_OF.isoformat() <= ended[1] < DAY.isoformat()   # in the build, ended since
    text = path.read_text(encoding="utf-8-sig")
    assert ENDED_DECISION not in text
    assert f"\r\n{ended[0]}," not in text


async def test_the_window_is_the_requests_day(site):
    """The same build, served on its own day and on a later one (in process)."""
    table = windowed_kind().table
    shown = {}
    for day in (AS_OF, DAY):
        datasette = make_datasette(site, Clock.on(day))
        response = await datasette.client.get(live_url(table))
        assert response.status_code == 200
        shown[day] = ENDED_DECISION in response.content.decode("utf-8-sig")
    assert shown == {AS_OF: True, DAY: False}


def _open_stream(base: str, path: str, source: str = "127.0.0.1") -> tuple[http.client.HTTPConnection,
                                                                            http.client.HTTPResponse]:
    """A stream whose answer has begun and whose body is left unread (the server waits)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    conn.request("GET", path)
    response = conn.getresponse()
    return conn, response


def test_a_client_holds_two_streams_and_a_third_waits_its_turn(server):
    base, _ = server
    path = live_url(windowed_kind().table)
    held = [_open_stream(base, path) for _ in range(STREAMS_PER_CLIENT)]
    assert [r.status for _, r in held] == [200] * STREAMS_PER_CLIENT
    for _, response in held:
        assert response.read(1024)
    refused = httpx.get(base + path, headers={"accept": "application/json"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "live_csv_client_busy" and "最多 2 个" in error["message"]
    assert "请等" in httpx.get(base + path).text   # the Chinese page, for a browser
    # Another client is not refused.
    conn, other = _open_stream(base, path, source="127.0.0.2")
    assert other.status == 200
    conn.close()
    # One stream ends (its client goes away): a new one is admitted once the server noticed.
    held.pop()[0].close()
    deadline = time.monotonic() + 60
    while True:
        conn, again = _open_stream(base, path)
        if again.status == 200:
            conn.close()
            break
        conn.close()
        assert time.monotonic() < deadline, "the slot of the closed stream was never given back"
        time.sleep(0.2)
    for conn, _ in held:
        conn.close()


@pytest.mark.parametrize("path", [
    "/downloads/live/nope.csv",
    "/downloads/live/build_info.csv",
    "/downloads/live/search_fts.csv",
    f"/downloads/live/{windowed_kind().storage}.csv",
    *[f"/downloads/live/{k.table}.csv" for k in load_kinds() if k.tier != "public"],
    f"/downloads/live/{windowed_kind().table.upper()}.csv",
    f"/downloads/live/%{ord(windowed_kind().table[0]):02x}{windowed_kind().table[1:]}.csv",
    f"/downloads/live/{windowed_kind().table}.json",
    "/downloads/live/",
])
def test_what_is_not_a_public_table_is_not_found(server, path):
    base, _ = server
    response = httpx.get(base + path, headers={"accept": "application/json"})
    assert response.status_code == 404, path
    assert response.json()["error"]["code"] == "not_found"


def test_head_answers_the_headers_alone(server):
    base, _ = server
    response = httpx.head(base + live_url(windowed_kind().table))
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


def _read_until_closed(sock: socket.socket, limit: float = 60) -> bytes:
    sock.settimeout(limit)
    received = io.BytesIO()
    while chunk := sock.recv(1 << 16):
        received.write(chunk)
    return received.getvalue()


def test_a_read_that_fails_mid_stream_breaks_the_transfer(site, state_dir, tmp_path):  # noqa: F811
    """The database is damaged under a running server (a copy of the build: the rows after the
    first tenth of the file are zeroed) while the client holds the stream unread; the rest of
    the answer never ends with the final chunk."""
    out = tmp_path / "out"
    shutil.copytree(site.resolve(), out)
    grow(out / "public.db", 12_000)
    with live_server(out, state_dir, PUBLISH_TODAY=DAY.isoformat()) as (base, process):
        parts = urlsplit(base)
        sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        sock.sendall(f"GET {live_url(windowed_kind().table)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        head = sock.recv(1 << 16)
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
        db = out / "public.db"
        size = db.stat().st_size
        with open(db, "r+b") as fh:
            fh.seek(size // 10)
            fh.write(b"\0" * (size - size // 10))
        rest = head + _read_until_closed(sock)
        sock.close()
        assert len(rest) < size                        # not the whole table
        assert not rest.endswith(b"0\r\n\r\n")          # and no final chunk: a broken transfer
        assert process.poll() is None                   # the server goes on


async def test_datasettes_pages_link_the_live_stream_and_download_their_csv(site):
    datasette = make_datasette(site, Clock.on(AS_OF))
    table = windowed_kind().table
    page = (await datasette.client.get(f"/public/{table}")).text
    assert f'href="{live_url(table)}"' in page and "下载全表 CSV" in page
    assert f'href="/public/{table}.csv?_size=max&amp;_dl=1"' in page
    assert "stream all rows" not in page
    bookkeeping = (await datasette.client.get("/public/build_info")).text
    assert "/downloads/live/" not in bookkeeping
    query = (await datasette.client.get("/public?sql=select+1")).text
    assert 'href="/public.csv?sql=select+1&amp;_size=max&amp;_dl=1"' in query
    for path in (f"/public/{table}.csv?_stream=on", f"/public/{table.upper()}.csv?_where=1%3D1&_stream=1"):
        refused = await datasette.client.get(path, headers={"accept": "application/json"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "csv_stream_off", path
        assert live_url(table) in refused.json()["error"]["message"]

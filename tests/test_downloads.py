"""`/downloads` over two real builds and their releases (day 1: 2026-11-24, day 2: 2026-11-25,
the day served): the page lists the release of the served build (files, formats, sizes,
dates, checksums, the stable `latest/` URL, the live CSV), the delta, and the first release as
taken off; `latest/` serves exactly the bytes index.json lists, as an attachment, with ranges;
nothing outside index.json is ever served (traversal in every encoding, absolute paths, NUL,
tilde, links planted in a release, files on disk but unlisted, quarantine.csv, a build's
directory); with no release of the served build the page says 正在更新 and `latest/` is 404;
`/public.db` goes to the release's copy. Day: 2026-11-25."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from publish.build import build
from publish.clock import Clock
from publish.downloads import ByteRange, Unsatisfiable, byte_range, content_type, load_catalog, send_file
from publish.downloads.listing import listing, size_display
from publish.errors import PublishError
from publish.release import default_releases_dir, make_release
from publish.serve import make_datasette
from tests.api_support import live_server, state_dir  # noqa: F401 (state_dir: the module's own state)
from tests.conftest import AS_OF
from tests.site_data import write_raw

FIRST_DAY = AS_OF - dt.timedelta(days=1)
CLOCK = Clock.on(AS_OF)


@dataclasses.dataclass
class Released:
    build: Path              # the build's DIR (a link to its version)
    releases: Path
    first: str               # the first release's build id (taken off)
    second: str              # the served build's id

    @property
    def current(self) -> Path:
        return self.releases / self.second

    def index(self) -> dict:
        return json.loads((self.current / "index.json").read_text(encoding="utf-8"))

    @property
    def delta(self) -> str:
        return f"{self.first}__{self.second}.jsonl"


@pytest.fixture(scope="module")
def released(tmp_path_factory, state_dir) -> Released:  # noqa: F811
    root = tmp_path_factory.mktemp("downloads")
    write_raw(root / "raw")
    out = root / "out"
    build(root / "raw", out, FIRST_DAY, progress=False)
    first = make_release(out, None, state_dir, Clock.on(FIRST_DAY))
    build(root / "raw", out, AS_OF, progress=False)
    second = make_release(out, None, state_dir, CLOCK)
    return Released(out, default_releases_dir(out), first.build_id, second.build_id)


@pytest.fixture(scope="module")
def site(released):
    return make_datasette(released.build, CLOCK)


def _site_over(released: Released, releases: Path):
    return make_datasette(released.build, CLOCK, releases_dir=releases)


# --- the page ------------------------------------------------------------------------------------

async def test_the_page_lists_the_served_builds_release_the_delta_and_the_release_taken_off(site, released):
    response = await site.client.get("/downloads.json")
    assert response.status_code == 200
    page = response.json()
    assert page["status"] == "current" and page["build_id"] == released.second
    release = page["release"]
    assert release["build_id"] == released.second and release["as_of"] == AS_OF.isoformat()
    listed = {f["name"]: f for f in released.index()["files"]}
    shown = {f["name"]: f for t in release["tables"] for f in t["files"]} | {f["name"]: f for f in release["others"]}
    assert set(shown) == {name for name in listed if "/" not in name}
    for name, f in shown.items():
        assert (f["size"], f["sha256"]) == (listed[name]["size"], listed[name]["sha256"])
        assert f["url"] == f"/downloads/latest/{name}"
    penalties = next(t for t in release["tables"] if t["name"] == "penalties")
    assert penalties["title"] == "行政处罚"
    assert [f["name"] for f in penalties["files"]] == [f"penalties.{e}" for e in ("csv", "xlsx", "parquet", "jsonl")]
    assert penalties["live_url"] == "/downloads/live/penalties.csv"
    assert {t["name"] for t in release["tables"]} == {n[:-4] for n in listed if n.endswith(".csv")}
    assert [d["name"] for d in page["deltas"]] == [released.delta]
    assert page["deltas"][0]["url"] == f"/downloads/deltas/{released.delta}"
    assert [r["build_id"] for r in page["taken_off"]] == [released.first]
    assert "终止公示" in page["taken_off_note"] and page["license"] == "CC BY 4.0"


async def test_the_page_in_chinese_links_every_file_and_says_why_old_releases_are_off(site, released):
    response = await site.client.get("/downloads")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html and "<h1>数据下载</h1>" in html
    for name in ("penalties.csv", "penalties.xlsx", "penalties.parquet", "penalties.jsonl", "public.db",
                 "datapackage.json"):
        assert f'href="/downloads/latest/{name}"' in html
    assert 'href="/downloads/live/penalties.csv"' in html
    assert f'href="/downloads/deltas/{released.delta}"' in html
    assert "已下线的发布" in html and "终止公示" in html and released.first in html
    assert next(f for f in released.index()["files"] if f["name"] == "penalties.csv")["sha256"] in html
    assert "CC BY 4.0" in html


@pytest.mark.parametrize("path", ["/", "/search?q=昌南", "/public", "/public/penalties"])
async def test_the_home_page_and_every_footer_link_to_downloads(site, path):
    response = await site.client.get(path)
    assert response.status_code == 200
    assert 'href="/downloads"' in response.text
    assert 'href="/public.db"' not in response.text


# --- the files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("penalties.csv", "text/csv; charset=utf-8"),
    ("penalties.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("penalties.parquet", "application/vnd.apache.parquet"),
    ("penalties.jsonl", "application/x-ndjson; charset=utf-8"),
    ("public.db", "application/vnd.sqlite3"),
    ("datapackage.json", "application/json; charset=utf-8"),
    ("README.md", "text/markdown; charset=utf-8"),
])
async def test_a_latest_file_is_the_listed_bytes_as_an_attachment(site, released, name, kind):
    response = await site.client.get(f"/downloads/latest/{name}")
    assert response.status_code == 200
    body = response.content
    listed = next(f for f in released.index()["files"] if f["name"] == name)
    assert len(body) == listed["size"] and hashlib.sha256(body).hexdigest() == listed["sha256"]
    headers = response.headers
    assert headers["content-type"] == kind
    assert headers["content-disposition"] == f'attachment; filename="{name}"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"] == f'"{listed["sha256"]}"'
    assert headers["cache-control"] == "public, max-age=300"


async def test_a_delta_is_served_by_its_name_and_cached_long(site, released):
    response = await site.client.get(f"/downloads/deltas/{released.delta}")
    assert response.status_code == 200
    assert response.content == (released.current / "deltas" / released.delta).read_bytes()
    assert response.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    assert "immutable" in response.headers["cache-control"]
    assert all(set(json.loads(line)) == {"op", "table", "key"} for line in response.text.splitlines())


@pytest.mark.parametrize("header, status, part", [
    ("bytes=0-9", 206, slice(0, 10)),
    ("bytes=10-", 206, slice(10, None)),
    ("bytes=-7", 206, slice(-7, None)),
    ("bytes=5-5", 206, slice(5, 6)),
    ("bytes=3-1000000000", 206, slice(3, None)),
    ("bytes=0-1,5-9", 200, slice(None)),        # several ranges: the whole file
    ("bytes=9-3", 200, slice(None)),            # malformed: ignored
    ("items=0-9", 200, slice(None)),
])
async def test_a_range_of_a_file(site, released, header, status, part):
    whole = (released.current / "penalties.csv").read_bytes()
    response = await site.client.get("/downloads/latest/penalties.csv", headers={"range": header})
    assert response.status_code == status
    assert response.content == whole[part]
    if status == 206:
        offsets = range(len(whole))[part]
        assert response.headers["content-range"] == f"bytes {offsets[0]}-{offsets[-1]}/{len(whole)}"


async def test_a_range_past_the_end_is_416_and_head_and_if_none_match_send_no_body(site, released):
    size = (released.current / "penalties.csv").stat().st_size
    past = await site.client.get("/downloads/latest/penalties.csv", headers={"range": f"bytes={size}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}" and past.content == b""
    head = await site.client.head("/downloads/latest/penalties.csv")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(size)
    etag = head.headers["etag"]
    again = await site.client.get("/downloads/latest/penalties.csv", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("header, size, expected", [
    (None, 100, None), ("", 100, None), ("bytes=0-0", 100, ByteRange(0, 0)), ("bytes=99-", 100, ByteRange(99, 99)),
    ("bytes=-1000", 100, ByteRange(0, 99)), ("bytes= 2 - 4 ", 100, ByteRange(2, 4)),
    ("BYTES=1-2", 100, ByteRange(1, 2)),
    ("bytes=a-b", 100, None), ("bytes=-", 100, None), ("bytes=1", 100, None), ("bytes=0-1,3-4", 100, None),
    ("bytes=100-", 100, Unsatisfiable), ("bytes=-0", 100, Unsatisfiable), ("bytes=0-", 0, Unsatisfiable),
])
def test_byte_ranges(header, size, expected):
    if expected is Unsatisfiable:
        with pytest.raises(Unsatisfiable):
            byte_range(header, size)
    else:
        assert byte_range(header, size) == expected


@pytest.mark.parametrize("name, kind", [
    ("a.csv", "text/csv; charset=utf-8"), ("a.DB", "application/vnd.sqlite3"),
    ("SHA256SUMS", "application/octet-stream"), ("a.bin", "application/octet-stream"),
])
def test_content_types(name, kind):
    assert content_type(name) == kind


@pytest.mark.parametrize("size, shown", [
    (0, "0 字节"), (1023, "1023 字节"), (1024, "1.0 KB"), (5 * 1024 ** 2, "5.0 MB"), (3 * 1024 ** 3, "3.0 GB"),
])
def test_sizes_as_people_read_them(size, shown):
    assert size_display(size) == shown


# --- nothing else --------------------------------------------------------------------------------

def _unlisted_targets(released: Released) -> list[str]:
    build_version = released.build.resolve().name
    return [
        "/downloads/latest/../../out/quarantine.csv",
        "/downloads/latest/..%2f..%2fout%2fquarantine.csv",
        "/downloads/latest/%2e%2e%2f%2e%2e%2fout%2fquarantine.csv",
        "/downloads/latest/%2E%2E/index.json",
        "/downloads/latest/.%2e/.%2e/out/public.db",
        "/downloads/latest/%252e%252e%252findex.json",         # double-encoded
        "/downloads/latest/~2e~2e~2findex.json",                 # Datasette's tilde encoding
        "/downloads/latest/%7e2e%7e2e%7e2fpublic.db",
        "/downloads/latest/penalties~2Ecsv",
        "/downloads/latest/..%5cindex.json",                     # a backslash
        "/downloads/latest/index.json",                          # on disk, not listed by itself
        "/downloads/latest/SHA256SUMS",
        "/downloads/latest/quarantine.csv",
        "/downloads/latest/authorized.db",
        "/downloads/latest/build-report.json",
        f"/downloads/latest/{build_version}",
        f"/downloads/latest/{build_version}%2fquarantine.csv",
        f"/downloads/{released.second}/penalties.csv",
        f"/downloads/{released.first}/penalties.csv",            # an older release's full file
        f"/downloads/deltas/{released.first}",
        "/downloads/latest/%2fetc%2fpasswd",                     # absolute paths
        "/downloads/latest//etc/passwd",
        "/downloads/latest/%2F" + "%2F".join(str(released.current / "penalties.csv").split("/")[1:]),
        "/downloads/latest/penalties.csv%00",                    # NUL
        "/downloads/latest/penalties.csv%00.md",
        "/downloads/latest/%00",
        "/downloads/latest/",
        "/downloads/latest/penalties.csv/",
        "/downloads/latest/PENALTIES.CSV",
        f"/downloads/latest/deltas%2f{released.delta}",         # a delta is not a latest file
        f"/downloads/latest/deltas/{released.delta}",
        "/downloads/deltas/penalties.csv",                       # a latest file is not a delta
        f"/downloads/deltas/..%2f..%2f{released.first}%2fpenalties.csv",
        "/downloads/deltas/%2e%2e",
        "/downloads/latest/%ff%fe",                               # not UTF-8 once decoded
        "/downloads/nothing",
        "/downloads%2flatest%2fpenalties.csv",                   # the separators encoded
        "/downloads~2flatest~2fpenalties.csv",
        "/downloads/latest%2fpenalties.csv",
        "/downloads/live%2f..%2flatest%2fpenalties.csv",
        "/downloads/latest/penalties%2ecsv%2f",
    ]


def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """The request target sent byte for byte (no client normalises `..` away)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b"".join(iter(lambda: sock.recv(1 << 16), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_a_real_server_serves_nothing_outside_index_json(released, state_dir):  # noqa: F811
    secrets = [(released.build / name).read_bytes()[:200] for name in ("quarantine.csv", "public.db")]
    secrets.append((released.current / "index.json").read_bytes()[:60])
    with live_server(released.build, state_dir) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        for target in _unlisted_targets(released):
            status, body = _raw_get(port, target)
            assert status == 404, (target, status, body[:200])
            assert not any(secret in body for secret in secrets), target
        # The positive control: the same server serves a listed file, in range, over uvicorn.
        whole = (released.current / "public.db").read_bytes()
        status, body = _raw_get(port, "/downloads/latest/public.db")
        assert status == 200 and body == whole
        redirect, _ = _raw_get(port, "/public.db")
        assert redirect == 302


async def test_in_process_nothing_outside_index_json(site, released):
    for target in _unlisted_targets(released):
        if "/../" in target or "/./" in target or "//etc" in target:
            continue   # the test client would normalise these; the real server test sends them as they are
        response = await site.client.get(target)
        assert response.status_code == 404, (target, response.status_code)


@pytest.fixture(scope="module")
def tampered(released, tmp_path_factory) -> Path:
    """A copy of the releases in which someone planted links and files in the served release."""
    releases = tmp_path_factory.mktemp("tampered") / "out.releases"
    shutil.copytree(released.releases, releases, symlinks=True)
    current = releases / released.second
    quarantine = released.build.resolve() / "quarantine.csv"
    (current / "penalties.csv").unlink()
    (current / "penalties.csv").symlink_to(quarantine)               # a listed name, now a link
    (current / "licences.jsonl").unlink()
    (current / "licences.jsonl").symlink_to(current / "penalties.jsonl")   # a link inside the release
    shutil.copy(quarantine, current / "quarantine.csv")             # on disk, not listed
    (current / "planted.csv").write_text("编号\n1\n", encoding="utf-8")
    (current / "unlisted.csv").symlink_to(quarantine)
    moved = releases.parent / "elsewhere"
    shutil.move(current / "deltas", moved)
    (current / "deltas").symlink_to(moved, target_is_directory=True)  # the delta's directory, a link
    with open(current / "penalties.xlsx", "ab") as fh:                 # not the size listed any more
        fh.write(b"\0")
    os.unlink(current / "penalties.parquet")
    os.mkfifo(current / "penalties.parquet")                         # a FIFO under a listed name
    return releases


@pytest.fixture(scope="module")
def tampered_site(released, tampered):
    return _site_over(released, tampered)


@pytest.mark.parametrize("path", [
    "/downloads/latest/penalties.csv", "/downloads/latest/licences.jsonl", "/downloads/latest/quarantine.csv",
    "/downloads/latest/planted.csv", "/downloads/latest/unlisted.csv", "/downloads/latest/penalties.xlsx",
    "/downloads/latest/penalties.parquet", "DELTA",
])
async def test_links_and_files_planted_in_a_release_are_not_served(released, tampered_site, path):
    site = tampered_site
    response = await site.client.get(f"/downloads/deltas/{released.delta}" if path == "DELTA" else path)
    assert response.status_code == 404, path
    assert "行政相对人名称" not in response.text
    untouched = await site.client.get("/downloads/latest/penalties.jsonl")
    assert untouched.status_code == 200


async def test_a_build_directory_linked_in_as_a_release_is_not_one(released, tmp_path):
    releases = tmp_path / "linked.releases"
    releases.mkdir()
    (releases / released.second).symlink_to(released.build.resolve(), target_is_directory=True)
    site = _site_over(released, releases)
    page = (await site.client.get("/downloads.json")).json()
    assert page["status"] == "updating" and page["release"] is None
    for name in ("public.db", "quarantine.csv"):
        assert (await site.client.get(f"/downloads/latest/{name}")).status_code == 404


async def test_with_no_release_of_the_served_build_the_page_says_updating_and_latest_is_404(released, tmp_path):
    releases = tmp_path / "later.releases"
    site = _site_over(released, releases)    # not there yet
    response = await site.client.get("/downloads")
    assert response.status_code == 200 and "正在更新" in response.text
    missing = await site.client.get("/downloads/latest/penalties.csv", headers={"accept": "application/json"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "release_updating"
    # Only the older release: its files are not offered, its delta list is empty, it is listed as off.
    releases.mkdir()
    shutil.copytree(released.releases / released.first, releases / released.first)
    page = (await site.client.get("/downloads.json")).json()
    assert page["status"] == "updating" and [r["build_id"] for r in page["taken_off"]] == [released.first]
    assert (await site.client.get("/downloads/latest/penalties.csv")).status_code == 404
    # The release arrives while the server runs: the next request finds it.
    shutil.copytree(released.current, releases / released.second)
    page = (await site.client.get("/downloads.json")).json()
    assert page["status"] == "current" and page["release"]["build_id"] == released.second
    assert (await site.client.get("/downloads/latest/penalties.csv")).status_code == 200


async def test_a_large_listed_file_is_sent_whole_and_in_ranges_across_chunks(released, tmp_path):
    releases = tmp_path / "big.releases"
    shutil.copytree(released.current, releases / released.second)
    big = bytes(range(256)) * (5 * 4096 + 17)     # about 5 MB, not a multiple of the chunk
    (releases / released.second / "big.bin").write_bytes(big)
    index = released.index()
    index["files"].append({"name": "big.bin", "size": len(big), "sha256": hashlib.sha256(big).hexdigest()})
    (releases / released.second / "index.json").write_text(json.dumps(index), encoding="utf-8")
    site = _site_over(released, releases)
    whole = await site.client.get("/downloads/latest/big.bin")
    assert whole.status_code == 200 and whole.content == big
    start, end = 524_000, 3_000_000
    part = await site.client.get("/downloads/latest/big.bin", headers={"range": f"bytes={start}-{end}"})
    assert part.status_code == 206 and part.content == big[start:end + 1]


@pytest.mark.parametrize("entry", [
    {"name": "../out/quarantine.csv"}, {"name": "/etc/passwd"}, {"name": ".hidden"}, {"name": "a/b.csv"},
    {"name": "deltas/../public.db"}, {"name": "deltas/"}, {"name": "a\0b"}, {"name": "penalties.csv", "size": -1},
    {"name": "penalties.csv", "sha256": "nope"}, {"name": "penalties.csv", "size": True}, "penalties.csv",
])
def test_an_index_entry_that_is_not_a_plain_name_is_never_offered(released, tmp_path, entry):
    releases = tmp_path / "odd.releases"
    shutil.copytree(released.current, releases / released.second)
    index = released.index()
    index["files"] = [e for e in index["files"] if e["name"] != "penalties.csv"]
    good = next(f for f in released.index()["files"] if f["name"] == "penalties.csv")
    index["files"].append({**good, **entry} if isinstance(entry, dict) else entry)
    (releases / released.second / "index.json").write_text(json.dumps(index), encoding="utf-8")
    catalog = load_catalog(releases, released.second)
    page = listing(catalog)
    names = {f["name"] for t in page["release"]["tables"] for f in t["files"]} | \
        {f["name"] for f in page["release"]["others"]}
    assert "penalties.csv" not in names and all("/" not in n and not n.startswith(".") for n in names)
    assert [d.basename for d in catalog.deltas] == [released.delta]
    assert catalog.latest("penalties.csv") is None and catalog.latest("penalties.jsonl") is not None


# --- the whole database, and where releases may be ----------------------------------------------

@pytest.mark.parametrize("path", ["/public.db", "/~70ublic.db", "/pu~62lic.db", "/PUBLIC.db", "/public.db?x=1"])
async def test_the_whole_database_is_the_releases_copy(site, path):
    response = await site.client.get(path)
    assert response.status_code == 302
    assert response.headers["location"] == "/downloads/latest/public.db"


@pytest.mark.parametrize("path", ["/authorized.db", "/~61uthorized.db"])
async def test_the_private_database_still_asks_for_a_token(site, path):
    response = await site.client.get(path)
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("where, code", [
    (lambda r, s: r.build / "releases", "out_inside_build"),
    (lambda r, s: s / "releases", "out_inside_state"),
    (lambda r, s: r.build.resolve().parent, "out_inside_builds"),
    (lambda r, s: r.build / "public.db", "out_inside_build"),
])
def test_releases_are_never_read_from_a_build_or_the_state(released, state_dir, where, code):  # noqa: F811
    with pytest.raises(PublishError) as raised:
        make_datasette(released.build, CLOCK, releases_dir=where(released, state_dir))
    assert raised.value.code == code


# --- the catalog and the sender, alone -----------------------------------------------------------

def _fake_release(releases: Path, build_id: str, previous: str | None = None) -> None:
    """A release directory as `release` leaves it, with one small file (and a delta)."""
    directory = releases / build_id
    (directory / "deltas").mkdir(parents=True)
    files = {"penalties.csv": b"\xef\xbb\xbf" + build_id.encode()}
    if previous:
        files[f"deltas/{previous}__{build_id}.jsonl"] = b'{"op": "added", "table": "t", "key": "k"}\n'
    for name, body in files.items():
        (directory / name).write_bytes(body)
    index = {"build_id": build_id, "as_of": build_id[:10], "created": "2026-11-25T04:00:00Z",
             "files": [{"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in files.items()]}
    (directory / "index.json").write_text(json.dumps(index), encoding="utf-8")


IDS = ["2026-11-22_20261122T020000.000000Z-aaaa", "2026-11-23_20261123T020000.000000Z-bbbb",
       "2026-11-24_20261124T020000.000000Z-cccc", "2026-11-25_20261125T020000.000000Z-dddd"]


def test_the_catalog_offers_the_served_builds_release_and_every_delta_newest_first(tmp_path):
    releases = tmp_path / "out.releases"
    _fake_release(releases, IDS[0])
    for previous, this in zip(IDS, IDS[1:], strict=False):
        _fake_release(releases, this, previous)
    (releases / f".staging-{IDS[3]}-x").mkdir()                 # a release being written
    (releases / "2026-11-26_20261126T020000.000000Z-eeee").symlink_to(releases / IDS[3])   # a link
    catalog = load_catalog(releases, IDS[2])
    assert catalog.current is not None and catalog.current.build_id == IDS[2]
    assert [r.build_id for r in catalog.taken_off] == [IDS[3], IDS[1], IDS[0]]
    assert [d.basename for d in catalog.deltas] == [f"{a}__{b}.jsonl" for a, b in
                                                   [(IDS[2], IDS[3]), (IDS[1], IDS[2]), (IDS[0], IDS[1])]]
    assert catalog.latest("penalties.csv").release == IDS[2]
    assert catalog.latest("index.json") is None and catalog.delta("penalties.csv") is None
    # A release whose index.json is a link, or names another build, is no release.
    (releases / IDS[2] / "index.json").rename(tmp_path / "moved.json")
    (releases / IDS[2] / "index.json").symlink_to(tmp_path / "moved.json")
    assert load_catalog(releases, IDS[2]).current is None
    index = json.loads((tmp_path / "moved.json").read_text())
    (releases / IDS[2] / "index.json").unlink()
    (releases / IDS[2] / "index.json").write_text(json.dumps({**index, "build_id": IDS[1]}))
    assert load_catalog(releases, IDS[2]).current is None
    assert load_catalog(tmp_path / "nowhere", IDS[2]).current is None


async def test_a_client_gone_stops_the_reading(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (20 * 512 * 1024))
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.disconnect"}

    fd = os.open(path, os.O_RDONLY)
    try:
        status = await send_file(send, receive, fd, filename="big.bin", size=path.stat().st_size, sha256="0" * 64,
                                 cache_control="no-store", headers={})
    finally:
        os.close(fd)
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert status == 200 and 1 <= len(bodies) < 20

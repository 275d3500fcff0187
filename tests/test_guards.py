"""The guards see the route Datasette dispatches to, whatever the spelling; malformed
parameters and unsupported methods are 4xx, never a 500 with a traceback; /authorized in any
spelling is 401.

The build is tests/site_data.py's: row 2 of `penalties_records` (景市监罚〔2025〕9号) is
public through 2026-11-30, so a server on 2026-12-01 must not show it in any spelling.
"""
import datetime as dt
import json

import pytest

from publish.clock import Clock
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.site_data import CHANGNAN, build_site

ENDED_DECISION = "景市监罚〔2025〕9号"
AFTER_THE_WINDOW = dt.date(2026, 12, 1)


def tilde_all(name: str) -> str:
    """Every character tilde-encoded, as Datasette's tilde_decode reads it."""
    return "".join(f"~{ord(c):02X}" for c in name)


# Every spelling of the guarded names Datasette accepts, and some it does not (those must
# not serve the record either).
DATABASES = ["public", "~70ublic", "~70~75~62~6C~69~63", tilde_all("public"), "pub~6cic", "%70ublic"]
TABLES = ["penalties_records", "penalties~5Frecords", "penalties~5frecords", tilde_all("penalties_records"),
          "PENALTIES_RECORDS", "Penalties_Records", "PENALTIES~5FRECORDS", "penalties%5Frecords",
          "penalties%5frecords"]
KEYS = ["2", "~32", "02", "2.0", "+2", "~202", "%32", "2~2C"]
FORMATS = ["", ".json", ".csv", "~2Ejson"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("guards"))


# One instance per module: the tests only read (each test still runs in its own event loop).
@pytest.fixture(scope="module")
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


@pytest.fixture(scope="module")
def after_the_window(built):
    return make_datasette(built, Clock.on(AFTER_THE_WINDOW))


async def served(datasette, path: str):
    """The answer at the end of any redirects (Datasette redirects percent-encoding to tilde)."""
    return await datasette.client.get(path, follow_redirects=True)


def shows_the_record(response) -> bool:
    # Datasette's JSON writes Chinese as \\u escapes; its pages and CSV as UTF-8.
    text = response.text
    return response.status_code == 200 and (ENDED_DECISION in text or json.dumps(ENDED_DECISION)[1:-1] in text)


# --- The window guard on decoded paths -------------------------------------------------------------

@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("table", TABLES)
async def test_an_ended_record_is_hidden_in_every_spelling_of_its_row_page(after_the_window, database, table):
    response = await served(after_the_window, f"/{database}/{table}/2.json")
    assert not shows_the_record(response), response.url


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("suffix", FORMATS)
async def test_an_ended_record_is_hidden_whatever_key_and_format_name_it(after_the_window, key, suffix):
    for path in (f"/public/penalties_records/{key}{suffix}", f"/~70ublic/penalties~5Frecords/{key}{suffix}"):
        assert not shows_the_record(await served(after_the_window, path)), path


@pytest.mark.parametrize("path", ["/public/penalties_records/2.json", "/~70ublic/penalties~5Frecords/2.json",
                                  "/public/PENALTIES_RECORDS/~32.json", "/public/penalties_records/02.json"])
async def test_the_same_row_pages_serve_the_record_while_its_window_is_open(datasette, path):
    # The guard hides ended records, not the pages: before the window ends these spellings work.
    assert shows_the_record(await served(datasette, path)), path


async def test_an_ended_record_answers_404_in_the_site_error_form(after_the_window):
    response = await after_the_window.client.get("/~70ublic/penalties~5Frecords/2.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("database", ["public", "~70ublic", tilde_all("public")])
@pytest.mark.parametrize("table", ["penalties_records", "penalties~5Frecords", tilde_all("penalties_records"),
                                   "PENALTIES_RECORDS"])
@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
async def test_snapshot_table_pages_in_any_spelling_are_served_by_the_windowed_view(
        after_the_window, database, table, suffix):
    response = await after_the_window.client.get(f"/{database}/{table}{suffix}?_size=5")
    assert response.status_code == 302
    assert response.headers["location"] == f"/public/penalties{suffix}?_size=5"
    assert not shows_the_record(await served(after_the_window, f"/{database}/{table}{suffix}"))


@pytest.mark.parametrize("path", ["/public/penalties", "/~70ublic/penalties", "/~70ublic", "/public.json",
                                  f"/{tilde_all('public')}/penalties.json", "/~70ublic/penalties_records/1",
                                  "/search?q=昌南", f"/entity/{CHANGNAN}"])
async def test_pages_under_public_in_any_spelling_are_not_indexed(datasette, path):
    response = await datasette.client.get(path)
    assert response.status_code == 200, path
    assert response.headers["x-robots-tag"] == "noindex, noarchive"


# --- /authorized in any spelling -----------------------------------------------------------------

AUTHORIZED_SPELLINGS = ["/authorized", "/~61uthorized", f"/{tilde_all('authorized')}", "/authorized.json",
                        "/~61uthorized.json", "/~61uthorized/tax_grades.json", "/authori~7Aed/tax~5Fgrades",
                        "/~61uthorized?sql=select+1", "/~61uthorized.db", "/Authorized", "/AUTHORIZED.json",
                        "/%61uthorized", "/authorized%2Ejson"]


@pytest.mark.parametrize("path", AUTHORIZED_SPELLINGS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "TRACE", "PROPFIND"])
async def test_authorized_in_any_spelling_and_method_is_401_with_www_authenticate(datasette, path, method):
    response = await datasette.client.request(method, path)
    assert response.status_code == 401, (method, path)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "甲公司" not in response.text and "tax_grades" not in response.text


# --- Methods -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "OPTIONS", "DELETE", "PUT", "PATCH", "POST", "MKCOL"])
@pytest.mark.parametrize("path", ["/", "/search", "/search.json?q=昌南", f"/entity/{CHANGNAN}.json", "/public",
                                  "/public/penalties", "/public/penalties.json", "/public/penalties_records/1",
                                  "/-/index", "/static/site.css", "/no-such-page"])
async def test_unsupported_methods_are_405_with_allow(datasette, capfd, method, path):
    response = await datasette.client.request(method, path)
    assert response.status_code == 405, (method, path)
    assert response.headers["allow"] == "GET, HEAD"
    if path.split("?")[0].endswith(".json"):
        assert response.json()["error"]["code"] == "method_not_allowed"
    else:
        assert "请求方法不允许" in response.text
    assert "Traceback" not in capfd.readouterr().err


async def test_get_and_head_still_work(datasette):
    for method in ("GET", "HEAD"):
        for path in ("/", "/public/penalties", f"/entity/{CHANGNAN}"):
            assert (await datasette.client.request(method, path)).status_code == 200, (method, path)


# --- 4xx, not 500 ------------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("/public/penalties.json?_sort=nope", "bad_parameter"),
    ("/public/penalties.json?_sort_desc=nope", "bad_parameter"),
    ("/public/penalties.json?_sort=rowid", "bad_parameter"),                       # a view has no rowid
    ("/public/penalties.json?_sort=decision_no&_sort_desc=decision_no", "bad_parameter"),
    ("/public/penalties.json?_next=abc", "bad_parameter"),
    ("/public/penalties.json?_next=-5", "bad_parameter"),
    ("/public/penalties.json?_timelimit=abc", "bad_parameter"),
    ("/public/penalties.json?_timelimit=-5", "bad_parameter"),
    ("/public.json?sql=select+1&_timelimit=abc", "bad_parameter"),
    ("/public.json?sql=select+1&_timelimit=99999999999999999999", "bad_parameter"),
    ("/public/penalties.json?_through=abc", "bad_parameter"),
    ("/public/entities.json?_through=%7B%22table%22:%22nope%22,%22column%22:%22x%22,%22value%22:1%7D",
     "bad_parameter"),
    ("/public/entities.json?_through=%5B1%5D", "bad_parameter"),
    ("/public/penalties.json?_facet=nope", "bad_parameter"),
    ("/public/penalties.json?_facet=%7B%22x%22:1%7D", "bad_parameter"),
    ("/public/penalties.json?_facet=%7Bbroken", "bad_parameter"),
    ("/public/penalties.json?_facet_array=nope", "bad_parameter"),
    ("/public/penalties.json?_facet_date=nope", "bad_parameter"),
    ("/public/penalties.json?_col=nope", "bad_request"),
    ("/public/penalties.json?_nocol=nope", "bad_request"),
    ("/public/penalties.json?_size=abc", "bad_request"),
    ("/public/penalties.json?_shape=nope", "bad_parameter"),
    ("/public.json?sql=select+1&_shape=nope", "bad_parameter"),
    ("/public/entities.json?_next=a,b,c&_sort=name", "bad_request"),
    ("/public.json?sql=select+nope", "bad_sql"),
    ("/public.json?sql=delete+from+entities", "bad_request"),
    ("/~70ublic/penalties.json?_sort=nope", "bad_parameter"),
    ("/public/penalties~5Frecords.json?_sort=nope", "bad_parameter"),
]


@pytest.mark.parametrize("path, code", BAD_PARAMETERS)
async def test_malformed_parameters_are_400_with_a_code_and_no_traceback(datasette, capfd, path, code):
    response = await served(datasette, path)
    assert response.status_code == 400, (path, response.text[:300])
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("path", ["/public/penalties?_sort=nope", "/public/penalties?_next=abc",
                                  "/public/entities?_through=abc"])
async def test_malformed_parameters_on_html_pages_are_a_chinese_400_page(datasette, path):
    response = await datasette.client.get(path)
    assert response.status_code == 400
    assert "请求有误" in response.text and "bad_parameter" in response.text


@pytest.mark.parametrize("path", ["/public/penalties.json?_sort=decision_no", "/public/penalties.json?_next=1",
                                  "/public/penalties.json?_facet=category", "/public/penalties.json?_timelimit=500",
                                  "/public/penalties.json?_facet=%7B%22simple%22:%22category%22%7D",
                                  "/public/entities.json?_sort_desc=name", "/public.json?sql=select+1&_shape=array",
                                  "/public/penalties.json?_sort=&_sort_desc=decision_no"])
async def test_well_formed_parameters_still_work(datasette, path):
    assert (await datasette.client.get(path)).status_code == 200, path


async def test_a_raw_path_that_is_not_ascii_is_400(datasette):
    app = datasette.app()
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/public/处罚", "raw_path": "/public/处罚".encode(),
             "query_string": b"", "headers": [], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8001),
             "scheme": "http", "http_version": "1.1", "asgi": {"version": "3.0"}}
    await app(scope, receive, send)
    assert sent[0]["status"] == 400

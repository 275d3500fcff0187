"""Datasette 0.65.5's security fixes, held on our site (the 0.65.x release notes): no open
redirect from `//host/path`, table permissions whatever the case of the name, answers to a
token kept out of shared caches and anonymous answers varying by Cookie and Authorization,
no SQLite extension loading from SQL; and the `/-/` introspection pages, which show an
anonymous user nothing of `authorized.db` nor where the build lies. Day: 2026-11-25."""
import datetime as dt
import importlib.metadata

import pytest

from publish.clock import SHANGHAI, Clock
from publish.serve import make_datasette
from publish.settings import DEFAULT_BASE_URL
from publish.tokens import TokenOffice
from tests.api_support import state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.test_api_auth import built  # noqa: F401 (the module's build, a tax grade in authorized.db)

NOON = dt.datetime.combine(AS_OF, dt.time(12), SHANGHAI)
INTROSPECTION = ["/-/databases.json", "/-/metadata.json", "/-/settings.json", "/-/plugins.json", "/-/versions.json",
                 "/-/threads.json", "/-/actor.json", "/-/allow-debug", "/-/permissions", "/-/messages", "/-/patterns",
                 "/-/index.json", "/.json", "/-/health", "/-/databases", "/-/metadata"]


@pytest.fixture(scope="module")
def datasette(built):  # noqa: F811
    return make_datasette(built, Clock.on(AS_OF))


@pytest.fixture(scope="module")
def tokens(state_dir):
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        return {"sql": office.issue("安全测试银行", "sql")[0], "screen": office.issue("安全测试银行", "screen")[0]}


def test_the_pinned_release_is_installed():
    assert importlib.metadata.version("datasette") == "0.65.5"


@pytest.mark.parametrize("path", ["//example.com/foo/bar", "//example.com/", "/\\example.com/foo",
                                  "//example.com/public"])
async def test_no_open_redirect(datasette, path):
    response = await datasette.client.get(path)
    location = response.headers.get("location", "")
    # A redirect, if any, stays on this site: a path, never `//host` or another origin.
    assert not location.startswith(("//", "/\\", "http:", "https:")), location
    assert response.status_code < 500


@pytest.mark.parametrize("path", INTROSPECTION)
async def test_introspection_shows_anonymous_users_nothing_of_authorized_db(datasette, built, path):  # noqa: F811
    response = await datasette.client.get(path, follow_redirects=True)
    assert response.status_code in (200, 403, 404), path
    text = response.text
    assert "authorized" not in text and "授权查询信息" not in text
    assert str(built.parent) not in text and ".builds" not in text


async def test_with_scope_sql_the_private_database_is_listed(datasette, tokens):
    response = await datasette.client.get("/-/databases.json", headers={"Authorization": f"Bearer {tokens['sql']}"})
    assert {d["name"] for d in response.json()} == {"public", "authorized"}


@pytest.mark.parametrize("path", ["/authorized/TAX_GRADES.json", "/authorized/Tax_Grades", "/AUTHORIZED/tax_grades",
                                  "/authorized.json?sql=select+*+from+TAX_GRADES"])
async def test_table_permissions_hold_whatever_the_case_of_the_name(datasette, tokens, path):
    anonymous = await datasette.client.get(path)
    assert anonymous.status_code == 401
    without_sql = await datasette.client.get(path, headers={"Authorization": f"Bearer {tokens['screen']}"})
    assert without_sql.status_code == 403 and "甲公司" not in without_sql.text


async def test_answers_to_a_token_are_private_and_anonymous_ones_vary(datasette, tokens):
    private = await datasette.client.get("/authorized/tax_grades.json",
                                         headers={"Authorization": f"Bearer {tokens['sql']}"})
    assert private.status_code == 200 and private.headers["cache-control"] == "private, no-store"
    public = await datasette.client.get("/public/penalties.json")
    assert public.status_code == 200
    vary = {v.strip().lower() for v in public.headers.get("vary", "").split(",")}
    assert {"cookie", "authorization"} <= vary


async def test_sql_cannot_load_an_extension(datasette):
    sql = "select+load_extension('/usr/lib/x86_64-linux-gnu/libm.so.6')"
    response = await datasette.client.get(f"/public.json?sql={sql}")
    assert response.status_code in (400, 403)
    assert "rows" not in response.json() or not response.json().get("ok", True)


async def test_through_filters_cannot_reach_a_table_the_site_does_not_show(datasette):
    response = await datasette.client.get(
        '/public/penalties.json?_through={"table":"tax_grades","column":"uscc","value":"x"}')
    assert 400 <= response.status_code < 500


async def test_no_secret_in_the_metadata_datasette_serves(datasette):
    metadata = (await datasette.client.get("/-/metadata.json")).json()
    text = str(metadata).lower()
    for word in ("secret", "password", "private", "token_key", "-----begin"):
        assert word not in text, word
    assert set(metadata.get("plugins", {})) <= {"site", "api"}

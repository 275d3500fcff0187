"""One error system: who gets JSON, and every plugin's errors in the same shape."""
import pytest

from publish.clock import Clock
from publish.httperrors import wants_json
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.site_data import build_site


@pytest.mark.parametrize("path, accept, expected", [
    ("/entity/X.json", None, True),
    ("/search.json?q=1", "text/html", True),
    ("/api/v1/entities/X", None, True),
    ("/api/v1/entities/X", "text/html", True),
    ("/entity/X", None, False),
    ("/entity/X", "application/json", True),
    ("/entity/X", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
    ("/entity/X", "application/json, text/html;q=0.5", True),
    ("/entity/X", "text/html;q=0.5, application/json;q=0.9", True),
    ("/entity/X", "*/*", False),
    ("/entity/X", "application/json;q=0, text/html", False),
])
def test_who_gets_json(path, accept, expected):
    assert wants_json(path, accept) is expected


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    return make_datasette(build_site(tmp_path_factory.mktemp("errors")), Clock.on(AS_OF))


@pytest.mark.parametrize("path, headers, status, code", [
    ("/entity/ABC.json", {}, 400, "invalid_uscc"),
    ("/entity/ABC", {"accept": "application/json"}, 400, "invalid_uscc"),
    ("/authorized/tax_grades.json", {}, 401, "unauthorized"),
    ("/authorized/tax_grades", {"accept": "application/json"}, 401, "unauthorized"),
    ("/public/no_such_table.json", {}, 404, "not_found"),
    ("/api/v1/nothing", {}, 404, "not_found"),
])
async def test_every_plugin_answers_errors_in_one_shape(datasette, path, headers, status, code):
    response = await datasette.client.get(path, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize("path", ["/entity/ABC", "/authorized/tax_grades", "/public/no_such_table"])
async def test_browsers_get_chinese_pages(datasette, path):
    response = await datasette.client.get(path, headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in response.text and "错误代码" in response.text
    assert "Traceback" not in response.text

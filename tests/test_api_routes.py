"""The `/api/v1` routes answered over HTTP (Datasette in process, a real build, real tokens):
screening with evidence, its pinned algorithm and its item quota (refused before any work),
the change feed's cursor and its 410 with the snapshot link, the snapshot, bad input as JSON
errors. The matcher and the feed are tested on their own in test_screening.py and
test_changes.py. Day: 2026-11-25."""
import datetime as dt

import pytest

from publish.clock import SHANGHAI, Clock
from publish.screening import DEFAULT_ALGORITHM
from publish.serve import make_datasette
from publish.settings import DEFAULT_BASE_URL
from publish.tokens import TokenOffice
from tests.api_support import state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.test_api_auth import SUBJECT, built  # noqa: F401 (a penalty for 甲公司's code and a tax grade)

NOON = dt.datetime.combine(AS_OF, dt.time(12), SHANGHAI)


@pytest.fixture(scope="module")
def token(state_dir):
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        return office.issue("路由测试银行", "entities:read screen changes:read audit:read")[0]


def _headers(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def datasette(built):  # noqa: F811
    return make_datasette(built, Clock.on(AS_OF))


async def test_screening_answers_each_query_with_evidence_and_names_its_algorithm(datasette, token):
    name = (await datasette.client.get(f"/public/entities/{SUBJECT}.json?_shape=object")).json()[SUBJECT]["name"]
    body = {"queries": [{"key": "exact", "uscc": SUBJECT, "name": name},
                        {"key": "by-name", "name": name},
                        {"key": "nobody", "name": "完全无关的某某有限公司"}]}
    response = await datasette.client.post("/api/v1/screen", json=body, headers=_headers(token))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["algorithm"] == DEFAULT_ALGORITHM and answer["build_id"]
    results = {r["key"]: r for r in answer["results"]}
    exact, by_name = results["exact"]["candidates"][0], results["by-name"]["candidates"][0]
    assert exact["uscc"] == by_name["uscc"] == SUBJECT
    assert {"uscc_exact", "name_normalised_exact"} <= {e["match"] for e in exact["evidence"]}
    assert 0 < by_name["score"] < exact["score"] <= 1
    assert exact["penalties_in_window"] >= 1 and exact["blacklisted"] is False
    assert results["exact"]["matched"] and not results["nobody"]["matched"]


@pytest.mark.parametrize("body, code", [
    ({"queries": [{"key": "a", "name": "甲公司"}], "algorithm": "1999-01.0"}, "screen_unknown_algorithm"),
    ({"queries": []}, None),
    ({"queries": [{"key": "a"}]}, None),
    ({"queries": [{"key": f"k{i}", "name": "甲公司"} for i in range(1001)]}, None),
    ("not an object", None),
])
async def test_a_bad_screening_request_is_a_json_400(datasette, token, body, code):
    response = await datasette.client.post("/api/v1/screen", json=body, headers=_headers(token))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["message"] and (code is None or error["code"] == code)


async def test_a_body_that_is_not_json_is_a_400(datasette, token):
    response = await datasette.client.post("/api/v1/screen", content=b"\xff\xfe", headers=_headers(token))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


async def test_a_batch_larger_than_the_items_left_is_refused_before_any_work(built, state_dir, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PUBLISH_API_SCREEN_LIMIT", "5")
    datasette = make_datasette(built, Clock.on(AS_OF))
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        token = office.issue("筛查配额银行", "screen")[0]
    three = {"queries": [{"key": f"k{i}", "name": "甲公司"} for i in range(3)]}
    assert (await datasette.client.post("/api/v1/screen", json=three, headers=_headers(token))).status_code == 200
    refused = await datasette.client.post("/api/v1/screen", json=three, headers=_headers(token))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "screen_quota_exceeded"
    assert refused.headers["ratelimit-remaining"] == "2" and int(refused.headers["retry-after"]) >= 1
    two = {"queries": three["queries"][:2]}
    assert (await datasette.client.post("/api/v1/screen", json=two, headers=_headers(token))).status_code == 200


async def test_the_change_feed_pages_with_its_cursor(datasette, token):
    first = await datasette.client.get("/api/v1/changes?limit=1", headers=_headers(token))
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["build_id"] and isinstance(page["cursor"], str)
    for change in page["changes"]:
        assert set(change) <= {"op", "kind", "key", "uscc", "build_id"}
    after = await datasette.client.get(f"/api/v1/changes?after={page['cursor']}", headers=_headers(token))
    assert after.status_code == 200
    assert not {c["key"] for c in after.json()["changes"]} & {c["key"] for c in page["changes"]}


async def test_an_expired_cursor_is_410_with_the_snapshot_link_and_a_forged_one_400(built, datasette, token):  # noqa: F811
    old = await datasette.client.get("/api/v1/changes?limit=1", headers=_headers(token))
    later = make_datasette(built, Clock.on(AS_OF + dt.timedelta(days=91)))
    with TokenOffice.open(later.site_state_dir, Clock.at(NOON + dt.timedelta(days=91)), DEFAULT_BASE_URL) as office:
        fresh = office.issue("路由测试银行", "changes:read")[0]
    gone = await later.client.get(f"/api/v1/changes?after={old.json()['cursor']}&uscc={SUBJECT}",
                                  headers=_headers(fresh))
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "cursor_expired"
    assert gone.json()["error"]["snapshot"] == f"/api/v1/snapshot?uscc={SUBJECT}"
    forged = await datasette.client.get("/api/v1/changes?after=bm90LWEtY3Vyc29y", headers=_headers(token))
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "bad_cursor"


async def test_the_snapshot_lists_a_subjects_record_keys(datasette, token):
    response = await datasette.client.get(f"/api/v1/snapshot?uscc={SUBJECT}", headers=_headers(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["records"] and {r["uscc"] for r in body["records"]} == {SUBJECT}
    assert {"penalties", "tax_grades"} <= {r["kind"] for r in body["records"]}
    assert all(set(r) == {"kind", "key", "uscc"} for r in body["records"]) and body["cursor"]
    missing = await datasette.client.get("/api/v1/snapshot", headers=_headers(token))
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "uscc_required"


async def test_an_unknown_or_malformed_subject(datasette, token):
    bad = await datasette.client.get("/api/v1/entities/12345", headers=_headers(token))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_uscc"
    unknown = await datasette.client.get("/api/v1/entities/91360200MA35Q8XJ4L", headers=_headers(token))
    assert unknown.status_code in (400, 404)


async def test_an_unknown_api_route_is_a_json_404(datasette, token):
    response = await datasette.client.get("/api/v1/nothing", headers=_headers(token))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    wrong_method = await datasette.client.get("/api/v1/screen", headers=_headers(token))
    assert wrong_method.status_code == 405


@pytest.mark.parametrize("query", ["after=84856013089021067264", "after=²", "after=-1", "after=1.5"])
async def test_a_bad_audit_position_is_a_400(datasette, state_dir, query):
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        token = office.issue("路由测试银行", "audit:read")[0]
    response = await datasette.client.get(f"/api/v1/audit?{query}", headers=_headers(token))
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_cursor"


@pytest.mark.parametrize("limit", ["0", "1001", "²", "ten"])
async def test_a_bad_feed_limit_is_a_400(datasette, token, limit):
    response = await datasette.client.get(f"/api/v1/changes?limit={limit}", headers=_headers(token))
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_limit"

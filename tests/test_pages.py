"""The public pages and their JSON twins, in process (tests/site_data.py describes the build)."""
import datetime as dt
import re

import pytest

from publish import search as site_search
from publish.clock import Clock
from publish.serve import make_datasette
from tests.conftest import AS_OF
from tests.factories import bad_uscc
from tests.site_data import ABC, CHANGNAN, HONGYUN, HUACI, ONLY_ENDING, PARTNERS, PERSON, UNKNOWN, build_site

ROBOTS = "noindex, noarchive"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("pages"))


@pytest.fixture
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


@pytest.fixture
def a_week_later(built):
    """The same build served on 2026-12-01, after one of its windows ended."""
    return make_datasette(built, Clock.on(dt.date(2026, 12, 1)))


async def get_json(datasette, path, status=200):
    response = await datasette.client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def found(datasette, q, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    data = await get_json(datasette, f"/search.json?{query}")
    return [r["uscc"] for r in data["results"]]


# --- Home -------------------------------------------------------------------------------------

async def test_home_json_says_what_the_site_holds(datasette):
    data = await get_json(datasette, "/.json")
    counts = {d["kind"]: d["count"] for d in data["datasets"]}
    assert counts == {"registered_subjects": 0, "penalties": 9, "licences": 2, "blacklist": 1, "redlist": 1,
                      "commitments": 1, "evaluations": 1}
    assert data["as_of"] == "2026-11-25" and data["built_at"].startswith("20")
    assert data["entities"] == 6
    assert data["license"] == "CC BY 4.0"


async def test_home_page_has_one_search_box_and_the_licence(datasette):
    response = await datasette.client.get("/")
    html = response.text
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert html.count('type="search"') == 1 and '<label for="q"' in html
    assert "CC BY 4.0" in html and "数据来源" in html and "信用中国" in html
    assert "数据截至" in html and "2026-11-25" in html
    assert "x-robots-tag" not in response.headers


async def test_datasette_index_moved_and_its_pages_still_work(datasette):
    index = await datasette.client.get("/-/index")
    assert index.status_code == 200 and "/public" in index.text
    assert (await get_json(datasette, "/-/index.json"))["public"]["path"] == "/public"
    for path in ("/public", "/public/penalties", "/public/licences", "/public/entities"):
        response = await datasette.client.get(path)
        assert response.status_code == 200, path
    assert "行政处罚" in (await datasette.client.get("/public/penalties")).text
    row = await get_json(datasette, f"/public/entities/{CHANGNAN}.json?_shape=array")
    assert row[0]["name"] == "景德镇市昌南陶瓷有限公司"


# --- Search -----------------------------------------------------------------------------------

async def test_two_character_query(datasette):
    assert set(await found(datasette, "昌南")) == {CHANGNAN, PARTNERS}
    assert await found(datasette, "物流") == [HONGYUN]


@pytest.mark.parametrize("typed, expected", [
    ("ＡＢＣ", ABC),                    # full-width letters
    ("abc科技", ABC),                   # lower case
    (CHANGNAN.lower(), CHANGNAN),       # lower-case USCC
    (" ".join(CHANGNAN[i:i + 6] for i in range(0, 18, 6)), CHANGNAN),  # USCC with spaces
    ("景德镇市 昌南 陶瓷", CHANGNAN),      # spaces
    ("华瓷贸易", HUACI),                  # simplified query, traditional name
    ("鴻運物流", HONGYUN),                # traditional query, simplified name
    ("瓷业(普通合伙)", PARTNERS),          # half-width brackets, full-width in the name
])
async def test_normalised_queries(datasette, typed, expected):
    assert await found(datasette, typed) == [expected]


async def test_search_json_shape(datasette):
    data = await get_json(datasette, "/search.json?q=有限公司")
    assert data["total"] == 5 and data["total_display"] == "5" and data["page"] == 1
    first = data["results"][0]
    assert set(first) >= {"uscc", "name", "region", "entity_type", "url", "json_url", "counts"}
    assert set(data["facets"]) == {"region", "dept", "kind"}
    region = {v["label"]: v["count"] for v in data["facets"]["region"]}
    assert region == {"江西省景德镇市": 3, "江西省乐平市": 1, "广东省中山市": 1}
    assert data["facets"]["region"][0]["url"].startswith("/search.json?")


async def test_a_facet_filter(datasette):
    assert await found(datasette, "有限公司", region="江西省乐平市") == [ONLY_ENDING]
    data = await get_json(datasette, "/search.json?q=有限公司&kind=blacklist")
    assert [r["uscc"] for r in data["results"]] == [CHANGNAN]


async def test_very_common_fragments_say_1000_plus(datasette, monkeypatch):
    monkeypatch.setattr(site_search, "CAP", 2)
    data = await get_json(datasette, "/search.json?q=有限")
    assert data["capped"] and data["total_display"] == "2+"
    html = (await datasette.client.get("/search?q=有限")).text
    assert "2+" in html and "结果过多" in html


async def test_short_invalid_and_empty_queries(datasette):
    assert (await get_json(datasette, "/search.json?q=昌"))["mode"] == "too_short"
    assert (await get_json(datasette, f"/search.json?q={bad_uscc(1)}"))["mode"] == "invalid_uscc"
    assert (await get_json(datasette, "/search.json"))["mode"] == "empty"


async def test_nothing_found_page(datasette):
    data = await get_json(datasette, "/search.json?q=不存在的名称")
    assert data["total"] == 0 and data["results"] == []
    html = (await datasette.client.get("/search?q=不存在的名称")).text
    assert "没有找到" in html and "18 位" in html


async def test_natural_persons_cannot_be_found(datasette):
    assert await found(datasette, "张三丰") == []
    assert await found(datasette, PERSON) == []
    assert (await get_json(datasette, "/search.json?q=张*"))["results"] == []
    error = await get_json(datasette, f"/entity/{PERSON}.json", status=404)
    assert error["error"]["code"] == "entity_not_found"


# --- Entity profile ---------------------------------------------------------------------------

async def test_profile_json(datasette):
    p = await get_json(datasette, f"/entity/{CHANGNAN}.json")
    assert p["name"] == "景德镇市昌南陶瓷有限公司" and p["region"] == "江西省景德镇市" and p["entity_type"] == "企业"
    penalties = {r["decision_no"]: r for r in p["records"]["penalties"]["rows"]}
    assert set(penalties) == {"景市监罚〔2026〕1号", "景市监罚〔2025〕9号", "景环罚〔2026〕4号"}
    assert penalties["景市监罚〔2026〕1号"]["publicity_end"] == "2027-05-31"
    assert penalties["景环罚〔2026〕4号"]["objection_pending"] is True
    assert [o["decision_no"] for o in p["objections"]] == ["景环罚〔2026〕4号"]
    assert {r["display_status"] for r in p["records"]["licences"]["rows"]} == {"有效", "已过期"}
    assert p["records"]["blacklist"]["total"] == 1 and p["records"]["redlist"]["total"] == 1
    assert p["records"]["commitments"]["rows"][0]["performance"] == "履约"
    assert p["grade"]["grade"] == "良"
    assert "信用中国" in p["notices"]["authority"] and "异议" in p["notices"]["objection"]
    assert "信用修复" in p["notices"]["repair"]


async def test_a_repaired_record_is_simply_absent(datasette):
    for path in (f"/entity/{CHANGNAN}.json", f"/entity/{CHANGNAN}"):
        assert "景市监罚〔2025〕3号" not in (await datasette.client.get(path)).text


async def test_profile_links_to_the_underlying_datasette_rows(datasette):
    p = await get_json(datasette, f"/entity/{CHANGNAN}.json")
    urls = [r["url"] for rec in p["records"].values() for r in rec["rows"]]
    assert any(u.startswith("/public/penalties_records/") for u in urls)
    assert any(u.startswith("/public/commitments/") for u in urls)
    for url in urls:
        assert (await datasette.client.get(url + ".json")).status_code == 200, url


async def test_profile_page(datasette):
    response = await datasette.client.get(f"/entity/{CHANGNAN}")
    html = response.text
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex,noarchive">' in html
    assert response.headers["x-robots-tag"] == ROBOTS
    assert "公示至" in html and "2027-05-31" in html
    assert "异议处理中" in html
    for words in ("提出异议", "信用修复", "以“信用中国”为准"):
        assert words in html
    assert "/public/penalties_records/" in html
    assert "良" in html and "已过期" in html


async def test_lower_case_uscc_redirects_to_the_profile(datasette):
    response = await datasette.client.get(f"/entity/{CHANGNAN.lower()}.json")
    assert response.status_code == 301 and response.headers["location"] == f"/entity/{CHANGNAN}.json"


@pytest.mark.parametrize("path, status, code", [
    (f"/entity/{bad_uscc(1)}", 400, "invalid_uscc"),
    ("/entity/12345", 400, "invalid_uscc"),
    (f"/entity/{UNKNOWN}", 404, "entity_not_found"),
])
async def test_profile_errors(datasette, path, status, code):
    error = await get_json(datasette, path + ".json", status=status)
    assert error["error"]["code"] == code and error["error"]["message"]
    response = await datasette.client.get(path)
    assert response.status_code == status
    assert '<html lang="zh-CN">' in response.text and code in response.text
    assert "Traceback" not in response.text


# --- Request-time windows ---------------------------------------------------------------------

async def test_a_window_that_ended_after_the_build_is_hidden(datasette, a_week_later):
    row = "/public/penalties_records/2"
    assert (await datasette.client.get(row)).status_code == 200
    datasette = a_week_later
    p = await get_json(datasette, f"/entity/{CHANGNAN}.json")
    assert "景市监罚〔2025〕9号" not in {r["decision_no"] for r in p["records"]["penalties"]["rows"]}
    assert "景市监罚〔2025〕9号" not in (await datasette.client.get(f"/entity/{CHANGNAN}")).text
    # Its only record ended: no longer found, no profile.
    assert await found(datasette, "晚秋") == []
    assert (await get_json(datasette, f"/entity/{ONLY_ENDING}.json", status=404))["error"]["code"] == "entity_not_found"
    data = await get_json(datasette, "/search.json?q=有限公司")
    assert data["total"] == 4
    assert {v["label"]: v["count"] for v in data["facets"]["region"]} == {"江西省景德镇市": 3, "广东省中山市": 1}
    counts = {r["uscc"]: r["counts"]["penalties"] for r in data["results"]}
    assert counts[CHANGNAN] == 2
    home = await get_json(datasette, "/.json")
    assert {d["kind"]: d["count"] for d in home["datasets"]}["penalties"] == 7


async def test_datasette_row_pages_of_ended_records_answer_404(a_week_later):
    datasette = a_week_later
    for path in ("/public/penalties_records/2", "/public/penalties_records/2.json"):
        response = await datasette.client.get(path)
        assert response.status_code == 404, path
        assert "景市监罚〔2025〕9号" not in response.text
    assert (await get_json(datasette, "/public/penalties_records/2.json", status=404))["error"]["code"] == "not_found"
    assert (await datasette.client.get("/public/penalties_records/1")).status_code == 200


# --- Headers and errors -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/search?q=昌南", "/search.json?q=昌南", f"/entity/{CHANGNAN}",
                                  f"/entity/{CHANGNAN}.json", "/public/penalties", "/public/penalties_records/1"])
async def test_pages_that_show_penalties_are_not_indexed(datasette, path):
    response = await datasette.client.get(path)
    assert response.headers["x-robots-tag"] == ROBOTS
    if ".json" not in path:
        assert re.search(r'<meta name="robots" content="noindex,\s*noarchive">', response.text)


async def test_datasette_penalty_pages_say_how_to_object(datasette):
    html = (await datasette.client.get("/public/penalties")).text
    assert '<html lang="zh-CN">' in html
    for words in ("提出异议", "信用修复", "信用中国"):
        assert words in html


@pytest.mark.parametrize("path", ["/no-such-page", "/public/no_such_table", "/public/penalties_records/999999"])
async def test_not_found_is_a_chinese_page_or_a_json_error(datasette, path):
    response = await datasette.client.get(path)
    assert response.status_code == 404
    assert "未找到" in response.text and "Traceback" not in response.text
    error = await get_json(datasette, path + ".json", status=404)
    assert error["error"]["code"] == "not_found"


async def test_an_unexpected_error_shows_no_stack_trace(datasette, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(site_search, "search", boom)
    error = await get_json(datasette, "/search.json?q=昌南", status=500)
    assert error["error"] == {"code": "internal_error", "message": "服务器内部错误，请稍后再试。"}
    response = await datasette.client.get("/search?q=昌南")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "服务器" in response.text

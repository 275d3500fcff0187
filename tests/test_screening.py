"""Screening (POST /api/v1/screen, issue 16): what a request may hold, how names are split,
how candidates are scored and why, and the quality held on the labelled set."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.screening import PAIRS, create_tables, evaluate
from publish.errors import PublishError
from publish.screening import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    DEFAULT_THRESHOLD,
    Screener,
    ScreenQuery,
    build_screening_index,
    parse_queries,
    requested_algorithm,
    screen_request,
)
from publish.screening.normalise import region_code, split_name
from tests.conftest import AS_OF, rows
from tests.factories import bad_uscc, uscc
from tests.site_data import CHANGNAN, HONGYUN, build_site

TODAY = AS_OF.isoformat()

# --- The request ----------------------------------------------------------------------------


def ok(*items: dict) -> dict:
    return {"queries": list(items)}


@pytest.mark.parametrize("payload, max_items, code, names", [
    ([], 10, "screen_bad_request", "JSON 对象"),
    ({"queries": "x"}, 10, "screen_bad_request", "queries"),
    ({"queries": [], "extra": 1}, 10, "screen_bad_request", "extra"),
    ({"queries": []}, 10, "screen_no_queries", "queries"),
    (ok(*({"key": str(i), "name": "景德镇市昌南陶瓷有限公司"} for i in range(11))), 10, "screen_too_many", "11"),
    (ok("x"), 10, "screen_bad_item", "queries[0]"),
    (ok({"name": "昌南陶瓷"}), 10, "screen_bad_key", "queries[0].key"),
    (ok({"key": "  ", "name": "昌南陶瓷"}), 10, "screen_bad_key", "queries[0].key"),
    (ok({"key": 7, "name": "昌南陶瓷"}), 10, "screen_bad_key", "queries[0].key"),
    (ok({"key": "a", "name": "昌南陶瓷"}, {"key": "a", "name": "鸿运物流"}), 10, "screen_duplicate_key",
     "queries[1].key"),
    (ok({"key": "a"}), 10, "screen_nothing_to_match", "queries[0]"),
    (ok({"key": "a", "name": " ", "uscc": None}), 10, "screen_nothing_to_match", "queries[0]"),
    (ok({"key": "a", "name": "昌" * 201}), 10, "screen_too_long", "queries[0].name"),
    (ok({"key": "k" * 101, "name": "昌南陶瓷"}), 10, "screen_too_long", "queries[0].key"),
    (ok({"key": "a", "name": "昌南", "region": "区" * 101}), 10, "screen_too_long", "queries[0].region"),
    (ok({"key": "a", "name": 5}), 10, "screen_bad_field", "queries[0].name"),
    (ok({"key": "a", "name": "昌南陶瓷", "phone": "1"}), 10, "screen_bad_field", "phone"),
    (ok({"key": "a", "uscc": "12345"}), 10, "screen_bad_uscc", "queries[0].uscc"),
    ({"queries": [{"key": "a", "name": "昌南陶瓷"}], "algorithm": "2020-01.1"}, 10,
     "screen_unknown_algorithm", "2020-01.1"),
])
def test_parse_queries_refuses_with_a_code_naming_the_item_and_field(payload, max_items, code, names):
    with pytest.raises(PublishError) as refused:
        parse_queries(payload, max_items)
    assert refused.value.code == code
    assert names in refused.value.message


def test_parse_queries_reads_each_item():
    queries = parse_queries(ok({"key": "a", "name": " 昌南陶瓷 "}, {"key": "b", "uscc": CHANGNAN, "region": None},
                               {"key": "c", "name": "鸿运物流", "uscc": None, "region": "乐平市"}), 10)
    assert queries == [ScreenQuery("a", "昌南陶瓷", None, None), ScreenQuery("b", None, CHANGNAN, None),
                       ScreenQuery("c", "鸿运物流", None, "乐平市")]


def test_the_algorithm_is_pinned():
    assert DEFAULT_ALGORITHM in ALGORITHMS
    assert requested_algorithm({"queries": []}) == DEFAULT_ALGORITHM
    assert requested_algorithm({"algorithm": DEFAULT_ALGORITHM}) == DEFAULT_ALGORITHM
    with pytest.raises(PublishError) as refused:
        requested_algorithm({"algorithm": "latest"})
    assert refused.value.code == "screen_unknown_algorithm"
    assert DEFAULT_ALGORITHM in refused.value.message


# --- Normalisation --------------------------------------------------------------------------

@pytest.mark.parametrize("name, places, core, form, branch", [
    ("景德镇市珠山区宏泰陶瓷有限公司", ("360200", "360203"), "宏泰陶瓷", "有限公司", ""),
    ("景德鎮市珠山區宏泰陶瓷有限責任公司", ("360200", "360203"), "宏泰陶瓷", "有限责任公司", ""),
    ("江西省乐平市 宏泰陶瓷股份有限公司", ("360000", "360281"), "宏泰陶瓷", "股份有限公司", ""),
    ("宏泰陶瓷", (), "宏泰陶瓷", "", ""),
    ("景德镇ＴＣＬ物流有限公司（珠山分公司）", ("360200",), "TCL物流", "有限公司", "珠山分公司"),
    ("珠山区韩瑶便利店", ("360203",), "韩瑶便利店", "", ""),
    ("浮梁县昌南茶叶种植专业合作社", ("360222",), "昌南茶叶种植专业合作社", "", ""),
    ("景德镇市", (), "景德镇市", "", ""),            # nothing but a place: kept whole
    ("有限公司", (), "有限公司", "", ""),
])
def test_a_name_is_split_into_places_core_and_legal_form(name, places, core, form, branch):
    parts = split_name(name)
    assert (parts.places, parts.core, parts.form, parts.branch) == (places, core, form, branch)


@pytest.mark.parametrize("region, code", [
    ("江西省景德镇市珠山区", "360203"), ("珠山区", "360203"), ("景德镇", "360200"), ("乐平市", "360281"),
    ("360222", "360222"), ("江西省", "360000"), ("火星", None), ("景德镇市某某街道", None),
])
def test_a_region_names_a_division(region, code):
    assert region_code(region) == code


# --- Scoring --------------------------------------------------------------------------------

ZHUSHAN = "360203"
HONGTAI = uscc(1, division=ZHUSHAN)
HONGTAI_LEPING = uscc(2, division="360281")
HONGYUN_TRANSPORT = uscc(3)
SHOP = uscc(4, prefix="92", division=ZHUSHAN)
OTHER = uscc(5)
ENTITIES = [
    (HONGTAI, "景德镇市珠山区宏泰陶瓷有限公司", ZHUSHAN, "江西省景德镇市珠山区"),
    (HONGTAI_LEPING, "乐平市宏泰陶瓷有限公司", "360281", "江西省乐平市"),
    (HONGYUN_TRANSPORT, "景德镇市鸿运汽车运输有限公司", "360200", "江西省景德镇市"),
    (SHOP, "珠山区韩瑶便利店", ZHUSHAN, "江西省景德镇市珠山区"),
    (OTHER, "景德镇市青花文化传播有限公司", "360200", "江西省景德镇市"),
]


@pytest.fixture(scope="module")
def screener(tmp_path_factory):
    path = tmp_path_factory.mktemp("screening") / "public.db"
    conn = sqlite3.connect(path)
    create_tables(conn)
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)", ENTITIES)
    conn.commit()
    build_screening_index(conn)
    conn.close()
    screener = Screener(path)
    yield screener
    screener.close()


def answer(screener: Screener, **query) -> dict:
    return screener.screen([ScreenQuery(key="q", **query)], algorithm=DEFAULT_ALGORITHM, today=TODAY)[0]


def candidate(screener: Screener, subject: str, /, **query) -> dict | None:
    found = [c for c in answer(screener, **query)["candidates"] if c["uscc"] == subject]
    return found[0] if found else None


def score(screener: Screener, subject: str, /, **query) -> float:
    found = candidate(screener, subject, **query)
    return found["score"] if found else 0.0


def kinds(evidence: list[dict]) -> list[str]:
    return [e["match"] for e in evidence]


def test_scores_are_ordered_exact_uscc_and_name_then_uscc_then_name_then_similar(screener):
    both = score(screener, HONGTAI, uscc=HONGTAI, name="景德镇市珠山区宏泰陶瓷有限公司")
    uscc_alone = score(screener, HONGTAI, uscc=HONGTAI)
    name_alone = score(screener, HONGTAI, name="景德镇市珠山区宏泰陶瓷有限公司")
    core_alone = score(screener, HONGTAI, name="宏泰陶瓷")
    similar = score(screener, HONGTAI, name="景德镇市珠山区宏泰陶瓷厂有限公司")      # one more: 0.8
    less_similar = score(screener, HONGTAI, name="景德镇市珠山区宏太陶瓷有限公司")   # one wrong: 0.75
    assert 1 > both > uscc_alone > name_alone > core_alone > similar > less_similar > 0


def test_scores_lie_in_zero_to_one_and_do_not_saturate(screener):
    best = answer(screener, uscc=HONGTAI, name="景德镇市珠山区宏泰陶瓷有限公司", region="珠山区")
    assert 0.9 < best["candidates"][0]["score"] < 1
    for query in ({"name": "宏泰"}, {"name": "陶瓷有限公司"}, {"uscc": OTHER, "name": "鸿运"}):
        for c in answer(screener, **query)["candidates"]:
            assert 0 <= c["score"] <= 1


@pytest.mark.parametrize("query, expected", [
    ({"uscc": HONGTAI}, ["uscc_exact"]),
    ({"uscc": HONGTAI.lower()}, ["uscc_exact"]),
    ({"uscc": HONGTAI, "name": "景德镇市珠山区宏泰陶瓷有限公司"}, ["uscc_exact", "name_normalised_exact"]),
    ({"uscc": HONGTAI, "name": "景德镇市青花文化传播有限公司"}, ["uscc_exact", "name_mismatch"]),
    ({"name": "宏泰陶瓷有限责任公司"}, ["name_normalised_exact"]),
    ({"name": "宏太陶瓷", "region": "珠山区"}, ["name_similar", "region_match"]),
    ({"name": "景德镇市珠山区宏泰陶瓷有限公司", "uscc": OTHER}, ["name_normalised_exact", "uscc_mismatch"]),
    ({"name": "宏泰陶瓷有限公司", "region": "浮梁县"}, ["name_normalised_exact", "region_mismatch"]),
    ({"name": "宏泰陶瓷有限公司", "uscc": bad_uscc(1)}, ["name_normalised_exact", "uscc_invalid"]),
    ({"name": "浮梁县宏泰陶瓷有限公司"}, ["name_normalised_exact", "region_mismatch"]),
])
def test_each_kind_of_evidence(screener, query, expected):
    found = candidate(screener, HONGTAI, **query)
    assert found is not None
    assert kinds(found["evidence"]) == expected


def test_a_mistyped_uscc_does_not_pull_a_name_match_down(screener):
    assert score(screener, HONGTAI, name="宏泰陶瓷有限公司", uscc=bad_uscc(1)) >= DEFAULT_THRESHOLD


def test_a_similar_name_says_how_similar(screener):
    found = candidate(screener, HONGTAI, name="宏太陶瓷")
    assert found["evidence"] == [{"match": "name_similar", "similarity": 0.75}]


@pytest.mark.parametrize("query", [
    {"name": "景德镇市珠山区宏泰陶瓷有限公司", "uscc": OTHER},           # a USCC that is another's
    {"name": "宏泰陶瓷有限公司", "region": "九江市"},                   # the same trade name elsewhere
    {"name": "宏泰陶瓷有限公司", "region": "昌江区"},                   # a sibling district
    {"name": "浮梁县宏泰陶瓷有限公司"},                                # a place in the name
    {"uscc": HONGTAI, "region": "九江市"},                             # the code's own division differs
])
def test_what_tells_subjects_apart_pulls_below_the_threshold(screener, query):
    assert score(screener, HONGTAI, **query) < DEFAULT_THRESHOLD


@pytest.mark.parametrize("query", [
    {"name": "景德鎮市珠山區宏泰陶瓷有限公司"},        # traditional
    {"name": "景德镇市珠山区宏泰陶瓷有限公司", "region": "景德镇市"},   # a region that contains it
    {"name": "宏泰陶瓷", "region": "江西省景德镇市珠山区"},              # legal form and places dropped
    {"name": "江西省景德镇市宏泰陶瓷有限公司"},       # a wider place added
    {"name": "宏 泰　陶瓷有限公司"},                  # spaces, ideographic too
    {"name": "景德镇市珠山区宏泰陶瓷公司"},          # a short legal form
])
def test_the_same_subject_written_differently_is_matched(screener, query):
    assert score(screener, HONGTAI, **query) >= DEFAULT_THRESHOLD


def test_full_width_and_branch_names_are_matched(tmp_path):
    branch = uscc(9)
    path = tmp_path / "public.db"
    conn = sqlite3.connect(path)
    create_tables(conn)
    conn.execute("INSERT INTO entities VALUES (?, ?, ?, ?)",
                 (branch, "景德镇市ABC物流有限公司(珠山分公司)", "360200", "江西省景德镇市"))
    conn.commit()
    build_screening_index(conn)
    conn.close()
    found = candidate(Screener(path), branch, name="景德镇市ＡＢＣ物流有限公司（珠山分公司）")
    assert found is not None and kinds(found["evidence"]) == ["name_normalised_exact"]


def test_a_database_built_before_screening_is_refused_with_a_code(tmp_path):
    path = tmp_path / "public.db"
    conn = sqlite3.connect(path)
    create_tables(conn)
    conn.close()
    with pytest.raises(PublishError) as refused:
        Screener(path).screen([ScreenQuery("a", name="宏泰陶瓷")], algorithm=DEFAULT_ALGORITHM, today=TODAY)
    assert refused.value.code == "screening_index_missing"


def test_candidates_are_best_first_at_most_five_and_above_the_floor(screener):
    result = answer(screener, name="宏泰陶瓷有限公司")
    scores = [c["score"] for c in result["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert {c["uscc"] for c in result["candidates"]} == {HONGTAI, HONGTAI_LEPING}
    assert result["matched"] is True
    floor = ALGORITHMS[DEFAULT_ALGORITHM].floor
    assert all(s >= floor for s in scores) and len(scores) <= 5


def test_a_near_name_in_the_place_named_is_found_among_many_elsewhere(tmp_path):
    """泽明 for 泽合: the deletion 泽汽车运输 is shared by forty companies of 景德镇市 (numbered
    first: their USCCs sort first); the one in 九江市 is read because the query names that place."""
    from publish.sample.names import GIVEN_NAME_CHARS
    path = tmp_path / "public.db"
    conn = sqlite3.connect(path)
    create_tables(conn)
    elsewhere = [(uscc(100 + i), f"景德镇市泽{ch}汽车运输有限公司", "360200", "江西省景德镇市")
                 for i, ch in enumerate(sorted(set(GIVEN_NAME_CHARS) - {"明", "合"})[:40])]
    target = (uscc(99, division="360400"), "九江市泽合汽车运输有限公司", "360400", "江西省九江市")
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)", [*elsewhere, target])
    conn.commit()
    build_screening_index(conn)
    conn.close()
    screener = Screener(path)
    for query in ({"name": "九江市泽明汽车运输有限公司"}, {"name": "泽明汽车运输有限公司", "region": "九江市"}):
        best = answer(screener, **query)["candidates"][0]
        assert best["uscc"] == target[0] and best["score"] >= DEFAULT_THRESHOLD


def test_nothing_close_is_no_match(screener):
    result = answer(screener, name="九江市长江造船厂")
    assert result == {"key": "q", "candidates": [], "matched": False}


def test_an_unknown_uscc_alone_finds_nothing(screener):
    assert answer(screener, uscc=uscc(77))["candidates"] == []


def test_the_screener_is_shared_by_threads(screener):
    from concurrent.futures import ThreadPoolExecutor
    queries = [ScreenQuery(key=str(i), name=name) for i, (_, name, _, _) in enumerate(ENTITIES)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: screener.screen(queries, algorithm=DEFAULT_ALGORITHM, today=TODAY),
                                range(8)))
    assert all(r == results[0] for r in results)
    assert [r["candidates"][0]["uscc"] for r in results[0]] == [e[0] for e in ENTITIES]


def test_a_request_answered_names_its_algorithm(screener):
    done = screen_request(screener, ok({"key": "a", "name": "珠山区韩瑶便利店"}), max_items=10, today=TODAY)
    assert done["algorithm"] == DEFAULT_ALGORITHM
    assert done["threshold"] == DEFAULT_THRESHOLD
    assert done["results"][0]["candidates"][0]["uscc"] == SHOP


# --- Standing, from a real build ------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("site")) / "public.db"


def test_blacklisted_and_penalties_in_window_from_a_build(site):
    screener = Screener(site)
    today = screener.screen([ScreenQuery("a", name="景德镇市昌南陶瓷有限公司"), ScreenQuery("b", uscc=HONGYUN)],
                            algorithm=DEFAULT_ALGORITHM, today=TODAY)
    later = screener.screen([ScreenQuery("a", uscc=CHANGNAN)], algorithm=DEFAULT_ALGORITHM, today="2026-12-01")
    changnan, hongyun = today[0]["candidates"][0], today[1]["candidates"][0]
    public = rows(site, "SELECT COUNT(*) AS n FROM penalties WHERE uscc = ?", (CHANGNAN,))[0]["n"]
    assert changnan["uscc"] == CHANGNAN and changnan["blacklisted"] is True
    assert changnan["penalties_in_window"] == public >= 2
    assert later[0]["candidates"][0]["penalties_in_window"] == public - 1  # one window ends 2026-11-30
    assert hongyun["uscc"] == HONGYUN and hongyun["blacklisted"] is False


def test_the_build_adds_the_screening_index(site):
    subjects = rows(site, "SELECT COUNT(*) AS n FROM screening_subjects")[0]["n"]
    entities = rows(site, "SELECT COUNT(*) AS n FROM entities")[0]["n"]
    assert subjects == entities > 0


# --- Quality, on the labelled set -----------------------------------------------------------

def test_the_labelled_set_is_matched_with_the_precision_and_recall_the_issue_asks():
    result = evaluate(PAIRS, DEFAULT_THRESHOLD)
    assert result["pairs"] >= 1000
    assert 0 <= result["score_range"][0] and result["score_range"][1] < 1
    assert result["precision"] >= 0.99 and result["recall"] >= 0.95, result["wrong"][:5]
    for cls, figures in result["classes"].items():
        assert figures["precision"] >= 0.99, (cls, figures)
        assert figures["recall"] is None or figures["recall"] >= 0.95, (cls, figures)
    assert len(result["classes"]) == 10

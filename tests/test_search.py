"""Search: normalisation, the index built into public.db, ranking, counts and facets."""
import sqlite3

import pytest
import sqlite_utils

from publish import search as site_search
from publish.kinds import kinds_by_table
from publish.search import Query, ResultCache, fts_phrase, index_text, search
from publish.search_index import build_search_index
from publish.textnorm import as_uscc, bigrams, fold, search_key
from tests.factories import bad_uscc, uscc

TODAY = "2026-11-25"


@pytest.mark.parametrize("typed, key", [
    ("景德镇市昌南陶瓷有限公司", "景德镇市昌南陶瓷有限公司"),
    ("ＡＢＣ科技", "ABC科技"),                          # full-width letters
    ("abc科技", "ABC科技"),                              # lower case
    ("１２３号", "123号"),                                # full-width digits
    ("景德镇 昌南\u3000陶瓷", "景德镇昌南陶瓷"),           # spaces, ideographic space
    ("昌南瓷业（普通合伙）", "昌南瓷业普通合伙"),           # full-width brackets
    ("昌南瓷业(普通合伙)", "昌南瓷业普通合伙"),             # half-width brackets
    ("中山市華瓷貿易有限公司", "中山市华瓷贸易有限公司"),   # traditional → simplified
    ("鴻運物流", "鸿运物流"),
    ("乾元陶瓷", "乾元陶瓷"),                            # 乾 is simplified too: kept
    ("【景德镇】·瓷都", "景德镇瓷都"),                    # other punctuation dropped
])
def test_search_key_folds_what_users_type(typed, key):
    assert search_key(typed) == key


def test_fold_keeps_punctuation_for_display():
    assert fold("ａｂｃ（普通合伙）") == "ABC(普通合伙)"


@pytest.mark.parametrize("typed, code", [
    (uscc(1), uscc(1)),
    (uscc(1).lower(), uscc(1)),
    ("9136 0200 0000 0000 1X", uscc(1)),
    ("91360200-000000001x", uscc(1)),
    ("９１３６０２００００００００００１Ｘ", uscc(1)),
    (bad_uscc(1), bad_uscc(1)),        # shape only; the check character is judged apart
    ("91360200000000001", None),        # 17 characters
    ("9136020000000000IO", None),       # I and O are not in the alphabet
    ("景德镇市昌南陶瓷有限公司", None),
])
def test_as_uscc_recognises_codes_by_shape(typed, code):
    assert as_uscc(typed) == code


@pytest.mark.parametrize("key, grams", [
    ("有限公司", ["有限", "限公", "公司"]),
    ("瓷都", ["瓷都"]),
    ("瓷", ["瓷"]),
    ("", []),
])
def test_bigrams(key, grams):
    assert bigrams(key) == grams


def test_index_text_marks_the_first_gram_so_prefixes_are_a_phrase():
    assert index_text("瓷都陶瓷") == "\ue000瓷都 瓷都 都陶 陶瓷"
    assert fts_phrase("瓷都陶") == 'grams : "瓷都 都陶"'
    assert fts_phrase("瓷都陶", initial=True) == 'grams : "\ue000瓷都 瓷都 都陶"'


# --- A hand-made public database ------------------------------------------------------------

NAMES = [
    ("景德镇市瓷都商贸有限公司", "江西省景德镇市", "2027-01-01"),
    ("瓷都", "江西省景德镇市", None),
    ("瓷都陶瓷有限公司", "江西省乐平市", "2027-01-01"),
    ("乐平市瓷都", "江西省乐平市", "2026-11-30"),          # its only record ends after the build
    ("瓷都科技", None, "2027-01-01"),
    ("景德镇市昌南陶瓷有限公司", "江西省景德镇市", None),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """entities and a windowed penalties table, as load.py leaves them, then the index."""
    path = tmp_path_factory.mktemp("search") / "public.db"
    database = sqlite_utils.Database(path)
    database["entities"].insert_all(
        [{"uscc": uscc(i + 1), "name": name, "entity_type": "企业", "region": region}
         for i, (name, region, _) in enumerate(NAMES)],
        pk="uscc")
    penalties = [{"id": i + 1, "uscc": uscc(i + 1), "subject_name": name, "subject_is_person": 0,
                  "publicity_end": end, "source_dept": "景德镇市市场监督管理局" if i % 2 else "",
                  "authority": "景德镇市生态环境局"} for i, (name, _, end) in enumerate(NAMES)]
    # A natural person: a record with a USCC, never an entity.
    penalties.append({"id": 99, "uscc": uscc(50, prefix="92"), "subject_name": "瓷*", "subject_is_person": 1,
                      "publicity_end": "2027-01-01", "source_dept": "", "authority": "景德镇市市场监督管理局"})
    database["penalties_records"].insert_all(penalties, pk="id")
    database.execute("CREATE VIEW penalties AS SELECT * FROM penalties_records")
    build_search_index(database, [kinds_by_table()["penalties"]])
    database.conn.close()
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def names(result):
    return [r["name"] for r in result["results"]]


def test_ranking_is_exact_then_prefix_then_contains(db):
    result = search(db, Query("瓷都"), TODAY)
    assert names(result) == ["瓷都", "瓷都科技", "瓷都陶瓷有限公司", "乐平市瓷都", "景德镇市瓷都商贸有限公司"]
    assert result["total"] == 5 and result["total_display"] == "5" and not result["capped"]


def test_a_two_character_fragment_from_the_middle_of_a_name(db):
    assert names(search(db, Query("商贸"), TODAY)) == ["景德镇市瓷都商贸有限公司"]
    assert names(search(db, Query("陶瓷"), TODAY)) == ["瓷都陶瓷有限公司", "景德镇市昌南陶瓷有限公司"]


def test_one_character_is_too_short(db):
    result = search(db, Query("瓷"), TODAY)
    assert result["mode"] == "too_short" and result["results"] == [] and "两个字" in result["message"]


def test_a_uscc_finds_its_entity_in_any_spelling(db):
    for typed in (uscc(6), uscc(6).lower(), " ".join(uscc(6))):
        result = search(db, Query(typed), TODAY)
        assert result["mode"] == "uscc" and names(result) == ["景德镇市昌南陶瓷有限公司"]


def test_a_uscc_with_a_wrong_check_character_says_so(db):
    result = search(db, Query(bad_uscc(6)), TODAY)
    assert result["mode"] == "invalid_uscc" and "校验位" in result["message"]


def test_natural_persons_are_not_in_the_index(db):
    assert search(db, Query(uscc(50, prefix="92")), TODAY)["total"] == 0
    person = uscc(50, prefix="92")
    assert db.execute("SELECT count(*) FROM search_entities WHERE uscc = ?", (person,)).fetchone()[0] == 0


def test_counts_stop_at_the_cap(db, monkeypatch):
    monkeypatch.setattr(site_search, "CAP", 3)
    result = search(db, Query("瓷都"), TODAY)
    assert result["capped"] and result["total_display"] == "3+"
    assert len(result["results"]) == 4      # CAP + 1 kept, to know there are more
    counts = {v["label"]: v["count_display"] for v in result["facets"]["kind"]}
    assert counts == {"行政处罚": "3+"}


def test_pagination(db, monkeypatch):
    monkeypatch.setattr(site_search, "PAGE_SIZE", 2)
    pages = [names(search(db, Query("瓷都", page=n), TODAY)) for n in (1, 2, 3)]
    assert pages == [["瓷都", "瓷都科技"], ["瓷都陶瓷有限公司", "乐平市瓷都"], ["景德镇市瓷都商贸有限公司"]]
    assert search(db, Query("瓷都", page=99), TODAY)["page"] == 3


def test_facets_count_regions_departments_and_kinds(db):
    facets = search(db, Query("瓷都"), TODAY)["facets"]
    assert {v["label"]: v["count"] for v in facets["region"]} == {
        "江西省景德镇市": 2, "江西省乐平市": 2, "其他地区": 1}
    # A department is the record's 数据来源单位, else its authority (as build-report.json counts).
    assert {v["label"]: v["count"] for v in facets["dept"]} == {
        "景德镇市市场监督管理局": 2, "景德镇市生态环境局": 3}
    assert {v["value"]: v["count"] for v in facets["kind"]} == {"penalties": 5}


def test_a_facet_filter_narrows_the_results(db):
    result = search(db, Query("瓷都", {"region": "江西省乐平市"}), TODAY)
    assert names(result) == ["瓷都陶瓷有限公司", "乐平市瓷都"]
    assert [v["selected"] for v in result["facets"]["region"]] == [True]
    assert search(db, Query("瓷都", {"region": "火星"}), TODAY)["total"] == 0


def test_an_entity_whose_last_record_ended_after_the_build_is_no_longer_found(db):
    assert "乐平市瓷都" in names(search(db, Query("瓷都"), "2026-11-30"))
    later = search(db, Query("瓷都"), "2026-12-01")
    assert "乐平市瓷都" not in names(later)
    assert later["total"] == 4
    assert {v["label"]: v["count"] for v in later["facets"]["region"]}["江西省乐平市"] == 1


def test_the_cap_and_the_window_together(db, monkeypatch):
    monkeypatch.setattr(site_search, "CAP", 3)
    # Five indexed, one ended: four today, still "3+".
    assert search(db, Query("瓷都"), "2026-12-01")["total_display"] == "3+"
    monkeypatch.setattr(site_search, "CAP", 4)
    result = search(db, Query("瓷都"), "2026-12-01")
    assert result["total_display"] == "4" and not result["capped"]


def test_nothing_found(db):
    result = search(db, Query("不存在的名称"), TODAY)
    assert result["total"] == 0 and result["results"] == [] and result["message"]


def test_the_cache_returns_what_a_fresh_search_returns(db):
    cache = ResultCache(size=2)
    first = search(db, Query("瓷都"), TODAY, cache=cache)
    again = search(db, Query("瓷都"), TODAY, cache=cache)
    assert first == again
    for q in ("陶瓷", "商贸", "科技"):
        search(db, Query(q), TODAY, cache=cache)
    assert len(cache._items) == 2


def test_the_index_is_rebuilt_from_scratch(tmp_path):
    database = sqlite_utils.Database(tmp_path / "p.db")
    database["entities"].insert({"uscc": uscc(1), "name": "瓷都", "entity_type": "企业", "region": None}, pk="uscc")
    database["commitments"].insert({"id": 1, "uscc": uscc(1), "subject_is_person": 0, "publicity_end": None,
                                    "authority": "景德镇市发展和改革委员会"}, pk="id")
    build_search_index(database, [kinds_by_table()["commitments"]])
    build_search_index(database, [kinds_by_table()["commitments"]])
    assert database.execute("SELECT count(*) FROM search_entities").fetchone()[0] == 1
    assert names(search(database.conn, Query("瓷都"), TODAY)) == ["瓷都"]

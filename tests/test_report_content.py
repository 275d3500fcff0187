"""The credit report's content (issue 15): the field catalogue, the build's deliveries, and
`report_content`, a pure function of the build, the issue day, the subject and the options.
Real builds of small CSVs; the sample's build for the after-check over every entity."""
import datetime as dt
import json
import shutil
import sqlite3

import pytest
import yaml

from publish.build import build
from publish.errors import PublishError
from publish.report import ReportError, load_catalogue, report_content, texts
from publish.report.catalogue import parse_catalogue
from publish.resources import data_file
from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, bad_uscc, id_number, penalty, uscc, write_csv

HEADER = [*PENALTY_HEADER, "数据更新时间戳"]
REGISTRY = ["主体名称", "统一社会信用代码", "主体类型", "法定代表人", "成立日期", "登记机关", "登记状态", "住所"]
BLACKLIST = ["行政相对人名称", "统一社会信用代码", "列入事由", "列入依据", "认定机关", "列入日期", "移出日期"]
OBJECTION = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "异议提出日期", "异议状态", "处理日期",
             "受理单位"]

MARKET = "景德镇市市场监督管理局"
TAX = "国家税务总局景德镇市税务局"
NO_FIELD = "景德镇市机关事务管理局"   # matches no field of the catalogue: 其他

CLEAN, PENALISED, LISTED, DISPUTED, TRADER = (uscc(n) for n in (101, 102, 103, 104, 105))
PERSON_TRADER = uscc(106, prefix="92")
NAMES = {CLEAN: "景德镇市清白瓷业有限公司", PENALISED: "景德镇市昌南陶瓷有限公司", LISTED: "景德镇市失信贸易有限公司",
         DISPUTED: "景德镇市异议建材有限公司", TRADER: "景德镇市珠山区老街瓷器店"}


def registered(code: str, name: str, **overrides) -> dict:
    row = {"主体名称": name, "统一社会信用代码": code, "主体类型": "有限责任公司（自然人投资或控股）",
           "法定代表人": "陈大文", "成立日期": "2015-04-01", "登记机关": MARKET, "登记状态": "存续",
           "住所": "江西省景德镇市珠山区新厂路12号"}
    row.update(overrides)
    return row


def fined(code: str, number: str, **overrides) -> dict:
    return penalty(**{"行政相对人名称": NAMES.get(code, "景德镇市某某有限公司"),
                      "行政相对人代码_1(统一社会信用代码)": code, "行政处罚决定书文号": number,
                      "数据更新时间戳": "2026-06-02 09:00:00", **overrides})


def write_inputs(raw):
    write_csv(raw / "市场监管局/市场主体登记.csv", [
        *(registered(code, name) for code, name in NAMES.items()),
        registered(PERSON_TRADER, "李小芳", 主体类型="个体工商户", 法定代表人="李小芳"),
    ], REGISTRY)
    write_csv(raw / "市场监管局/行政处罚.csv", [
        fined(PENALISED, "景市监罚〔2026〕1号"),                                   # in any period
        fined(PENALISED, "景市监罚〔2025〕7号", 处罚决定日期="2025-06-01", 处罚内容="吊销营业执照",
              处罚类别="吊销许可证件", **{"罚款金额（万元）": "", "数据更新时间戳": "2026-10-08 17:30:00"}),
        # Its window ends on the build day: shown that day, hidden the next.
        fined(PENALISED, "景市监罚〔2026〕9号", 公示截止期="2026-11-25", **{"罚款金额（万元）": "3.5"}),
        fined(DISPUTED, "景市监罚〔2026〕40号"),
    ], HEADER)
    write_csv(raw / "税务局/税务行政处罚.csv", [
        fined(PENALISED, "景税稽罚〔2026〕3号", 处罚机关=TAX, 数据来源单位=TAX, 处罚内容="罚款人民币2万元",
              **{"罚款金额（万元）": "2", "数据更新时间戳": ""}),
    ], HEADER)
    write_csv(raw / "其他单位/处罚.csv", [
        fined(PENALISED, "景机事罚〔2026〕1号", 处罚机关=NO_FIELD, 数据来源单位=NO_FIELD),
    ], HEADER)
    # A nil return (零报告): the header, no row. Delivered all the same.
    write_csv(raw / "生态环境局/行政处罚_2026年11月.csv", [], HEADER)
    write_csv(raw / "信用办/严重失信主体名单.csv", [
        {"行政相对人名称": NAMES[LISTED], "统一社会信用代码": LISTED, "列入事由": "拒不履行行政处罚决定",
         "列入依据": "《严重失信主体名单管理办法》", "认定机关": "景德镇市发展和改革委员会", "列入日期": "2026-01-10",
         "移出日期": ""}], BLACKLIST)
    write_csv(raw / "信用办/异议.csv", [
        {"行政相对人名称": NAMES[DISPUTED], "统一社会信用代码": DISPUTED, "行政处罚决定书文号": "景市监罚〔2026〕40号",
         "异议提出日期": "2026-07-01", "异议状态": "处理中", "处理日期": "", "受理单位": "景德镇市发展和改革委员会"}],
        OBJECTION)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    write_inputs(tmp / "raw")
    report = build(tmp / "raw", tmp / "out", AS_OF, progress=False)
    assert report["balanced"]
    return tmp / "out"


@pytest.fixture
def conn(built):
    connection = sqlite3.connect(f"file:{built / 'public.db'}?mode=ro", uri=True)
    yield connection
    connection.close()


def content(conn, code, *, issue_day=AS_OF, **options):
    return report_content(conn, code, issue_day=issue_day, **options)


def sections(result) -> dict:
    return {s["code"]: s for s in result["fields"]}


def error(call) -> str:
    with pytest.raises(ReportError) as exc:
        call()
    assert exc.value.message and isinstance(exc.value, PublishError)
    return exc.value.code


# --- the catalogue ----------------------------------------------------------------------------

FIELDS_2024 = ("新闻出版 版权 教育 科技 工业和信息化 民族宗教 公安 民政 社会组织 司法行政 财政 自然资源 "
               "生态环境 交通运输 水利 农业农村 商务 卫生健康 退役军人事务 体育 统计 地方金融监管 粮食和储备 "
               "能源 林业 中医药 法院执行").split()
FIELDS_2021 = ("发展改革 人力资源社会保障 住房城乡建设 市场监管 税务 应急管理 消防救援 文化和旅游 医疗保障 "
               "城市管理 药品监管").split()


def test_the_shipped_catalogue_has_the_38_fields_in_domain_order():
    catalogue = load_catalogue()
    assert [f.name for f in catalogue.fields] == FIELDS_2024 + FIELDS_2021
    assert len({f.code for f in catalogue.all_fields}) == 39
    assert [f.name for f in catalogue.fields if not f.confirmed] == FIELDS_2021
    assert (catalogue.other.code, catalogue.other.name) == ("other", "其他")
    assert all(f.kinds == ("penalties",) for f in catalogue.all_fields)   # licences are not violations
    assert catalogue.blacklist_kinds == ("blacklist",)
    assert data_file("report_fields.yml").read_text(encoding="utf-8")   # top-level data/ links here


@pytest.mark.parametrize("authority, code", [
    ("景德镇市市场监督管理局", "market"), ("浮梁县市场监督管理局", "market"), ("国家税务总局景德镇市税务局", "tax"),
    ("景德镇市生态环境局", "ecology"), ("景德镇市应急管理局", "emergency"), ("景德镇市住房和城乡建设局", "housing"),
    ("景德镇市交通运输局", "transport"), ("景德镇市公安局", "police"),
    ("景德镇市发展和改革委员会", "development_reform"),
    ("景德镇市人力资源和社会保障局", "human_resources"), ("江西省药品监督管理局", "drugs"),
    ("景德镇市城市管理局", "urban_management"), ("景德镇市消防救援支队", "fire_rescue"),
    ("景德镇市文化广电新闻出版旅游局", "press"),          # the longest match: 新闻出版 over 文化广电 and 旅游
    ("浮梁县教育和体育局", "education"),                  # a tie: the field listed first
    ("景德镇市民政局社会组织管理局", "social_organisations"),
    ("景德镇市珠山区人民法院", "court_enforcement"), ("景德镇市 市场 监督管理局", "market"),
    ("景德镇市机关事务管理局", "other"), ("", "other"), (None, "other"),
])
def test_an_authority_is_matched_to_its_field(authority, code):
    assert load_catalogue().field_of(authority).code == code


def test_the_department_then_the_file_place_what_names_no_authority():
    catalogue = load_catalogue()
    assert catalogue.field_of(None, "国家税务总局景德镇市税务局").code == "tax"
    assert catalogue.field_of(NO_FIELD, "国家税务总局景德镇市税务局").code == "tax"
    assert catalogue.field_of(MARKET, TAX).code == "market"          # the deciding authority first
    assert catalogue.field_of(None, "未注明", "税务局/导出数据.csv").code == "tax"
    assert catalogue.field_of(None, "未注明", "信用办/名单.csv").code == "other"
    assert catalogue.field_of(MARKET, None, "税务局/导出数据.csv").code == "market"


def shipped() -> dict:
    return yaml.safe_load(data_file("report_fields.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("change, message", [
    (lambda c: c["fields"][0].pop("name"), "press 缺少中文名称"),
    (lambda c: c["fields"][0].pop("code"), "第 1 个领域 缺少 code"),
    (lambda c: c["fields"][1].update(code="press"), "领域代码重复：press"),
    (lambda c: c["fields"][1].update(name="新闻出版"), "领域名称重复：新闻出版"),
    (lambda c: c["fields"][2].update(departments=["教育(局"]), "领域 education 的模式“教育(局”无法编译"),
    (lambda c: c["fields"][2].update(departments=[]), "领域 education 缺少 departments"),
    (lambda c: c["fields"][3].update(kinds=["penalty_notes"]), "含未知的信息类别：penalty_notes"),
    (lambda c: c["fields"][3].update(confirmd=False), "领域 science 含未知的键：confirmd"),
    (lambda c: c["fields"][3].update(confirmed="no"), "confirmed 应为 true 或 false"),
    (lambda c: c.update(fields=[]), "fields 应为非空的领域列表"),
    (lambda c: c["other"].update(code="tax"), "领域代码重复：tax"),
    (lambda c: c.update(kinds=[]), "kinds 应为非空的信息类别列表"),
])
def test_the_loader_refuses_a_broken_catalogue_with_a_clear_message(change, message):
    raw = shipped()
    change(raw)
    with pytest.raises(PublishError) as exc:
        parse_catalogue(raw)
    assert exc.value.code == "invalid_report_fields" and message in exc.value.message, exc.value.message


def test_a_corrected_field_is_a_yaml_edit(tmp_path):
    raw = shipped()
    market = next(f for f in raw["fields"] if f["code"] == "market")
    market.update(name="市场监督管理", confirmed=True)
    path = tmp_path / "fields.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    field = load_catalogue(path).by_code()["market"]
    assert (field.name, field.confirmed) == ("市场监督管理", True)


# --- the build's deliveries -------------------------------------------------------------------

def test_the_build_records_which_department_delivered_which_kind(built):
    delivered = rows(built / "public.db", "SELECT * FROM deliveries WHERE kind = 'penalties' ORDER BY file")
    assert [(d["file"], d["department"], d["authority"], d["rows"], d["newest_update"]) for d in delivered] == [
        ("其他单位/处罚.csv", NO_FIELD, NO_FIELD, 1, "2026-06-02 09:00:00"),
        ("市场监管局/行政处罚.csv", MARKET, MARKET, 4, "2026-10-08 17:30:00"),
        # A nil return: recognised as penalties, no row, no department to name.
        ("生态环境局/行政处罚_2026年11月.csv", "未注明", None, 0, None),
        ("税务局/税务行政处罚.csv", TAX, TAX, 1, None),
    ]
    kinds = {r["kind"] for r in rows(built / "public.db", "SELECT kind FROM deliveries")}
    assert kinds == {"penalties", "registered_subjects", "blacklist"}   # repairs and objections are no kind's


# --- report_content ---------------------------------------------------------------------------

def test_a_clean_registered_subject_is_certified_only_where_data_was_delivered(conn):
    result = content(conn, CLEAN)
    assert result["subject"] == {"uscc": CLEAN, "name": NAMES[CLEAN], "type": "有限责任公司（自然人投资或控股）",
                                 "uscc_type": "企业", "registered": True, "registration_status": "存续",
                                 "registrar": MARKET}
    by_code = sections(result)
    assert list(by_code)[-1] == "other" and len(by_code) == 39
    delivered = {"market", "tax", "ecology", "other"}
    for code, section in by_code.items():
        assert section["records"] == []
        if code in delivered:
            assert (section["status"], section["conclusion"]) == ("clean", texts.NO_RECORD), code
        else:
            assert (section["status"], section["conclusion"]) == ("no_data", texts.NO_DATA), code
            assert section["sources"] == [] and section["data_updated"] is None
    assert result["summary"] == {"fields": 39, "found": 0, "clean": 4, "no_data": 35, "records": 0}
    assert result["black_list"]["status"] == "not_listed"
    assert result["black_list"]["conclusion"] == texts.BLACKLIST_NOT_LISTED
    assert result["objections"] == []
    assert texts.PUBLIC_ONLY in result["statements"] and texts.NOT_SHOWN in result["statements"]
    assert "本报告仅依据可向社会公开的信用信息出具" in texts.PUBLIC_ONLY
    assert (result["issue_day"], result["period"]) == ("2026-11-25", {"years": 3, "start": "2023-11-26",
                                                                     "end": "2026-11-25"})


def test_the_newest_delivery_per_field(conn):
    by_code = sections(content(conn, CLEAN))
    market = by_code["market"]
    assert (market["data_updated"], market["data_updated_basis"]) == ("2026-10-08 17:30:00", texts.UPDATED_FROM_ROWS)
    assert market["sources"] == [{"department": MARKET, "rows": 4, "newest_update": "2026-10-08 17:30:00",
                                  "files": ["市场监管局/行政处罚.csv"]}]
    # No timestamp in its rows (tax), or no row at all (the nil return): the build's day.
    for code in ("tax", "ecology"):
        assert (by_code[code]["data_updated"], by_code[code]["data_updated_basis"]) == ("2026-11-25",
                                                                                      texts.UPDATED_FROM_BUILD)
    assert by_code["ecology"]["sources"] == [{"department": "未注明", "rows": 0, "newest_update": None,
                                              "files": ["生态环境局/行政处罚_2026年11月.csv"]}]
    departments = content(conn, CLEAN)["data_sources"]["departments"]
    assert {d["department"] for d in departments} == {MARKET, TAX, NO_FIELD, "未注明", "景德镇市发展和改革委员会"}


def test_penalties_in_and_out_of_the_period(conn):
    three = sections(content(conn, PENALISED))
    assert [r["decision_no"] for r in three["market"]["records"]] == [
        "景市监罚〔2026〕9号", "景市监罚〔2026〕1号", "景市监罚〔2025〕7号"]
    assert three["market"]["status"] == "found" and three["market"]["conclusion"] == texts.FOUND
    revoked = three["market"]["records"][2]
    assert revoked == {"kind": "行政处罚", "decision_no": "景市监罚〔2025〕7号", "decision_date": "2025-06-01",
                       "authority": MARKET, "source_dept": MARKET, "category": "吊销许可证件", "severity": "严重",
                       "decided": "吊销营业执照", "fine_wan": None, "publicity_end": "2028-05-31",
                       "objection_pending": False, "record_key": revoked["record_key"]}
    assert three["market"]["records"][0]["fine_wan"] == "3.5" and three["market"]["records"][1]["fine_wan"] == "5"
    assert [r["decision_no"] for r in three["tax"]["records"]] == ["景税稽罚〔2026〕3号"]
    # One year back from 2026-11-25 starts on 2025-11-26: the 2025 decision is out of it.
    one = content(conn, PENALISED, years=1)
    assert one["period"] == {"years": 1, "start": "2025-11-26", "end": "2026-11-25"}
    assert [r["decision_no"] for r in sections(one)["market"]["records"]] == [
        "景市监罚〔2026〕9号", "景市监罚〔2026〕1号"]


def test_an_authority_matching_no_field_is_listed_under_other(conn):
    other = sections(content(conn, PENALISED))["other"]
    assert other["name"] == "其他" and other["status"] == "found"
    assert [(r["decision_no"], r["authority"]) for r in other["records"]] == [("景机事罚〔2026〕1号", NO_FIELD)]


def test_a_window_ending_after_the_build_is_hidden_on_the_issue_day(conn):
    def market(day):
        return [r["decision_no"] for r in sections(content(conn, PENALISED, issue_day=day))["market"]["records"]]
    assert "景市监罚〔2026〕9号" in market(AS_OF)
    assert "景市监罚〔2026〕9号" not in market(AS_OF + dt.timedelta(days=1))   # the build is a day old: allowed


def test_a_penalty_under_objection_carries_the_notice(conn):
    result = content(conn, DISPUTED)
    [record] = sections(result)["market"]["records"]
    assert record["objection_pending"] is True and record["objection_notice"] == texts.OBJECTION_PENDING
    assert result["objections"] == [{"field": "market", "decision_no": "景市监罚〔2026〕40号",
                                     "notice": texts.OBJECTION_PENDING}]


def test_a_black_listed_subject(conn):
    listed = content(conn, LISTED)["black_list"]
    assert (listed["status"], listed["conclusion"]) == ("listed", texts.BLACKLIST_LISTED)
    assert listed["entries"] == [{"reason": "拒不履行行政处罚决定", "authority": "景德镇市发展和改革委员会",
                                  "listed_date": "2026-01-10", "removal_date": None, "publicity_end": "2029-01-09"}]
    # The status is today's whatever fields and period were chosen.
    assert content(conn, LISTED, fields=["tax"], years=1)["black_list"]["status"] == "listed"
    # Its fields are not regraded by it (DOMAIN.md): they are certified on their own data.
    assert sections(content(conn, LISTED))["market"]["status"] == "clean"


def test_the_subject_may_narrow_fields_and_years(conn):
    result = content(conn, PENALISED, fields=["tax", "market", "tax"], years=2)
    assert [s["code"] for s in result["fields"]] == ["market", "tax"]          # the catalogue's order
    assert result["selection"] == {"all_fields": False, "fields": ["market", "tax"], "years": 2}
    assert result["summary"]["fields"] == 2 and result["period"]["start"] == "2024-11-26"
    assert [s["code"] for s in content(conn, PENALISED, fields=["other"])["fields"]] == ["other"]
    assert content(conn, PENALISED, years=5)["period"]["start"] == "2021-11-26"


@pytest.mark.parametrize("options, code", [
    ({"years": 6}, "period_too_long"), ({"years": 0}, "invalid_period"), ({"years": True}, "invalid_period"),
    ({"years": 2.5}, "invalid_period"), ({"fields": ["market", "nope"]}, "unknown_field"),
    ({"fields": []}, "no_fields"),
])
def test_bad_options_are_refused(conn, options, code):
    assert error(lambda: content(conn, PENALISED, **options)) == code


def test_subjects_that_have_no_report(conn):
    assert error(lambda: content(conn, bad_uscc(101))) == "invalid_uscc"
    assert error(lambda: content(conn, "hello")) == "invalid_uscc"
    assert error(lambda: content(conn, uscc(555))) == "unknown_subject"
    # A natural person: by ID number, or a sole trader registered under the operator's name.
    assert error(lambda: content(conn, id_number())) == "natural_person"
    assert error(lambda: content(conn, PERSON_TRADER)) == "natural_person"
    with pytest.raises(ReportError) as exc:
        content(conn, id_number())
    assert id_number() not in str(exc.value)


def test_a_registered_business_is_found_by_its_code_written_loosely(conn):
    assert content(conn, f" {TRADER[:6]}-{TRADER[6:].lower()} ")["subject"]["name"] == NAMES[TRADER]


def test_a_stale_build_never_certifies(conn):
    assert content(conn, CLEAN, issue_day=AS_OF + dt.timedelta(days=1))["issue_day"] == "2026-11-26"
    assert error(lambda: content(conn, CLEAN, issue_day=AS_OF + dt.timedelta(days=2))) == "build_stale"
    # No back-dating: the report is always as of its issue day, never before its build.
    assert error(lambda: content(conn, CLEAN, issue_day=AS_OF - dt.timedelta(days=1))) == "issue_day_before_build"


def _walk(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def test_the_content_is_plain_json_without_floats_and_deterministic(conn, built):
    for code in (CLEAN, PENALISED, LISTED, DISPUTED):
        result = content(conn, code)
        assert not any(isinstance(v, float) for v in _walk(result))
        assert all(isinstance(v, (dict, list, str, int, bool, type(None))) for v in _walk(result))
        text = json.dumps(result, sort_keys=True, ensure_ascii=False)
        again = sqlite3.connect(built / "public.db")
        assert json.dumps(content(again, code), sort_keys=True, ensure_ascii=False) == text
        again.close()


def test_the_same_input_built_twice_gives_the_same_content_but_the_build_id(tmp_path, conn):
    write_inputs(tmp_path / "raw")
    build(tmp_path / "raw", tmp_path / "out", AS_OF, progress=False)
    other = sqlite3.connect(tmp_path / "out" / "public.db")
    try:
        first, second = content(conn, PENALISED), content(other, PENALISED)
    finally:
        other.close()
    assert first["data_sources"]["build"]["build_id"] != second["data_sources"]["build"]["build_id"]
    for result in (first, second):
        result["data_sources"]["build"].pop("build_id")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def planted(built, tmp_path, sql: str, params=()):
    """A copy of the build's public.db, altered by hand."""
    path = tmp_path / "public.db"
    shutil.copy(built / "public.db", path)
    db = sqlite3.connect(path)
    db.execute(sql, params)
    db.commit()
    return db


@pytest.mark.parametrize("planted_text", [f"当事人身份证号{id_number()}", "联系电话13812345678", "当事人张小明"])
def test_nothing_in_a_report_escapes_redaction(built, tmp_path, planted_text):
    db = planted(built, tmp_path, "UPDATE penalties_records SET content = ? WHERE decision_no = ?",
                 (f"罚款人民币5万元，{planted_text}", "景市监罚〔2026〕1号"))
    try:
        with pytest.raises(ReportError) as exc:
            report_content(db, PENALISED, issue_day=AS_OF)
        assert exc.value.code == "content_not_clean"
        assert "13812345678" not in exc.value.message and id_number() not in exc.value.message
        report_content(db, CLEAN, issue_day=AS_OF)   # another subject's report is not affected
    finally:
        db.close()


def test_no_black_list_delivered_is_no_certificate_either(built, tmp_path):
    db = planted(built, tmp_path, "DELETE FROM deliveries WHERE kind = 'blacklist'")
    try:
        assert report_content(db, CLEAN, issue_day=AS_OF)["black_list"]["conclusion"] == texts.NO_DATA
    finally:
        db.close()


def test_a_build_without_deliveries_certifies_no_field(built, tmp_path):
    db = planted(built, tmp_path, "DROP TABLE deliveries")
    try:
        result = report_content(db, PENALISED, issue_day=AS_OF)
        assert {s["status"] for s in result["fields"]} == {"found", "no_data"}
    finally:
        db.close()


def test_a_stale_or_undated_build_info_refuses(built, tmp_path):
    db = planted(built, tmp_path, "DELETE FROM build_info WHERE key = 'as_of'")
    try:
        assert error(lambda: report_content(db, CLEAN, issue_day=AS_OF)) == "build_stale"
    finally:
        db.close()


# --- the sample: every entity's report passes the after-check ----------------------------------

def test_every_entity_of_the_sample_has_a_clean_report(tmp_path):
    from publish.sample import generate_sample
    generate_sample(tmp_path / "raw", AS_OF, 200, 7)
    build(tmp_path / "raw", tmp_path / "out", AS_OF, progress=False)
    db = sqlite3.connect(tmp_path / "out" / "public.db")
    try:
        entities = [r[0] for r in db.execute("SELECT uscc FROM entities ORDER BY uscc")]
        found = 0
        for code in entities:
            result = report_content(db, code, issue_day=AS_OF)
            for section in result["fields"]:
                assert section["conclusion"] == texts.CONCLUSIONS[section["status"]]
                assert (section["status"] == "no_data") == (section["sources"] == [] and not section["records"])
            found += result["summary"]["records"]
        assert entities and found
        # The departments the sample's penalties come from are certified; 新闻出版 never is.
        by_code = sections(report_content(db, entities[0], issue_day=AS_OF))
        assert {c for c in ("market", "tax", "ecology", "emergency", "housing", "transport", "police")
                if by_code[c]["status"] == "no_data"} == set()
        assert by_code["press"]["status"] == "no_data"
    finally:
        db.close()

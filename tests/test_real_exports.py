"""What departments' real exports carry (DOMAIN.md "What departments' real exports look like"):
the 2016 layout's codes and the scope columns, each code and value with its case."""
import pytest

from publish.build import build
from tests.conftest import AS_OF, rows
from tests.factories import uscc, write_csv

OLD_PENALTY = ["行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据", "行政相对人名称",
               "行政相对人代码_1(统一社会信用代码)", "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关",
               "当前状态", "信息使用范围", "地方编码", "数据更新时间戳"]
OLD_LICENCE = ["行政许可决定书文号", "项目名称", "审批类别", "许可内容", "行政相对人名称",
               "行政相对人代码_1(统一社会信用代码)", "法定代表人姓名", "许可决定日期", "许可截止期", "许可机关",
               "当前状态", "信息使用范围", "地方编码", "数据更新时间戳"]


LICENCE_HEADER = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人",
                  "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
                  "许可决定日期", "有效期自", "有效期至", "许可机关", "当前状态", "数据来源单位"]


def licence(**overrides) -> dict:
    row = {"行政相对人名称": "景德镇市昌南陶瓷有限公司", "行政相对人类别": "法人及非法人组织",
           "行政相对人代码_1(统一社会信用代码)": uscc(1), "法定代表人": "王小明",
           "行政许可决定文书名称": "食品经营许可决定书", "行政许可决定文书号": "景市监许〔2026〕9号",
           "许可类别": "普通",
           "许可证书名称": "食品经营许可证", "许可编号": "JY13602000012345", "许可内容": "预包装食品销售",
           "许可决定日期": "2026-03-01", "有效期自": "2026-03-01", "有效期至": "2031-02-28",
           "许可机关": "景德镇市市场监督管理局", "当前状态": "1", "数据来源单位": "景德镇市市场监督管理局"}
    row.update(overrides)
    return row


def old_penalty(**overrides) -> dict:
    row = {"行政处罚决定书文号": "景市监罚〔2026〕21号", "处罚名称": "销售不合格产品", "处罚类别1": "1",
           "处罚类别2": "", "处罚事由": "销售不合格的日用陶瓷", "处罚依据": "《产品质量法》第四十九条",
           "行政相对人名称": "景德镇市昌南陶瓷有限公司", "行政相对人代码_1(统一社会信用代码)": uscc(1),
           "法定代表人姓名": "王小明", "处罚结果": "罚款人民币5万元", "处罚决定日期": "2026-06-01",
           "处罚机关": "景德镇市市场监督管理局", "当前状态": "0", "信息使用范围": "", "地方编码": "360200",
           "数据更新时间戳": "2026-06-02 09:00:00"}
    row.update(overrides)
    return row


def old_licence(**overrides) -> dict:
    row = {"行政许可决定书文号": "景市监许〔2026〕8号", "项目名称": "食品经营许可", "审批类别": "普通",
           "许可内容": "预包装食品销售", "行政相对人名称": "景德镇市昌南陶瓷有限公司",
           "行政相对人代码_1(统一社会信用代码)": uscc(1), "法定代表人姓名": "王小明", "许可决定日期": "2026-03-01",
           "许可截止期": "2031-02-28", "许可机关": "景德镇市市场监督管理局", "当前状态": "0", "信息使用范围": "",
           "地方编码": "360200", "数据更新时间戳": "2026-03-02 09:00:00"}
    row.update(overrides)
    return row


def built(tmp_path, name, data, header):
    raw = tmp_path / "raw"
    write_csv(raw / name, data, header)
    report = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert report["balanced"]
    return tmp_path / "out", report


def where(out, table):
    found = {}
    for tier in ("public", "authorized"):
        try:
            found[tier] = rows(out / f"{tier}.db", f"SELECT * FROM [{table}_records]")
        except Exception:  # the tier has no such table: nothing of the kind there
            found[tier] = []
    return found


@pytest.mark.parametrize("status, tier, objection", [
    ("0", "public", None), ("", "public", None), ("正常", "public", None),
    ("1", None, None), ("撤销", None, None),
    ("2", "public", "处理中"), ("异议", "public", "处理中"),
    ("3", "public", None), ("其他", "public", None),
])
def test_2016_penalty_status_codes(tmp_path, status, tier, objection):
    out, report = built(tmp_path, "p.csv", [old_penalty(当前状态=status)], OLD_PENALTY)
    found = where(out, "penalties")
    assert [len(found["public"]), len(found["authorized"])] == [int(tier == "public"), 0]
    if tier is None:
        assert report["datasets"]["penalty_2016"]["withheld"] == {"revoked": 1}
    else:
        assert found["public"][0]["objection_status"] == objection


@pytest.mark.parametrize("status, shown", [
    ("0", "有效"), ("", "有效"), ("有效", "有效"), ("无效", "无效"),
    ("1", None), ("撤销", None),
    ("2", "有效"), ("3", "其他（见备注）"),
])
def test_2016_licence_status_codes(tmp_path, status, shown):
    out, report = built(tmp_path, "l.csv", [old_licence(当前状态=status)], OLD_LICENCE)
    public = rows(out / "public.db", "SELECT display_status, objection_status FROM licences")
    if shown is None:
        assert public == [] and report["datasets"]["licence_2016"]["withheld"] == {"revoked": 1}
    else:
        assert public == [{"display_status": shown, "objection_status": "处理中" if status == "2" else None}]


@pytest.mark.parametrize("code, words, severity", [
    ("0", "警告", "轻微"), ("1", "罚款", "一般"), ("2", "没收违法所得、没收非法财物", "一般"),
    ("3", "责令停产停业", "严重"), ("5", "行政拘留", "一般"), ("6", "其他", "一般"),
])
def test_2016_category_codes_are_shown_as_words_and_graded(tmp_path, code, words, severity):
    result = "警告" if code == "0" else "责令改正" if code in ("3", "5", "6") else "罚款人民币5万元"
    out, report = built(tmp_path, "p.csv", [old_penalty(处罚类别1=code, 处罚结果=result)], OLD_PENALTY)
    published = rows(out / "public.db", "SELECT category, severity FROM penalties_records")
    if severity == "轻微":  # not published at all (NDRC order No. 36, the safer reading)
        assert published == [] and report["datasets"]["penalty_2016"]["withheld"] == {"minor_not_published": 1}
        return
    assert published == [{"category": words, "severity": severity}]


@pytest.mark.parametrize("result, severity", [
    ("吊销食品经营许可证", "严重"), ("暂扣食品经营许可证三个月", "一般"), ("责令改正", "一般"),
])
def test_category_code_4_is_serious_only_when_the_decision_says_revoked(tmp_path, result, severity):
    out, report = built(tmp_path, "p.csv", [old_penalty(处罚类别1="4", 处罚结果=result)], OLD_PENALTY)
    [row] = rows(out / "public.db", "SELECT category, severity FROM penalties_records")
    assert row["category"] == "暂扣或者吊销许可证、暂扣或者吊销执照" and row["severity"] == severity
    assert report["findings"]["ambiguous_category"]["count"] == 1


def test_category_words_arrive_instead_of_codes(tmp_path):
    out, _ = built(tmp_path, "p.csv", [old_penalty(处罚类别1="罚款", 处罚类别2="没收违法所得")], OLD_PENALTY)
    [row] = rows(out / "public.db", "SELECT category, category_2 FROM penalties_records")
    assert row == {"category": "罚款", "category_2": "没收违法所得"}


SCOPES = [("0", "public"), ("公示", "public"), ("", "public"),
          ("2", "authorized"), ("仅可授权查询", "authorized"),
          ("1", None), ("仅政府部门内部共享", None)]


@pytest.mark.parametrize("scope, tier", SCOPES)
def test_the_scope_column_narrows_a_2016_penalty(tmp_path, scope, tier):
    out, report = built(tmp_path, "p.csv", [old_penalty(信息使用范围=scope)], OLD_PENALTY)
    found = where(out, "penalties")
    assert {t: len(r) for t, r in found.items()} == {"public": int(tier == "public"),
                                                     "authorized": int(tier == "authorized")}
    block = report["datasets"]["penalty_2016"]
    if tier is None:
        assert block["withheld"] == {"government_only": 1}
    else:
        assert block["published"][tier] == 1


@pytest.mark.parametrize("scope, tier", SCOPES)
def test_the_scope_column_narrows_a_current_licence(tmp_path, scope, tier):
    out, _ = built(tmp_path, "l.csv", [licence(信息使用范围=scope)], LICENCE_HEADER + ["信息使用范围"])
    found = where(out, "licences")
    assert {t: len(r) for t, r in found.items()} == {"public": int(tier == "public"),
                                                     "authorized": int(tier == "authorized")}


@pytest.mark.parametrize("kind, tier", [("可向社会公开", "public"), ("特定范围内公开", "authorized"),
                                        ("不可公开", None)])
def test_a_commitments_open_type_narrows_it(tmp_path, kind, tier):
    header = ["行政相对人名称", "统一社会信用代码", "承诺类型", "承诺事项", "承诺日期", "承诺受理单位", "公开类型"]
    row = {"行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": uscc(1), "承诺类型": "审批替代型",
           "承诺事项": "食品经营许可告知承诺", "承诺日期": "2026-05-01", "承诺受理单位": "景德镇市市场监督管理局",
           "公开类型": kind}
    out, _ = built(tmp_path, "c.csv", [row], header)
    counts = {}
    for t in ("public", "authorized"):
        try:
            counts[t] = len(rows(out / f"{t}.db", "SELECT * FROM commitments"))
        except Exception:  # no such table in that tier
            counts[t] = 0
    assert counts == {"public": int(tier == "public"), "authorized": int(tier == "authorized")}


def test_a_scope_never_widens_an_authorized_kind(tmp_path):
    header = ["纳税人名称", "纳税人识别号", "评价年度", "信用等级", "信息使用范围"]
    out, _ = built(tmp_path, "t.csv", [{"纳税人名称": "甲公司", "纳税人识别号": uscc(1), "评价年度": "2025",
                                        "信用等级": "A", "信息使用范围": "0"}], header)
    assert len(rows(out / "authorized.db", "SELECT * FROM tax_grades")) == 1
    assert "tax_grades" not in {r["name"] for r in rows(out / "public.db", "SELECT name FROM sqlite_master")}


CURRENT_PENALTY_CODES = {"CF_XDR_MC": "行政相对人名称", "CF_XDR_LB": "行政相对人类别",
                         "CF_XDR_SHXYM": "统一社会信用代码",
                         "CF_FRDB": "法定代表人", "CF_FR_ZJHM": "法定代表人证件号码", "CF_WSH": "行政处罚决定书文号",
                         "CF_SY": "违法事实", "CF_YJ": "处罚依据", "CF_CFLB": "处罚类别", "CF_NR": "处罚内容",
                         "CF_NR_FK": "罚款金额（万元）", "CF_JDRQ": "处罚决定日期", "CF_CFJG": "处罚机关",
                         "CF_SJLY": "数据来源单位"}
LICENCE_CODES = {"XK_XDR_MC": "行政相对人名称", "XK_XDR_LB": "行政相对人类别", "XK_XDR_SHXYM": "统一社会信用代码",
                 "XK_FRDB": "法定代表人", "XK_XKWS": "行政许可决定文书名称", "XK_WSH": "行政许可决定文书号",
                 "XK_XKLB": "许可类别", "XK_XKZS": "许可证书名称", "XK_XKBH": "许可编号", "XK_NR": "许可内容",
                 "XK_JDRQ": "许可决定日期", "XK_YXQZ": "有效期自", "XK_YXQZI": "有效期至", "XK_XKJG": "许可机关",
                 "XK_ZT": "当前状态", "XK_LYDW": "数据来源单位"}
OLD_PENALTY_CODES = {"CF_WSH": "行政处罚决定书文号", "CF_CFLB1": "处罚类别1", "CF_SY": "处罚事由", "CF_YJ": "处罚依据",
                     "CF_XDR_MC": "行政相对人名称", "CF_XDR_SHXYM": "行政相对人代码_1(统一社会信用代码)",
                     "CF_FR": "法定代表人姓名", "CF_JG": "处罚结果", "CF_JDRQ": "处罚决定日期", "CF_XZJG": "处罚机关",
                     "CF_ZT": "当前状态", "SJC": "数据更新时间戳"}


def _coded(codes: dict, row: dict, upper: bool) -> tuple[list, dict]:
    header = [c if upper else c.lower() for c in codes]
    return header, {h: row[codes[c]] for h, c in zip(header, codes, strict=True)}


@pytest.mark.parametrize("upper", [True, False], ids=["upper", "lower"])
def test_current_penalty_field_codes(tmp_path, upper):
    from tests.factories import penalty
    source = {**penalty(), "统一社会信用代码": uscc(1)}
    header, row = _coded(CURRENT_PENALTY_CODES, source, upper)
    out, report = built(tmp_path, "cf.csv", [row], header)
    assert report["datasets"]["penalty"]["published"]["public"] == 1
    [record] = rows(out / "public.db", "SELECT subject_name, uscc, decision_no, legal_rep, fine_wan FROM penalties")
    assert record == {"subject_name": "景德镇市昌南陶瓷有限公司", "uscc": uscc(1), "decision_no": "景市监罚〔2026〕1号",
                      "legal_rep": "王*", "fine_wan": 5.0}


@pytest.mark.parametrize("upper", [True, False], ids=["upper", "lower"])
def test_licence_field_codes_tell_valid_from_and_valid_to_apart(tmp_path, upper):
    source = {**licence(), "统一社会信用代码": uscc(1)}
    header, row = _coded(LICENCE_CODES, source, upper)
    out, _ = built(tmp_path, "xk.csv", [row], header)
    [record] = rows(out / "public.db", "SELECT valid_from, valid_to, licence_no, display_status FROM licences")
    assert record == {"valid_from": "2026-03-01", "valid_to": "2031-02-28", "licence_no": "JY13602000012345",
                      "display_status": "有效"}


@pytest.mark.parametrize("upper", [True, False], ids=["upper", "lower"])
def test_2016_penalty_field_codes(tmp_path, upper):
    header, row = _coded(OLD_PENALTY_CODES, old_penalty(当前状态="2"), upper)
    out, report = built(tmp_path, "cf2016.csv", [row], header)
    assert report["datasets"]["penalty_2016"]["published"]["public"] == 1
    [record] = rows(out / "public.db", "SELECT content, authority, objection_status FROM penalties")
    assert record == {"content": "罚款人民币5万元", "authority": "景德镇市市场监督管理局", "objection_status": "处理中"}


# --- Layout recognition ---------------------------------------------------------------------

def test_a_canonical_header_beats_an_alias_whatever_the_column_order(tmp_path):
    from tests.factories import PENALTY_HEADER, penalty
    header = ["企业名称", *PENALTY_HEADER]
    row = {"企业名称": "景德镇市旧名称有限公司", **penalty()}
    out, report = built(tmp_path, "p.csv", [row], header)
    [record] = rows(out / "public.db", "SELECT subject_name FROM penalties")
    assert record["subject_name"] == "景德镇市昌南陶瓷有限公司"
    assert report["findings"]["shadowed_column_differs"]["count"] == 1


def test_a_bare_numbered_code_column_is_read_by_the_layout_its_other_headers_fix(tmp_path):
    header = [h.replace("行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1") for h in OLD_LICENCE]
    header.append("行政相对人代码_5")
    row = {**{h.replace("行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1"): v for h, v in old_licence().items()},
           "行政相对人代码_5": "360203198001011234"}
    out, report = built(tmp_path, "l.csv", [row], header)
    assert report["datasets"]["licence_2016"]["published"]["public"] == 1
    [record] = rows(out / "public.db", "SELECT * FROM licences")
    assert record["uscc"] == uscc(1)
    assert "360203198001011234" not in str(record)


# --- New layouts ------------------------------------------------------------------------------

MARKET_BLACKLIST = ["企业名称", "统一社会信用代码", "营业执照注册号", "列入严重违法失信企业名单原因", "列入日期",
                    "作出决定机关(列入)", "移出严重违法失信企业名单原因", "移出日期", "作出决定机关(移出)"]


def test_the_market_regulators_black_list_layout(tmp_path):
    row = {"企业名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": uscc(1), "营业执照注册号": "360200000012345",
           "列入严重违法失信企业名单原因": "被列入经营异常名录届满3年仍未履行相关义务", "列入日期": "2025-09-01",
           "作出决定机关(列入)": "景德镇市市场监督管理局", "移出严重违法失信企业名单原因": "", "移出日期": "",
           "作出决定机关(移出)": ""}
    out, report = built(tmp_path, "b.csv", [row], MARKET_BLACKLIST)
    assert report["datasets"]["blacklist_market"]["published"]["public"] == 1
    [record] = rows(out / "public.db", "SELECT subject_name, authority, publicity_end FROM blacklist")
    assert record == {"subject_name": "景德镇市昌南陶瓷有限公司", "authority": "景德镇市市场监督管理局",
                      "publicity_end": "2028-08-31"}


REGISTRY = ["主体名称", "统一社会信用代码", "主体类型", "法定代表人", "成立日期", "登记机关", "登记状态", "住所"]


def registered(n: int, name: str, status: str = "存续", **overrides) -> dict:
    row = {"主体名称": name, "统一社会信用代码": uscc(100 + n), "主体类型": "有限责任公司（自然人投资或控股）",
           "法定代表人": "陈大文", "成立日期": "2015-04-01", "登记机关": "景德镇市市场监督管理局", "登记状态": status,
           "住所": "江西省景德镇市珠山区新厂路12号"}
    row.update(overrides)
    return row


@pytest.fixture(scope="module")
def registry_build(tmp_path_factory):
    from tests.factories import PENALTY_HEADER, penalty
    tmp = tmp_path_factory.mktemp("registry")
    raw = tmp / "raw"
    write_csv(raw / "registry.csv", [
        registered(1, "景德镇市清白瓷业有限公司"),
        registered(2, "景德镇市已注销贸易有限公司", "注销"),
        registered(3, "景德镇市昌南陶瓷有限公司"),
        # A 个体工商户 registered under nothing but its operator's name: a natural person.
        registered(4, "李小芳", "存续", 统一社会信用代码=uscc(104, prefix="92"), 主体类型="个体工商户",
                   法定代表人="李小芳", 住所="江西省景德镇市珠山区新厂路88号"),
    ], REGISTRY)
    write_csv(raw / "p.csv", [penalty(**{"行政相对人代码_1(统一社会信用代码)": uscc(103)})], PENALTY_HEADER)
    build(raw, tmp / "out", AS_OF, progress=False)
    return tmp / "out"


@pytest.fixture
def site(registry_build):
    from publish.clock import Clock
    from publish.serve import make_datasette
    return make_datasette(registry_build, Clock.on(AS_OF))


async def test_a_registered_subject_without_records_is_found_and_has_a_profile(site):
    found = (await site.client.get("/search.json?q=清白")).json()
    assert [r["uscc"] for r in found["results"]] == [uscc(101)]
    by_code = (await site.client.get(f"/search.json?q={uscc(101)}")).json()
    assert [r["uscc"] for r in by_code["results"]] == [uscc(101)]
    response = await site.client.get(f"/entity/{uscc(101)}.json")
    assert response.status_code == 200
    profile = response.json()
    assert profile["nothing_on_record"] is True and profile["registration"]["registration_status"] == "存续"
    page = await site.client.get(f"/entity/{uscc(101)}")
    assert "未收录该主体在公示期内的行政处罚" in page.text and "存续" in page.text


async def test_a_deregistered_subject_is_shown_as_such(site):
    page = await site.client.get(f"/entity/{uscc(102)}")
    assert page.status_code == 200 and "注销" in page.text


async def test_the_registered_name_wins_and_records_are_still_shown(site):
    profile = (await site.client.get(f"/entity/{uscc(103)}.json")).json()
    assert profile["nothing_on_record"] is False
    assert profile["records"]["penalties"]["total"] == 1


async def test_an_unregistered_valid_code_with_no_records_is_404(site):
    assert (await site.client.get(f"/entity/{uscc(555)}.json")).status_code == 404


async def test_a_sole_trader_under_a_persons_name_is_not_an_entity(site, registry_build):
    code = uscc(104, prefix="92")
    assert (await site.client.get(f"/entity/{code}.json")).status_code == 404
    assert (await site.client.get("/search.json?q=李小芳")).json()["results"] == []
    [row] = rows(registry_build / "public.db", "SELECT * FROM registered_subjects WHERE uscc = ?", (code,))
    assert row["subject_is_person"] == 1 and row["address"] is None
    assert "李小芳" not in str(row) and row["legal_rep"] == "李*"


# --- Placeholders, optional fields, what the report says per file ----------------------------

def test_placeholders_are_read_as_empty_and_counted_per_department(tmp_path):
    from tests.factories import PENALTY_HEADER, penalty
    header = [*PENALTY_HEADER, "ID", "RESOURCE_ID", "某平台列"]
    data = [{**penalty(公示截止期="1900-1-1", 违法行为类型="/", **{"罚款金额（万元）": "五万"}),
             "ID": "1", "RESOURCE_ID": "r-1", "某平台列": "x"},
            {**penalty(行政处罚决定书文号="景市监罚〔2026〕2号", 公示截止期="2099-12-31", 备注="暂无"),
             "ID": "2", "RESOURCE_ID": "r-2", "某平台列": "y"}]
    out, report = built(tmp_path, "p.csv", data, header)
    published = rows(out / "public.db", "SELECT decision_no, publicity_end, violation_type, remarks FROM penalties")
    assert [r["publicity_end"] for r in published] == ["2027-05-31", "2027-05-31"]   # live: not ended in 1900
    assert all(r["violation_type"] in (None, "产品质量") and r["remarks"] is None for r in published)
    [source] = [s for s in report["sources"] if s["file"] == "p.csv"]
    assert source["layout"] == "penalty"
    assert source["ignored_columns"] == ["ID", "RESOURCE_ID"] and source["unknown_columns"] == ["某平台列"]
    assert source["placeholders_read_as_empty"] == {
        "景德镇市市场监督管理局": {"publicity_until": 2, "violation_type": 1, "remarks": 1}}
    dropped = report["findings"]["optional_field_dropped"]
    assert dropped["count"] == 1 and dropped["items"][0]["department"] == "景德镇市市场监督管理局"
    assert dropped["items"][0]["field"] == "fine_wan"



def test_optional_fields_dropped_are_counted_in_full_per_department_and_field(tmp_path, monkeypatch):
    # The suite's AS_OF. Two departments in one file and one in another; fewer rows listed than
    # dropped (the items are a sample), every one counted per department and field.
    import publish.process
    from tests.factories import PENALTY_HEADER, penalty
    monkeypatch.setattr(publish.process, "FINDINGS_LISTED", 2)
    market, tax = "景德镇市市场监督管理局", "国家税务总局景德镇市税务局"
    unreadable = {"罚款金额（万元）": "五万"}
    first = [penalty(行政处罚决定书文号=f"景市监罚〔2026〕{n}号", 数据来源单位=market, **unreadable) for n in range(3)]
    first.append(penalty(行政处罚决定书文号="景税罚〔2026〕1号", 数据来源单位=tax, **unreadable))
    second = [penalty(行政处罚决定书文号="景市监罚〔2026〕9号", 数据来源单位=market, **{"罚款金额（万元）": "若干"})]
    raw = tmp_path / "raw"
    write_csv(raw / "a.csv", first, PENALTY_HEADER)
    write_csv(raw / "b.csv", second, PENALTY_HEADER)
    report = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert report["balanced"]
    [a] = [s for s in report["sources"] if s["file"] == "a.csv"]
    in_a = a["findings"]["optional_field_dropped"]
    assert in_a["count"] == 4 and len(in_a["items"]) == 2
    assert in_a["by_department"] == {market: {"fine_wan": 3}, tax: {"fine_wan": 1}}
    merged = report["findings"]["optional_field_dropped"]
    assert merged["count"] == 5
    assert merged["by_department"] == {market: {"fine_wan": 4}, tax: {"fine_wan": 1}}

NATIONAL_COMMITMENT = ["承诺编码", "承诺人名称", "承诺人类别", "承诺人代码", "承诺类型", "承诺事由", "承诺内容",
                       "违诺责任", "承诺作出日期", "承诺有效期", "承诺履行状态", "承诺受理单位", "承诺受理单位代码",
                       "公开类型", "备注"]


def national(**overrides) -> dict:
    row = {"承诺编码": "CN3602002026000123", "承诺人名称": "景德镇市昌南陶瓷有限公司", "承诺人类别": "法人及非法人组织",
           "承诺人代码": uscc(1), "承诺类型": "审批替代型", "承诺事由": "申请食品经营许可", "承诺内容": "按时提交材料",
           "违诺责任": "撤销许可", "承诺作出日期": "2026-05-01", "承诺有效期": "长期", "承诺履行状态": "全部履行",
           "承诺受理单位": "景德镇市市场监督管理局", "承诺受理单位代码": "", "公开类型": "可向社会公开", "备注": ""}
    row.update(overrides)
    return row


def test_the_national_commitment_template(tmp_path):
    from redaction.scan import scan_database
    from tests.factories import id_number
    person_id = id_number("19850312", 45)
    data = [national(),
            national(承诺编码="CN3602002026000124", 承诺人名称="王小明", 承诺人类别="自然人", 承诺人代码=person_id,
                     承诺内容="王小明承诺按时提交材料")]
    out, report = built(tmp_path, "c.csv", data, NATIONAL_COMMITMENT)
    assert report["datasets"]["commitment_national"]["published"]["public"] == 2
    published = rows(out / "public.db", "SELECT * FROM commitments ORDER BY id")
    assert published[0]["uscc"] == uscc(1) and published[0]["subject_is_person"] == 0
    person = published[1]
    assert person["subject_is_person"] == 1 and person["uscc"] is None and person["subject_name"] == "王*"
    for tier in ("public", "authorized"):
        for table in [r["name"] for r in rows(out / f"{tier}.db", "SELECT name FROM sqlite_master WHERE type='table'")]:
            text = str(rows(out / f"{tier}.db", f"SELECT * FROM [{table}]"))
            assert person_id not in text and "王小明" not in text, (tier, table)
        assert scan_database(out / f"{tier}.db") == []


def _id_that_is_also_a_uscc() -> str:
    from redaction.checkdigits import is_valid_uscc
    from tests.factories import id_number
    return next(n for n in (id_number("19551210", s) for s in range(1000)) if is_valid_uscc(n))


@pytest.mark.parametrize("subject_class", ["自然人", ""])
def test_a_natural_persons_id_that_also_passes_the_uscc_check_is_never_published(tmp_path, subject_class):
    from redaction.scan import scan_database
    person_id = _id_that_is_also_a_uscc()
    row = national(承诺人名称="王小明", 承诺人类别=subject_class, 承诺人代码=person_id)
    out, _ = built(tmp_path, "c.csv", [row], NATIONAL_COMMITMENT)
    [published] = rows(out / "public.db", "SELECT * FROM commitments")
    assert published["uscc"] is None and published["subject_is_person"] == 1
    assert person_id not in str(published) and "王小明" not in str(published)
    assert scan_database(out / "public.db") == []


def test_a_2016_row_repeating_its_all_digit_uscc_in_the_tax_number_is_published_and_scans_clean(tmp_path):
    # The day is the suite's AS_OF. An all-digit USCC that also passes the ID check, repeated in
    # 税务登记号 (as 2016 exports do): the copy is dropped, the record published, the build kept.
    from redaction.scan import scan_database
    code = _id_that_is_also_a_uscc()
    row = old_penalty(**{"行政相对人代码_1(统一社会信用代码)": code, "税务登记号": code})
    out, report = built(tmp_path, "p.csv", [row], [*OLD_PENALTY, "税务登记号"])
    assert report["datasets"]["penalty_2016"]["published"]["public"] == 1
    [published] = where(out, "penalties")["public"]
    assert published["tax_no"] is None and code in published.values()
    assert scan_database(out / "public.db") == [] and scan_database(out / "authorized.db") == []

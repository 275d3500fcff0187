"""Dataset recognition from header rows: spelling variants, aliases, both layouts."""
import pytest

from publish.definitions import load_definitions, normalise_header, recognise

DATASETS = load_definitions()


@pytest.mark.parametrize("header, expected", [
    ("行政相对人代码_1(统一社会信用代码)", "统一社会信用代码"),
    ("行政相对人代码-1（统一社会信用代码）", "统一社会信用代码"),
    (" 行政相对人代码_1 ( 统一社会信用代码 ) ", "统一社会信用代码"),
    ("行政相对人代码_5(居民身份证号)", "居民身份证号"),
    ("行政相对人代码_2(组织机构代码)", "组织机构代码"),
    ("罚款金额（万元）", "罚款金额(万元)"),
    ("统一社会信用代码", "统一社会信用代码"),
])
def test_headers_normalise_to_their_bracketed_name(header, expected):
    assert normalise_header(header) == expected


CURRENT = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
           "行政处罚决定书文号", "违法事实", "处罚内容", "处罚决定日期", "处罚机关"]
OLD = ["行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据",
       "行政相对人名称", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(组织机构代码)",
       "行政相对人代码_3(工商登记码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(居民身份证号)",
       "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关", "当前状态", "地方编码", "数据更新时间戳"]


@pytest.mark.parametrize("header, dataset", [
    (CURRENT, "penalty"),
    ([h.replace("_1(", "-1（").replace(")", "）") for h in CURRENT], "penalty"),
    (["主体名称", "统一社会信用代码", "行政处罚决定书文号", "违法事实", "处罚决定日期", "处罚机关"], "penalty"),
    (OLD, "penalty_2016"),
    (["行政相对人名称", "统一社会信用代码", "行政许可决定文书号", "许可决定日期", "许可机关"], "licence"),
    (["行政许可决定书文号", "项目名称", "审批类别", "许可内容", "行政相对人名称", "许可决定日期", "许可机关"],
     "licence_2016"),
    (["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "修复日期", "修复机关"], "repair"),
    (["企业名称", "统一社会信用代码", "行政处罚决定书文号", "异议提出日期", "异议状态"], "objection"),
    (["行政相对人名称", "统一社会信用代码", "列入事由", "认定机关", "列入日期", "移出日期"], "blacklist"),
    (["行政相对人名称", "统一社会信用代码", "荣誉名称", "授予机关", "授予日期", "有效期至"], "redlist"),
    (["行政相对人名称", "统一社会信用代码", "承诺类型", "承诺日期", "承诺受理单位"], "commitment"),
    (["行政相对人名称", "统一社会信用代码", "评价结果", "评价日期"], "evaluation"),
    (["纳税人名称", "纳税人识别号", "评价年度", "信用等级"], "tax_grade"),
    (["行政相对人名称", "统一社会信用代码", "欠缴类型", "欠缴金额（元）", "统计日期"], "arrears"),
    (["行政处罚决定书文号", "被处罚当事人", "主要违法违规事实（案由）", "行政处罚依据", "行政处罚决定",
      "作出处罚决定的机关名称", "作出处罚决定的日期"], "penalty_bank_regulator"),
])
def test_each_dataset_is_recognised_from_its_header(header, dataset):
    assert recognise(header, DATASETS).name == dataset


@pytest.mark.parametrize("header", [
    ["序号", "说明"], ["景德镇市市场监督管理局行政处罚信息公示表"], [], ["行政相对人名称", "备注"],
])
def test_unknown_headers_are_not_recognised(header):
    assert recognise(header, DATASETS) is None


def test_2016_code_columns_match_by_name_not_number():
    old = next(d for d in DATASETS if d.name == "penalty_2016")
    mapping = old.match_header(OLD)
    assert mapping[OLD.index("行政相对人代码_2(组织机构代码)")] == "org_code"
    assert mapping[OLD.index("行政相对人代码_5(居民身份证号)")] == "id_number"
    assert old.field("id_number").role == "drop"


def test_an_alias_added_as_data_is_recognised(tmp_path):
    import shutil
    from pathlib import Path

    import publish.definitions as d
    for path in Path(d.BUILTIN_DIR).glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    text = (tmp_path / "penalty.yml").read_text(encoding="utf-8")
    (tmp_path / "penalty.yml").write_text(text.replace("当事人名称]", "当事人名称, 受罚单位]"), encoding="utf-8")
    datasets = load_definitions(tmp_path)
    header = ["受罚单位", "统一社会信用代码", "行政处罚决定书文号", "违法事实", "处罚决定日期", "处罚机关"]
    penalty = recognise(header, datasets)
    assert penalty.name == "penalty" and penalty.match_header(header)[0] == "subject_name"

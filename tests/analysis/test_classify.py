import pytest

from qinglang.analysis.classify import CATEGORIES, classify, risk_score
from qinglang.analysis.identifiers import extract


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("记者说手里有你们厂排污的材料，不给钱就全网曝光，三天内打款五万元私了。", "extortion"),
        ("你们公司的负面报道已经写好了，否则明天就发布，封口费两万。", "extortion"),
        ("专业刪帖，百度贴吧、微博负面都能处理，先删后付，加V信 shantie888", "paid_deletion"),
        ("负面压制、舆情处理、危机公关一条龙，价格 3000 元/条", "paid_deletion"),
        ("要求我们每年交两万元广告费，说是合作费，不交就没有正面报道。", "disguised_fees"),
        ("对方要求签订合作协议并支付赞助费，否则继续报道。", "disguised_fees"),
        (
            "某某监督网自称舆论监督，专门发企业负面再收钱，网站是个人备案的曝光台。",
            "fake_supervision",
        ),
        ("区宣传部内部有人和这家公关公司勾结，收回扣帮企业删稿。", "collusion"),
        ("该网站把地方频道外包给私人公司，承包者利用频道发稿敲诈。", "channel_outsourcing"),
        ("对方冒充国家网信办工作人员，自称中国网络舆情监督中心，要求整改并缴费。", "impersonation"),
        ("这个网站造谣诽谤，发布虚假信息。", "other"),
    ],
)
def test_categories(text, category):
    result = classify(text)
    assert result.category == category, result
    assert 0 < result.score <= 1
    assert result.reasons
    assert result.category in CATEGORIES


def test_reasons_quote_the_original_text():
    result = classify("專業刪帖 先刪後付")
    assert result.category == "paid_deletion"
    assert any("刪帖" in reason for reason in result.reasons)
    assert any("先刪後付" in reason for reason in result.reasons)


def test_no_cue_no_category():
    result = classify("今天天气很好，我们去公园散步。")
    assert (result.category, result.score, result.reasons) == (None, 0.0, [])
    assert classify("").category is None


def test_scores_cover_every_matched_category():
    result = classify("冒充国家机关要求交广告费，否则全网曝光")
    assert {"impersonation", "disguised_fees", "extortion"} <= set(result.scores)
    assert result.score == max(result.scores.values())
    assert result.as_dict()["category"] == result.category


def test_more_cues_score_higher():
    weak = classify("他说要曝光我们").score
    strong = classify("他说要曝光我们，否则就发布负面新闻，封口费五万元").score
    assert strong > weak


def test_risk_score():
    broker = "专业删帖，先删后付，QQ 12345678，微信 shantie888，电话 13812345678，2000元一条"
    benign = "今天天气很好，我们去公园散步。"
    assert 0 <= risk_score(benign) < 0.1
    high = risk_score(broker, extract(broker))
    assert 0.7 <= high <= 1.0
    assert risk_score(broker) == high

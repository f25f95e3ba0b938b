import pytest

from qinglang.analysis.classify import CATEGORIES, GENRES, classify, highlight_spans, risk_score
from qinglang.analysis.identifiers import extract

NEUTRAL = [
    "周末我们一家人去郊外爬山，山顶的风景很美，回来的路上还买了新鲜的草莓。",
    "市图书馆下个月起延长开放时间，工作日晚上九点闭馆，周末全天开放，欢迎市民前来阅读。",
    "这道菜的做法很简单：把鸡蛋打散，番茄切块，先炒鸡蛋再炒番茄，最后加一点盐和糖。",
    "新学期开始了，孩子们背着书包走进校园，老师们在门口迎接他们，操场上一片欢声笑语。",
    "今年夏天雨水比往年多，农民们抓紧时间抢收小麦，合作社还借来了两台收割机帮忙。",
]


@pytest.mark.parametrize(
    ("text", "genre", "category"),
    [
        (
            "记者说手里有你们厂排污的材料，不给钱就全网曝光，三天内打款五万元私了。",
            "threat",
            "extortion",
        ),
        ("你们公司的负面报道已经写好了，否则明天就发布，封口费两万。", "threat", "extortion"),
        (
            "专业刪帖，百度贴吧、微博负面都能处理，先删后付，加V信 shantie888",
            "offer",
            "paid_deletion",
        ),
        ("负面压制、舆情处理、危机公关一条龙，价格 3000 元/条", "offer", "paid_deletion"),
        (
            "要求我们每年交两万元广告费，说是合作费，不交就没有正面报道。",
            "threat",
            "disguised_fees",
        ),
        ("对方要求签订合作协议并支付赞助费，否则继续报道。", "threat", "disguised_fees"),
        ("区宣传部内部有人和这家公关公司勾结，收回扣帮企业删稿。", "offer", "collusion"),
        (
            "该网站把地方频道外包给私人公司，承包者利用频道发稿敲诈。",
            "threat",
            "channel_outsourcing",
        ),
        (
            "对方冒充国家网信办工作人员，自称中国网络舆情监督中心，要求整改并缴费。",
            "threat",
            "impersonation",
        ),
    ],
)
def test_genre_then_category(text, genre, category):
    result = classify(text)
    assert (result.genre, result.category) == (genre, category), result
    assert 0.5 <= result.score <= 1
    assert result.reasons
    assert result.category in CATEGORIES


@pytest.mark.parametrize(
    ("text", "genre"),
    [
        ("本版禁止发布广告，违者删帖。", "rules"),
        ("警方破获一起有偿删帖案，犯罪嫌疑人以先删后付为幌子收取费用五万元。", "report"),
        ("本公司郑重声明：我司从未提供任何删帖服务，请勿上当。", "report"),
        ("云服务器限时特惠，客服QQ：12345678，7×24小时技术支持。", "other"),
        ("今天天气很好，我们去公园散步。", "other"),
    ],
)
def test_words_shared_with_offers_do_not_make_an_offer(text, genre):
    result = classify(text)
    assert result.genre == genre, result
    assert result.category is None
    assert result.score < 0.5


def test_complaint_without_money_demand_has_no_category():
    result = classify("这个网站造谣诽谤，发布虚假信息。")
    assert result.genre not in {"offer", "threat"}
    assert result.category is None


def test_reasons_point_into_the_original_text():
    text = "專業刪帖 先刪後付"
    result = classify(text)
    assert result.genre == "offer"
    assert result.reasons
    for reason in result.reasons:
        assert text[reason["start"] : reason["end"]] == reason["phrase"]
        assert reason["weight"] > 0
    assert any("刪帖" in r["phrase"] or "先刪後付" in r["phrase"] for r in result.reasons)


def test_reasons_through_obfuscation():
    text = "承接负面处理，删(shān)帖(tiě)、撤.稿都可以，先 删 后 付，扣扣：一二三四五六七八"
    result = classify(text)
    assert result.genre == "offer"
    for reason in result.reasons:
        assert text[reason["start"] : reason["end"]] == reason["phrase"]


def test_empty_text():
    result = classify("")
    assert (result.genre, result.category, result.score, result.reasons) == ("other", None, 0.0, [])
    assert classify("   \n  ").genre == "other"


def test_as_dict_is_the_contract():
    data = classify("专业删帖，先删后付").as_dict()
    assert set(data) == {"genre", "category", "score", "reasons"}
    assert data["genre"] in GENRES
    assert all(set(r) == {"phrase", "start", "end", "weight"} for r in data["reasons"])


def test_padding_never_raises_a_score():
    offer = "专业删帖，百度贴吧、微博负面都能处理，先删后付，不成功不收费。加微信 shantie888"
    alone = classify(offer)
    padded = classify("\n".join([offer, *(NEUTRAL * 4)]))
    assert padded.genre == "offer"
    assert abs(padded.score - alone.score) <= 0.02
    # The reasons still point at the advert, now inside the long text.
    assert all(r["end"] <= len(offer) for r in padded.reasons)


def test_long_neutral_text_is_not_an_offer():
    text = "\n".join(NEUTRAL * 10)
    result = classify(text)
    assert result.genre not in {"offer", "threat"}
    assert result.score < 0.5


def test_one_advert_in_a_long_page_is_found():
    page = "\n".join([*NEUTRAL, "删帖找我，先删后付，QQ：12345678", *NEUTRAL])
    assert classify(page).genre == "offer"


def test_highlight_spans():
    text = "专业删帖，先删后付，QQ 12345"
    result = classify(text)
    pieces = highlight_spans(text, result.reasons)
    assert "".join(piece for piece, _, _ in pieces) == text
    assert any(marked for _, marked, _ in pieces)
    overlapping = [
        {"phrase": "专业删", "start": 0, "end": 3, "weight": 0.5},
        {"phrase": "删帖", "start": 2, "end": 4, "weight": 0.9},
        {"phrase": "x", "start": 90, "end": 95, "weight": 1.0},
    ]
    assert highlight_spans(text, overlapping) == [
        ("专业删帖", True, 0.9),
        (text[4:], False, 0.0),
    ]


def test_risk_score():
    broker = "专业删帖，先删后付，QQ 12345678，微信 shantie888，电话 13812345678，2000元一条"
    benign = "今天天气很好，我们去公园散步。"
    assert 0 <= risk_score(benign) < 0.2
    high = risk_score(broker, extract(broker))
    assert 0.7 <= high <= 1.0
    assert risk_score(broker) == high

# ruff: noqa: E501 -- seed data: long Chinese summaries read better unbroken
"""

# A frozen copy for migration 0002 (migrations never import live modules): later changes to
# the seed go into a new data migration, never here.
Seed of the laws library: the instruments governing this field, with summaries we wrote.

Titles, document numbers, dates and article numbers are the public facts; the summaries are the
team's own short wording, not the official text (staff import full texts with
`qinglang disclosure import-law`). Thresholds are data here, never constants in code.
"""

from __future__ import annotations

from typing import Any

INSTRUMENTS: list[dict[str, Any]] = [
    {
        "slug": "cybersecurity-law",
        "title": "中华人民共和国网络安全法",
        "kind": "law",
        "issuing_body": "全国人民代表大会常务委员会",
        "document_number": "中华人民共和国主席令第五十三号",
        "issued_on": "2016-11-07",
        "effective_on": "2017-06-01",
        "status": "in_force",
        "summary": "网络运行安全、网络信息安全的基本法律；2025年10月28日修正，2026年1月1日起施行修正后的条文。",
        "articles": [
            (
                12,
                "任何个人和组织使用网络应当遵守法律，不得利用网络从事危害国家安全、扰乱社会秩序、侵害他人合法权益等活动。",
            ),
            (
                47,
                "网络运营者应当加强对用户发布信息的管理，发现法律禁止发布或传输的信息，应当立即停止传输、采取消除等处置措施，保存记录并向主管部门报告。",
            ),
            (
                49,
                "网络运营者应当建立网络信息安全投诉、举报制度，公布投诉、举报方式，及时受理并处理。",
            ),
            (
                68,
                "网络运营者对法律禁止发布或传输的信息未停止传输、未采取处置措施的，由主管部门责令改正，给予警告、没收违法所得；拒不改正或情节严重的，处以罚款，并可责令暂停相关业务、停业整顿、关闭网站。",
            ),
        ],
    },
    {
        "slug": "criminal-law",
        "title": "中华人民共和国刑法",
        "kind": "law",
        "issuing_body": "全国人民代表大会",
        "document_number": "1997年3月14日第八届全国人民代表大会第五次会议修订",
        "issued_on": "1997-03-14",
        "effective_on": "1997-10-01",
        "status": "in_force",
        "summary": "规定犯罪和刑罚；与本领域相关的是非法经营罪、敲诈勒索罪和诽谤罪等条文。",
        "articles": [
            (
                225,
                "非法经营罪：违反国家规定从事非法经营活动，扰乱市场秩序，情节严重的，处有期徒刑或拘役并处罚金；情节特别严重的，加重处罚。",
            ),
            (
                246,
                "侮辱罪、诽谤罪：以暴力或其他方法公然侮辱他人或者捏造事实诽谤他人，情节严重的，依法追究刑事责任。",
            ),
            (
                274,
                "敲诈勒索罪：敲诈勒索公私财物，数额较大或者多次敲诈勒索的，依法追究刑事责任；数额巨大、特别巨大或有其他严重情节的，加重处罚。",
            ),
        ],
    },
    {
        "slug": "fashi-2013-21",
        "title": "最高人民法院、最高人民检察院关于办理利用信息网络实施诽谤等刑事案件适用法律若干问题的解释",
        "kind": "judicial_interpretation",
        "issuing_body": "最高人民法院、最高人民检察院",
        "document_number": "法释〔2013〕21号",
        "issued_on": "2013-09-09",
        "effective_on": "2013-09-10",
        "status": "in_force",
        "summary": "明确利用信息网络实施诽谤、寻衅滋事、敲诈勒索、非法经营等犯罪的定罪标准。",
        "articles": [
            (
                6,
                "以在信息网络上发布、删除等方式处理网络信息为由，威胁、要挟他人，索取公私财物，数额较大或多次实施的，以敲诈勒索罪定罪处罚。",
            ),
            (
                7,
                "违反国家规定，以营利为目的，通过信息网络有偿提供删除信息服务，或明知是虚假信息而有偿发布，情节严重的，以非法经营罪定罪处罚。个人非法经营数额五万元以上或违法所得二万元以上、单位非法经营数额十五万元以上或违法所得五万元以上的，属于“情节严重”；达到上述数额五倍以上的，属于“情节特别严重”。",
            ),
            (
                8,
                "明知他人利用信息网络实施诽谤、敲诈勒索、非法经营等犯罪，为其提供资金、场所、技术支持等帮助的，以共同犯罪论处。",
            ),
        ],
    },
    {
        "slug": "fashi-2013-10",
        "title": "最高人民法院、最高人民检察院关于办理敲诈勒索刑事案件适用法律若干问题的解释",
        "kind": "judicial_interpretation",
        "issuing_body": "最高人民法院、最高人民检察院",
        "document_number": "法释〔2013〕10号",
        "issued_on": "2013-04-23",
        "effective_on": "2013-04-27",
        "status": "in_force",
        "summary": "规定敲诈勒索罪“数额较大”“数额巨大”“数额特别巨大”的全国幅度，由各省、自治区、直辖市在幅度内确定本地执行标准。",
        "articles": [
            (
                1,
                "敲诈勒索公私财物价值二千元至五千元以上、三万元至十万元以上、三十万元至五十万元以上的，应当分别认定为“数额较大”“数额巨大”“数额特别巨大”；各省级高级人民法院、人民检察院可在上述幅度内确定本地区执行的具体数额标准。",
            ),
        ],
    },
    {
        "slug": "internet-information-services-measures",
        "title": "互联网信息服务管理办法",
        "kind": "administrative_regulation",
        "issuing_body": "国务院",
        "document_number": "中华人民共和国国务院令第292号",
        "issued_on": "2000-09-25",
        "effective_on": "2000-09-25",
        "status": "amended",
        "summary": "互联网信息服务的许可与备案制度；2011年1月8日国务院令第588号修订。",
        "articles": [
            (
                15,
                "互联网信息服务提供者不得制作、复制、发布、传播含有法律、行政法规禁止内容的信息。",
            ),
            (
                16,
                "互联网信息服务提供者发现其网站传输的信息明显属于禁止内容的，应当立即停止传输，保存记录并向有关机关报告。",
            ),
            (
                23,
                "违反本办法规定的，由省级电信管理机构责令改正；情节严重的，责令关闭网站，或吊销经营许可证、取消备案。",
            ),
        ],
    },
    {
        "slug": "content-ecology-provisions",
        "title": "网络信息内容生态治理规定",
        "kind": "rule",
        "issuing_body": "国家互联网信息办公室",
        "document_number": "国家互联网信息办公室令第5号",
        "issued_on": "2019-12-15",
        "effective_on": "2020-03-01",
        "status": "in_force",
        "summary": "网络信息内容生产者、服务平台和使用者的责任；平台应设置便捷的投诉举报入口并反馈结果。",
        "articles": [
            (
                16,
                "网络信息内容服务平台应当在显著位置设置便捷的投诉举报入口，公布投诉举报方式，及时受理处置公众投诉举报并反馈处理结果。",
            ),
            (
                24,
                "网络信息内容服务使用者、生产者和服务平台不得通过发布、删除信息以及其他干预信息呈现的手段侵害他人合法权益或者谋取非法利益。",
            ),
        ],
    },
    {
        "slug": "public-account-provisions",
        "title": "互联网用户公众账号信息服务管理规定",
        "kind": "rule",
        "issuing_body": "国家互联网信息办公室",
        "document_number": "",
        "issued_on": "2021-01-22",
        "effective_on": "2021-02-22",
        "status": "in_force",
        "summary": "公众账号的注册、运营与平台管理责任；公众账号不得以有偿发布、删除信息等手段实施非法网络监督、营销诈骗、敲诈勒索。",
        "articles": [
            (
                18,
                "公众账号生产运营者不得以有偿发布、删除信息等手段，实施非法网络监督、营销诈骗、敲诈勒索，谋取非法利益；不得从事其他违法违规活动。",
            ),
        ],
    },
]

# (slug, article, offence, offender, amount kind, gravity, amount, range_low, range_high,
#  province code or None, note)
THRESHOLDS: list[tuple[Any, ...]] = [
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "individual",
        "business_volume",
        "serious",
        "50000",
        None,
        None,
        None,
        "",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "individual",
        "illegal_gains",
        "serious",
        "20000",
        None,
        None,
        None,
        "",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "unit",
        "business_volume",
        "serious",
        "150000",
        None,
        None,
        None,
        "",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "unit",
        "illegal_gains",
        "serious",
        "50000",
        None,
        None,
        None,
        "",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "individual",
        "business_volume",
        "especially_serious",
        "250000",
        None,
        None,
        None,
        "五倍",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "individual",
        "illegal_gains",
        "especially_serious",
        "100000",
        None,
        None,
        None,
        "五倍",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "unit",
        "business_volume",
        "especially_serious",
        "750000",
        None,
        None,
        None,
        "五倍",
    ),
    (
        "fashi-2013-21",
        7,
        "illegal_business",
        "unit",
        "illegal_gains",
        "especially_serious",
        "250000",
        None,
        None,
        None,
        "五倍",
    ),
    # National ranges: without a provincial standard the lower end applies (the stricter reading).
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "large",
        "2000",
        "2000",
        "5000",
        None,
        "全国幅度下限",
    ),
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "huge",
        "30000",
        "30000",
        "100000",
        None,
        "全国幅度下限",
    ),
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "especially_huge",
        "300000",
        "300000",
        "500000",
        None,
        "全国幅度下限",
    ),
    # A provincial standard (demonstration figures: staff confirm against the standard the
    # province published before relying on them).
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "large",
        "5000",
        None,
        None,
        "110000",
        "演示数据，以本地公布标准为准",
    ),
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "huge",
        "100000",
        None,
        None,
        "110000",
        "演示数据，以本地公布标准为准",
    ),
    (
        "fashi-2013-10",
        1,
        "extortion",
        "any",
        "amount_extorted",
        "especially_huge",
        "500000",
        None,
        None,
        "110000",
        "演示数据，以本地公布标准为准",
    ),
]

_NUMERALS = "零一二三四五六七八九十"


def article_heading(number: int) -> str:
    """Return the Chinese heading of an article number: 12 → 第十二条."""
    return f"第{chinese_numeral(number)}条"


def chinese_numeral(n: int) -> str:
    """Write 1–9999 in Chinese numerals as article headings do (十二, 一百零三, 二百二十五)."""
    if not 0 < n < 10000:
        raise ValueError(n)
    digits = [(n // 1000) % 10, (n // 100) % 10, (n // 10) % 10, n % 10]
    units = ["千", "百", "十", ""]
    out, zero = [], False
    for d, u in zip(digits, units, strict=True):
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_NUMERALS[d] + u)
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text

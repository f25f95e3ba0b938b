"""Explainable keyword scoring of report texts into the reporting zone's categories.

Every cue has a weight; a category's score is the noisy-or of its matched cues (so many weak
cues add up but never pass 1), and the reasons are the matched cues as they appear in the
original text, each with a short English description of what it indicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from qinglang.analysis.identifiers import Identifier, extract
from qinglang.analysis.normalize import Normalized, normalize

CATEGORIES = (
    "extortion",
    "paid_deletion",
    "disguised_fees",
    "fake_supervision",
    "collusion",
    "channel_outsourcing",
    "impersonation",
    "other",
)
# Below this the text is filed under "other" (cues found, but none convincing).
THRESHOLD = 0.3
CONTACT_KINDS = frozenset({"qq", "wechat", "phone", "alipay", "bank_card"})


@dataclass(frozen=True)
class Cue:
    """A pattern that indicates a category, with its weight and what it means."""

    category: str
    pattern: re.Pattern[str]
    weight: float
    label: str


def _cue(category: str, pattern: str, weight: float, label: str) -> Cue:
    return Cue(category, re.compile(pattern, re.IGNORECASE), weight, label)


_THREAT = r"(?:曝光|发布|发稿|报道|见报|上网|挂网|挂到|上头条|公开|投诉到|发到网上)"
_MONEY = (
    r"(?:\d+\s*(?:元|块|万|千)|[一二三四五六七八九十两几]+\s*万|[¥￥]|人民币|给钱|拿钱|打钱|"
    r"转账|费用)"
)
_STATE = r"(?:国家|中央|国务院|政府|网信办|公安|检察|法院|纪委|监委|宣传部|部委|执法)"

CUES: tuple[Cue, ...] = (
    # extortion: threatening negative coverage to obtain money
    _cue("extortion", r"敲诈|勒索|要挟|讹诈", 0.6, "extortion named"),
    _cue("extortion", r"封口费|保密费|不给钱就|不交钱就|不打钱就", 0.6, "payment for silence"),
    _cue(
        "extortion",
        rf"(?:否则|不然|要不然|如不)[^。！？\n]{{0,12}}{_THREAT}",
        0.6,
        "threat of publication",
    ),
    _cue("extortion", r"全网曝光|黑稿|负面(?:报道|新闻|稿件|文章)|搞臭", 0.35, "negative coverage"),
    _cue("extortion", r"曝光|威胁|恐吓", 0.25, "threat"),
    _cue("extortion", r"(?:要|将|扬言)(?:曝光|公开|发布|报道)|扬言", 0.35, "announced exposure"),
    _cue("extortion", r"私了|摆平|花钱消灾|破财消灾", 0.35, "settle with money"),
    _cue("extortion", r"\d+\s*(?:小时|天)内|限期|最后期限", 0.15, "deadline"),
    _cue(
        "extortion",
        r"如果不[^。\n]{0,8}(?:就|便)[^。\n]{0,6}(?:挂|发|曝光|报道|公开)",
        0.45,
        "conditional threat",
    ),
    # paid_deletion
    _cue("paid_deletion", r"删帖", 0.6, "deletion service"),
    _cue(
        "paid_deletion",
        r"先删后付|先撤后付|包删|保删|不删不收费|删除不成功全额退款",
        0.7,
        "pay-after-deletion offer",
    ),
    _cue(
        "paid_deletion",
        r"撤稿|撤帖|撤文|删稿|删文|删除(?:帖子|文章|负面|链接|新闻|报道)",
        0.5,
        "removal of articles",
    ),
    _cue(
        "paid_deletion",
        r"负面压制|压制负面|沉帖|沉底|下沉|屏蔽|百度快照删除|断开链接",
        0.45,
        "suppression of results",
    ),
    _cue(
        "paid_deletion",
        r"舆情(?:处理|优化|清理)|危机公关|口碑(?:修复|优化)|网络公关",
        0.4,
        "reputation management service",
    ),
    _cue(
        "paid_deletion",
        r"(?:删除|处理)[^。\n]{0,6}(?:\d+\s*(?:元|块)|费用|价格|报价)",
        0.3,
        "price for removal",
    ),
    _cue(
        "paid_deletion",
        r"(?:处理|删除|清理|消除)[^。\n]{0,15}(?:负面|差评)|(?:负面|差评)[^。\n]{0,6}"
        r"(?:处理|删除|清理)|帖子删除|删除服务",
        0.5,
        "removal of negative content",
    ),
    # disguised_fees: money demanded as advertising / cooperation / sponsorship fees
    _cue(
        "disguised_fees",
        r"广告费|合作费|赞助费|宣传费|版面费|征订费|会员费|冠名费|服务年费",
        0.5,
        "fee under another name",
    ),
    _cue("disguised_fees", r"有偿新闻|有偿报道|软文|订阅费|征订", 0.45, "paid coverage"),
    _cue(
        "disguised_fees",
        r"签(?:订)?(?:一份)?(?:合作|广告|宣传)(?:协议|合同)",
        0.45,
        "cooperation contract",
    ),
    _cue("disguised_fees", r"(?:合作|赞助|广告|宣传)(?!费)", 0.15, "cooperation or advertising"),
    # fake_supervision: fake supervision / rights / exposé sites and accounts
    _cue(
        "fake_supervision",
        r"(?:监督|维权|曝光|督查|监察|反腐|投诉|调查|法治|法制)(?:网|平台|台|频道|中心|联盟)",
        0.6,
        "self-styled supervision outlet",
    ),
    _cue(
        "fake_supervision",
        r"假记者|冒牌记者|(?:冒充|假冒)记者|(?:伪造|假)的?记者证",
        0.55,
        "fake journalist",
    ),
    _cue("fake_supervision", r"记者站|舆情监测中心|舆论监督", 0.4, "fake press or supervision"),
    _cue("fake_supervision", r"自媒体|公众号|大V", 0.15, "self-media account"),
    # collusion: officials colluding with websites or PR firms
    _cue("collusion", r"勾结|串通|利益输送|官商|内外勾结|沆瀣一气", 0.6, "collusion named"),
    _cue("collusion", r"回扣|分成|返点|好处费|抽成", 0.35, "kick-back"),
    _cue(
        "collusion",
        rf"{_STATE}[^。\n]{{0,6}}(?:内部|关系|朋友|熟人|打招呼|有人)",
        0.45,
        "inside connection to an authority",
    ),
    _cue("collusion", r"官员|领导|干部|工作人员|局长|处长|科长|书记", 0.15, "official involved"),
    # channel_outsourcing: site channels outsourced and abused
    _cue(
        "channel_outsourcing",
        r"频道[^。\n]{0,4}(?:外包|承包|代理|加盟|转让|出租)|(?:外包|承包|代理|出租)[^。\n]{0,4}"
        r"(?:频道|栏目)|栏目[^。\n]{0,3}(?:外包|承包)",
        0.6,
        "outsourced channel",
    ),
    _cue(
        "channel_outsourcing",
        r"地方站|分站|子站|二级域名|地方频道|地方分网",
        0.35,
        "local sub-site",
    ),
    _cue("channel_outsourcing", r"挂靠|加盟|承包|外包", 0.25, "franchise or outsourcing"),
    # impersonation: posing as a state body, misusing 中国/国家 in a name
    _cue("impersonation", r"冒充|假冒|仿冒|伪装成|假扮|自称", 0.35, "posing as someone"),
    _cue(
        "impersonation",
        r"(?:中国|国家|中华|中央|全国)[\u4e00-\u9fff]{1,8}?"
        r"(?:委员会|中心|协会|联盟|研究院|总局|办公室|监督局|调查组|督察组|网)",
        0.4,
        "state-sounding name",
    ),
    _cue(
        "impersonation",
        rf"(?:冒充|假冒|自称|伪装成)[^。\n]{{0,6}}{_STATE}",
        0.6,
        "posing as a state body",
    ),
    _cue("impersonation", r"红头文件|公函|执法证|工作证|国家级", 0.3, "official trappings"),
    # other misconduct
    _cue("other", r"诈骗|骗钱|虚假|谣言|造谣|侵权|诽谤|违规", 0.2, "other misconduct"),
)

_COMBINATIONS: tuple[tuple[str, str, str, float, str], ...] = (
    ("extortion", _THREAT, _MONEY, 0.35, "threat combined with a money demand"),
    ("paid_deletion", r"删帖|撤稿|删除|屏蔽|压制", _MONEY, 0.3, "deletion offered for money"),
    (
        "disguised_fees",
        r"广告|合作|赞助|宣传|订阅",
        r"负面|曝光|报道|否则",
        0.3,
        "fees tied to coverage",
    ),
)


@dataclass(frozen=True)
class Classification:
    """The most likely category (None when no cue matched), its score and the matched cues."""

    category: str | None
    score: float
    reasons: list[str]
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "category": self.category,
            "score": self.score,
            "reasons": self.reasons,
            "scores": self.scores,
        }


def _noisy_or(weights: Iterable[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def _original(norm: Normalized, match: re.Match[str]) -> str:
    start, end = norm.span(*match.span())
    return norm.original[start:end].strip() or match.group()


def _matches(norm: Normalized) -> dict[str, list[tuple[float, str]]]:
    found: dict[str, list[tuple[float, str]]] = {c: [] for c in CATEGORIES}
    for cue in CUES:
        match = cue.pattern.search(norm.text)
        if match:
            found[cue.category].append((cue.weight, f'{cue.label}: "{_original(norm, match)}"'))
    for category, first, second, weight, label in _COMBINATIONS:
        if re.search(first, norm.text) and re.search(second, norm.text):
            found[category].append((weight, label))
    return found


def classify(text: str) -> Classification:
    """Return the report category that best fits `text`, with the cues that decided it."""
    norm = normalize(text or "")
    found = _matches(norm)
    scores = {c: round(_noisy_or(w for w, _ in cues), 3) for c, cues in found.items() if cues}
    if not scores:
        return Classification(None, 0.0, [], {})
    best = max(scores, key=lambda c: (scores[c], -CATEGORIES.index(c)))
    category = best if scores[best] >= THRESHOLD else "other"
    ranked = sorted(scores, key=lambda c: (c != best, -scores[c]))
    reasons = [reason for c in ranked for _, reason in sorted(found[c], key=lambda r: -r[0])]
    return Classification(category, scores[best], reasons, scores)


_AMOUNT = re.compile(_MONEY)
_URGENCY = re.compile(r"\d+\s*(?:小时|天)内|尽快|立即|马上|限期|否则|不然")


def risk_score(text: str, identifiers: list[Identifier] | None = None) -> float:
    """Return 0..1: how urgently a text deserves attention (category, contacts, money, deadline)."""
    classification = classify(text)
    if identifiers is None:
        identifiers = extract(text)
    contacts = {(i.kind, i.value) for i in identifiers if i.kind in CONTACT_KINDS}
    norm_text = normalize(text or "").text
    score = 0.6 * (classification.score if classification.category != "other" else 0.0)
    score += min(0.25, 0.08 * len(contacts))
    score += 0.1 if _AMOUNT.search(norm_text) else 0.0
    score += 0.05 if _URGENCY.search(norm_text) else 0.0
    return round(min(1.0, score), 3)

"""Classify a text: its genre first (a trained linear model), then, for offers and threats only,
the misconduct category (the reporting zone's categories, from weighted keyword cues).

Genres: `offer` (a service sold for money: deletion, suppression, crisis PR, paid posting),
`threat` (money demanded under threat of publishing or keeping content), `report` (news or
official reporting about such conduct, cases, notices), `rules` (moderation rules, terms,
editorial policies), `fiction`, `other`.

The text is normalised (`normalize.py`) and cut into windows (paragraphs, `genre.windows`);
each window is scored on its own and `score` is the highest probability, over the windows, that
a window is an offer or a threat — so padding a text never raises its score and one advert in
a long page is still found. `reasons` are the phrases that pushed the deciding windows towards
the genre, with [start, end) offsets into the original text and their weight.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from qinglang.analysis import genre as genre_model
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
GENRES = genre_model.GENRES
# A window at least this likely to be an offer or a threat makes the text one.
THRESHOLD = 0.5
# Default category of a misconduct genre when no category cue matched.
DEFAULT_CATEGORY = {"offer": "paid_deletion", "threat": "extortion"}
MAX_REASONS = 8
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


class Reason(TypedDict):
    """A phrase of the original text that drove the verdict, its [start, end) and weight."""

    phrase: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class Classification:
    """The genre, the category (offers and threats only), the score and the phrases behind them.

    `score` is the misconduct score, 0..1: the highest probability over the windows that one is
    an offer or a threat. `scores` holds the keyword score of every category with a cue.
    """

    genre: str
    category: str | None
    score: float
    reasons: list[Reason]
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "genre": self.genre,
            "category": self.category,
            "score": self.score,
            "reasons": [dict(r) for r in self.reasons],
        }


def _noisy_or(weights: Iterable[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def category_scores(normalized: str) -> dict[str, float]:
    """Return the keyword score of every category whose cues match already normalised text."""
    found: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    for cue in CUES:
        if cue.pattern.search(normalized):
            found[cue.category].append(cue.weight)
    for category, first, second, weight, _label in _COMBINATIONS:
        if re.search(first, normalized) and re.search(second, normalized):
            found[category].append(weight)
    return {c: round(_noisy_or(w), 3) for c, w in found.items() if w}


def _category(genre: str, scores: dict[str, float]) -> str:
    ranked = [c for c in scores if c != "other"]
    if not ranked:
        return DEFAULT_CATEGORY[genre]
    return max(ranked, key=lambda c: (scores[c], -CATEGORIES.index(c)))


@dataclass(frozen=True)
class _Scored:
    window: genre_model.Window
    words: list[genre_model.Word]
    probabilities: list[float]

    @property
    def misconduct(self) -> float:
        return sum(self.probabilities[GENRES.index(g)] for g in genre_model.MISCONDUCT)


def _score_windows(norm: Normalized, canon: str) -> list[_Scored]:
    model = genre_model.load_model()
    # Words come from one pass of jieba over the whole text; windows take theirs by offset.
    words = genre_model.canonical_words(canon)
    scored = []
    for window in genre_model.windows(norm.text):
        inside = words[
            bisect.bisect_left(words, window.start, key=lambda w: w[1]) : bisect.bisect_left(
                words, window.end, key=lambda w: w[1]
            )
        ]
        found = genre_model.window_feature_set(canon, window.start, window.end, inside)
        if found:
            probabilities = genre_model.softmax(genre_model.logits(model, found))
            scored.append(_Scored(window, inside, probabilities))
    return scored


def _phrases(norm: Normalized, canon: str, item: _Scored, genre: str) -> list[Reason]:
    """Turn the features that pushed one window towards `genre` into original-text phrases."""
    model = genre_model.load_model()
    k = GENRES.index(genre)
    found = genre_model.window_features(canon, item.window.start, item.window.end, item.words)
    value = genre_model.scale(found)
    size = item.window.end - item.window.start
    push = [0.0] * size
    for feature, spans in found.items():
        row = model.weights.get(feature)
        if row is None:
            continue
        # Pull towards this genre relative to the average genre.
        contribution = (row[k] - sum(row) / len(row)) * value
        if contribution <= 0:
            continue
        for a, b in spans:
            share = contribution / (len(spans) * (b - a))
            for i in range(a, b):
                push[i] += share
    top = max(push, default=0.0)
    if top <= 0:
        return []
    floor = top * 0.35
    reasons: list[Reason] = []
    i = 0
    while i < size:
        if push[i] < floor:
            i += 1
            continue
        j = i
        while j < size and push[j] >= floor:
            j += 1
        a, b = item.window.start + i, item.window.start + j
        text = norm.text[a:b]
        if sum(ch.isalnum() for ch in text) >= 2:
            start, end = norm.span(a, b)
            phrase = norm.original[start:end]
            stripped = phrase.strip()
            start += len(phrase) - len(phrase.lstrip())
            reasons.append(
                Reason(
                    phrase=stripped,
                    start=start,
                    end=start + len(stripped),
                    weight=round(sum(push[i:j]), 3),
                )
            )
        i = j
    return reasons


def classify(text: str) -> Classification:
    """Return the genre of `text`, its category when it is an offer or threat, and why."""
    norm = normalize(text or "")
    canon = genre_model.canonical(norm.text)
    scored = _score_windows(norm, canon)
    if not scored:
        return Classification("other", None, 0.0, [], {})
    best = max(scored, key=lambda s: s.misconduct)
    score = round(best.misconduct, 3)
    if best.misconduct >= THRESHOLD:
        offer, threat = (best.probabilities[GENRES.index(g)] for g in ("offer", "threat"))
        genre = "offer" if offer >= threat else "threat"
        deciding = [s for s in scored if s.misconduct >= THRESHOLD]
    else:
        weights = [0.0] * len(GENRES)
        for s in scored:
            length = s.window.end - s.window.start
            for k, p in enumerate(s.probabilities):
                weights[k] += p * length
        candidates = [g for g in GENRES if g not in genre_model.MISCONDUCT]
        genre = max(candidates, key=lambda g: weights[GENRES.index(g)])
        k = GENRES.index(genre)
        deciding = sorted(scored, key=lambda s: -s.probabilities[k])[:3]
    strongest: dict[tuple[int, int], Reason] = {}
    for reason in (r for s in deciding for r in _phrases(norm, canon, s, genre)):
        key = (reason["start"], reason["end"])
        if key not in strongest or strongest[key]["weight"] < reason["weight"]:
            strongest[key] = reason
    reasons = sorted(strongest.values(), key=lambda r: (-r["weight"], r["start"]))[:MAX_REASONS]
    category = None
    scores: dict[str, float] = {}
    if genre in genre_model.MISCONDUCT:
        scores = category_scores(
            "\n".join(norm.text[s.window.start : s.window.end] for s in deciding)
        )
        category = _category(genre, scores)
    return Classification(genre, category, score, reasons, scores)


def highlight_spans(text: str, reasons: Iterable[Reason]) -> list[tuple[str, bool, float]]:
    """Cut `text` into (piece, highlighted, weight) runs from reasons' offsets, for templates.

    Overlapping reasons merge (the highest weight wins); offsets outside the text are ignored.
    """
    marks: list[tuple[int, int, float]] = []
    for reason in reasons:
        start, end = int(reason["start"]), int(reason["end"])
        start, end = max(0, start), min(len(text), end)
        if start < end:
            marks.append((start, end, float(reason["weight"])))
    marks.sort()
    merged: list[list[float]] = []
    for start, end, weight in marks:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = max(merged[-1][2], weight)
        else:
            merged.append([start, end, weight])
    pieces: list[tuple[str, bool, float]] = []
    pos = 0
    for start, end, weight in merged:
        a, b = int(start), int(end)
        if pos < a:
            pieces.append((text[pos:a], False, 0.0))
        pieces.append((text[a:b], True, weight))
        pos = b
    if pos < len(text):
        pieces.append((text[pos:], False, 0.0))
    return pieces


_AMOUNT = re.compile(_MONEY)
_URGENCY = re.compile(r"\d+\s*(?:小时|天)内|尽快|立即|马上|限期|否则|不然")


def risk_score(text: str, identifiers: list[Identifier] | None = None) -> float:
    """Return 0..1: how urgently a text deserves attention (category, contacts, money, deadline)."""
    classification = classify(text)
    if identifiers is None:
        identifiers = extract(text)
    contacts = {(i.kind, i.value) for i in identifiers if i.kind in CONTACT_KINDS}
    norm_text = normalize(text or "").text
    score = 0.6 * classification.score
    score += min(0.25, 0.08 * len(contacts))
    score += 0.1 if _AMOUNT.search(norm_text) else 0.0
    score += 0.05 if _URGENCY.search(norm_text) else 0.0
    return round(min(1.0, score), 3)

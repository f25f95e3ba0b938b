"""Write `genres.jsonl`, the genre corpus, from the team's templates (fixed seed, reproducible).

Run `python -m qinglang.analysis.corpus.generate` after editing `templates.txt`; the output is
committed and `qinglang analysis train` reads it. Every template was written by the team for
this corpus (see README.md); slots are filled from the lists below with `random.Random(SEED)`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from opencc_purepy import OpenCC

SEED = 20261202
OUTPUT = Path(__file__).with_name("genres.jsonl")
TEMPLATES = Path(__file__).with_name("templates.txt")
# One template in HELDOUT_EVERY goes, with all its fills and variants, to the held-out split,
# so the held-out texts are worded in ways the model never saw.
HELDOUT_EVERY = 5

PLATFORMS = [
    "百度贴吧",
    "微博",
    "知乎",
    "小红书",
    "抖音",
    "今日头条",
    "大众点评",
    "天涯论坛",
    "百度快照",
    "搜狐号",
    "网易新闻",
    "B站",
    "豆瓣小组",
    "黑猫投诉",
    "百家号",
    "微信公众号",
]
COMPANIES = [
    "某食品公司",
    "一家连锁酒店",
    "某医疗美容机构",
    "某房地产开发商",
    "一家教育培训机构",
    "某化工厂",
    "某汽车4S店",
    "一家物业公司",
    "某民营医院",
    "某电商企业",
]
NAMES = ["张某", "李某某", "王某", "刘某", "陈某", "赵某某", "孙某", "周某"]
CITIES = ["江苏", "浙江", "广东", "四川", "河南", "山东", "湖北", "福建", "安徽", "陕西"]
HEROES = ["林晚", "沈默", "苏青", "陆川", "许念", "周野", "江离", "顾北"]
SITES = ["华夏民生监督网", "中国企业观察在线", "法治视点网", "民声曝光台", "财经内参网"]
SERVICES = [
    "删帖",
    "撤稿",
    "负面处理",
    "差评删除",
    "舆情优化",
    "危机公关",
    "负面压制",
    "沉帖",
    "口碑修复",
    "删除负面新闻",
    "百度快照删除",
    "删贴",
]
EXPOSURES = [
    "全网曝光",
    "发到网上",
    "见报",
    "把负面稿件发出去",
    "上热搜",
    "挂到论坛首页",
    "继续报道",
]
SYLLABLES = ["shan", "tie", "pr", "kefu", "wang", "li", "zhang", "cheng", "gao", "yun", "fu", "xin"]


def _qq(rng: random.Random) -> str:
    tail = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(5, 9)))
    return str(rng.randint(1, 9)) + tail


def _wx(rng: random.Random) -> str:
    head = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2)))
    return head + rng.choice(["_", "", "-"]) + str(rng.randint(10, 9999))


def _phone(rng: random.Random) -> str:
    digits = "1" + rng.choice("3456789") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return rng.choice([digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"])


def _contact(rng: random.Random) -> str:
    qq, wx, phone = _qq(rng), _wx(rng), _phone(rng)
    return rng.choice(
        [
            f"QQ：{qq}",
            f"QQ {qq}",
            f"微信：{wx}",
            f"微信号 {wx}",
            f"电话：{phone}",
            f"手机 {phone}",
            f"Q：{qq}",
            f"VX：{wx}",
            f"联系微信 {wx}",
            f"QQ：{qq}（微信同号）",
            f"加微信{wx}详谈",
            f"联系人{rng.choice(NAMES)} {phone}",
            "有意者私聊",
            "详情私信",
            "联系方式见主页",
        ]
    )


def _price(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.choice([200, 300, 500, 800, 1200, 1500])}元一条",
            f"{rng.choice([300, 600, 1000, 2000])}元/条起",
            "价格面议",
            f"每条{rng.choice([400, 900, 1800])}元",
            f"{rng.choice([3, 5, 8])}千元包月",
        ]
    )


def _amount(rng: random.Random) -> str:
    return rng.choice(["两万元", "五万元", "3万元", "8000元", "十万元", "1.5万元", "六万"])


def _slots(rng: random.Random) -> dict[str, str]:
    p, p2 = rng.sample(PLATFORMS, 2)
    return {
        "p": p,
        "p2": p2,
        "c": _contact(rng),
        "c2": _contact(rng),
        "price": _price(rng),
        "t": rng.choice(["24小时", "48小时", "三天", "当天", "12小时"]),
        "amt": _amount(rng),
        "amt2": _amount(rng),
        "n": rng.choice(NAMES),
        "n2": rng.choice(NAMES),
        "co": rng.choice(COMPANIES),
        "city": rng.choice(CITIES),
        "days": rng.choice(["三", "五", "七", "3", "2"]),
        "year": str(rng.randint(2019, 2026)),
        "site": rng.choice(SITES),
        "hero": rng.choice(HEROES),
        "hero2": rng.choice(HEROES),
        "qq": _qq(rng),
        "wx": _wx(rng),
        "phone": _phone(rng),
        "num": str(rng.randint(2, 60)),
        "del": rng.choice(SERVICES),
        "del2": rng.choice(SERVICES),
        "expose": rng.choice(EXPOSURES),
    }


def read_templates(path: Path = TEMPLATES) -> dict[str, list[str]]:
    """Read the templates file: `[genre]` headings, one template per line, `#` comments."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        heading = re.fullmatch(r"\[(\w+)\]", line.strip())
        if heading:
            current = found.setdefault(heading.group(1), [])
        elif current is not None:
            current.append(line.strip().replace("\\n", "\n"))
    return found


_PINYIN = {
    "删": "shān",
    "帖": "tiě",
    "负": "fù",
    "面": "miàn",
    "危": "wēi",
    "机": "jī",
    "撤": "chè",
    "稿": "gǎo",
    "压": "yā",
    "制": "zhì",
    "舆": "yú",
    "情": "qíng",
    "曝": "bào",
    "光": "guāng",
}
_OBFUSCATIONS: list[tuple[str, list[str]]] = [
    ("删帖", ["删tie", "删.帖", "珊贴", "删★帖", "shan帖", "删 帖", "刪帖"]),
    ("删贴", ["删tie", "删/贴", "姗贴"]),
    ("删除", ["删.除", "删 除", "shan除"]),
    ("负面", ["负.面", "fu面", "负 面", "負面"]),
    ("撤稿", ["撤.稿", "撤 稿", "che稿"]),
    ("微信", ["V信", "薇信", "vx", "徽❤信", "威信", "wx"]),
    ("QQ", ["扣扣", "企鹅", "球球", "抠抠", "Q Q"]),
    ("曝光", ["曝.光", "bao光", "暴光"]),
    ("先删后付", ["先删后fu", "先 删 后 付", "先刪後付"]),
    ("危机公关", ["危.机.公.关", "危机gong关"]),
    ("压制", ["压.制", "ya制"]),
]
_CN_DIGITS = "零一二三四五六七八九"


def obfuscate(text: str, rng: random.Random) -> str:
    """Disguise the telling words and the contact digits the way brokers do."""
    for word, disguises in _OBFUSCATIONS:
        if word in text:
            text = text.replace(word, rng.choice(disguises))
    if rng.random() < 0.4:
        # Pinyin reading aids inside one telling word.
        for word in ("删帖", "负面", "危机", "撤稿", "压制", "舆情", "曝光"):
            if word in text:
                annotated = "".join(f"{ch}({_PINYIN[ch]})" for ch in word)
                text = text.replace(word, annotated, 1)
                break

    def digits(match: re.Match[str]) -> str:
        run = match.group()
        style = rng.randrange(3)
        if style == 0:
            return "".join(_CN_DIGITS[int(d)] for d in run)
        if style == 1:
            return " ".join(run[i : i + 3] for i in range(0, len(run), 3))
        return "★".join(run)

    disguised = re.sub(r"(?<![\d-])\d{6,11}(?![\d-])", digits, text)
    if disguised == text:
        # Nothing telling to disguise: split one word with a noise character instead.
        pairs = [m.start() + 1 for m in re.finditer(r"[\u4e00-\u9fff](?=[\u4e00-\u9fff])", text)]
        if pairs:
            cut = rng.choice(pairs)
            disguised = text[:cut] + rng.choice(["★", ".", " ", "/"]) + text[cut:]
    return disguised


def _render(template: str, rng: random.Random) -> str:
    slots = _slots(rng)
    return template.format(**slots)


def build() -> list[dict[str, object]]:
    """Return the corpus records, in a fixed order, from the fixed seed."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not a secret
    s2t = OpenCC("s2t")
    by_genre = read_templates()
    records: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    plan = [
        ("offer", by_genre["offer"], 2, ("plain", "obfuscated", "traditional")),
        ("threat", by_genre["threat"], 2, ("plain", "obfuscated")),
        ("report", by_genre["report"], 3, ("plain",)),
        ("rules", by_genre["rules"], 3, ("plain",)),
        ("fiction", by_genre["fiction"], 3, ("plain",)),
        ("other", by_genre["other"], 3, ("plain",)),
    ]
    for genre, genre_templates, fills, variants in plan:
        for index, template in enumerate(genre_templates):
            split = "heldout" if index % HELDOUT_EVERY == HELDOUT_EVERY - 1 else "train"
            for fill in range(fills):
                base = _render(template, rng)
                for variant in variants:
                    text = base
                    if variant == "obfuscated":
                        text = obfuscate(base, rng)
                    elif variant == "traditional":
                        text = s2t.convert(obfuscate(base, rng) if fill % 2 else base)
                    elif genre in {"other", "rules"} and fill == 2:
                        # Contact markers disguised in benign pages too, so a disguise alone
                        # never reads as an offer.
                        text = obfuscate(base, rng)
                    if (text, variant) in seen:
                        continue  # a template without slots gives one text only
                    seen.add((text, variant))
                    hard = genre in {"report", "rules", "fiction"} or (
                        genre == "other" and re.search(r"QQ|微信|客服", template) is not None
                    )
                    records.append(
                        {
                            "id": f"{genre}-{index:02d}-{fill}-{variant}",
                            "genre": genre,
                            "text": text,
                            "variant": variant,
                            "hard_negative": hard,
                            "split": split,
                        }
                    )
    return records


def write(path: Path = OUTPUT) -> int:
    """Write the corpus as JSON lines; return how many records."""
    records = build()
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(records)


if __name__ == "__main__":
    print(write())  # noqa: T201

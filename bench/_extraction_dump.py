"""Dump `extract`, `fold` and `normalize` over a fixed set of texts, to compare two revisions.

Run `python -m bench._extraction_dump OUT` in each tree and compare the files (or the digest
printed last): a change meant to be faster only must leave them byte-identical. The texts
(fixed seeds): both corpora, five obfuscated variants of each, 5,000 random texts over the
markers' alphabet, 20,000 phone-like strings, 5,000 texts over characters NFKC changes
(full-width forms, compatibility characters, combining marks, other scripts' digits), and one
1 MB page of the corpus texts.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

from qinglang.analysis.corpus.generate import obfuscate
from qinglang.analysis.identifiers import extract
from qinglang.analysis.normalize import fold, normalize

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (
    ROOT / "tests/analysis/corpus/extraction.jsonl",
    ROOT / "qinglang/analysis/corpus/genres.jsonl",
)
MARKERS = "删.帖 /★😀扣QqV信微wx支付宝一二三四五六七零0123456789abc(ā)@:：#\n"
# Full-width forms, ligatures, circled and parenthesised numbers, units, superscripts, Roman
# numerals, half-width katakana, combining marks (alone and after letters), Hangul jamo,
# other scripts' digits, Kelvin/Ohm signs, ſ, zero-width characters and CJK compatibility.
NFKC = (
    "０１２３４５６７８９＋－（）：，。．＠＃ＱｑＶｖｗｘＷＸ　"
    "ﬁﬂ①②⑩⑴⒈㈠㊀㎏㎡℃½¼²³¹ⅠⅡⅫⅰ｀ｱｶﾞﾟ"
    "\u0301\u0308\u0327\u20e3\u3099\u1100\u1161\u11a8가"
    "٠١٢٣٤٥٦٧٨٩०१२३४५६७८९"
    "\u212a\u2126\u017f\u0130\u0131\ufe0f\u200b\ufeff\u00ad"
    "豈更車賈滑串句龜"
    "ŉǄǅǆĳ…‥︰﹐﹑﹒"
    "微信扣支付宝删帖电话abcé e1234567890 \n"
)


def texts() -> list[str]:
    """Return the texts, in a fixed order."""
    corpus = [
        json.loads(line)["text"]
        for path in CORPORA
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    out = list(corpus)
    for seed in range(5):
        rng = random.Random(seed)
        out += [obfuscate(text, rng) for text in corpus]
    rng = random.Random(17)
    out += ["".join(rng.choices(MARKERS, k=rng.randrange(1, 60))) for _ in range(5000)]
    leads = ["", "+86", "+86 ", "0086", "(010)", "010-", "0755 ", "400-", "手机", "电话：", "QQ："]
    seps = ["", " ", "-", ".", "★", "·", "　"]
    for _ in range(20000):
        digits = "".join(rng.choices("0123456789", k=rng.randrange(5, 20)))
        sep = rng.choice(seps)
        step = rng.randrange(1, 5)
        body = sep.join(digits[i : i + step] for i in range(0, len(digits), step))
        if rng.random() < 0.2:
            body = body.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        out.append(rng.choice(leads) + body + rng.choice(["", " 微信同号", " 联系", "元"]))
    rng = random.Random(20261206)
    out += ["".join(rng.choices(NFKC, k=rng.randrange(1, 80))) for _ in range(5000)]
    block = "\n".join(corpus[:161]) + "\n"
    out.append((block * (1_000_000 // len(block) + 1))[:1_000_000])
    return out


def _line(text: str) -> str:
    folded, norm = fold(text), normalize(text)
    return json.dumps(
        [
            [i.as_dict() for i in extract(text)],
            [folded.text, list(folded.starts), list(folded.ends)],
            [norm.text, list(norm.starts), list(norm.ends)],
        ],
        ensure_ascii=False,
    )


def main(argv: list[str]) -> int:
    """Write one JSON line per text to argv[0] and print the count and the digest."""
    digest = hashlib.sha256()
    all_texts = texts()
    with open(argv[0], "w", encoding="utf-8") as out:
        for text in all_texts:
            line = _line(text) + "\n"
            digest.update(line.encode())
            out.write(line)
    print(f"{len(all_texts)} texts, sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

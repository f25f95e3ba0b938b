"""Identifier extraction: precision and recall per kind on the labelled corpus, and throughput.

Run: `python -m bench.analysis_extraction` (or `python bench/analysis_extraction.py`).
Throughput is reported as a ratio against a baseline measured in the same run on the same texts:
a plain `re.findall` digit scan (what a naive extractor would cost).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from qinglang.analysis.classify import classify
from qinglang.analysis.evaluate import evaluate, load_corpus
from qinglang.analysis.identifiers import KINDS, extract

CORPUS = Path(__file__).resolve().parents[1] / "tests/analysis/corpus/extraction.jsonl"
_DIGITS = re.compile(r"\d+")


def _time(function, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Print quality and speed figures; exit non-zero if quality falls under the floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the corpus for timing")
    args = parser.parse_args(argv)

    corpus = load_corpus(CORPUS)
    report = evaluate(corpus)
    print(f"corpus: {len(corpus)} texts, {sum(len(e['expected']) for e in corpus)} identifiers")
    print(f"{'kind':<10} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for kind in KINDS:
        t = report.kinds.get(kind)
        if t is None:
            continue
        print(f"{kind:<10} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.precision:>9.3f} {t.recall:>7.3f}")
    o = report.overall
    print(f"{'overall':<10} {o.tp:>4} {o.fp:>4} {o.fn:>4} {o.precision:>9.3f} {o.recall:>7.3f}")
    for error in report.errors:
        print(f"  miss {error['missing']} extra {error['unexpected']}: {error['text'][:60]}")

    # Genre of the adverts and threats (categories are only given for offers and threats).
    genre_of = {"paid_deletion": "offer", "extortion": "threat", "disguised_fees": "threat"}
    labelled = [e for e in corpus if e["category"] in genre_of]
    right = sum(classify(e["text"]).genre == genre_of[e["category"]] for e in labelled)
    print(f"genre: {right}/{len(labelled)} = {right / len(labelled):.3f} accuracy")

    texts = [str(e["text"]) for e in corpus] * args.repeat
    chars = sum(map(len, texts))
    extract(texts[0])  # warm caches (OpenCC dictionary, suffix list) outside the timing
    baseline = _time(_DIGITS.findall, texts)
    measured = _time(extract, texts)
    print(
        f"throughput: extract {chars / measured / 1000:.1f} k chars/s "
        f"({len(texts) / measured:.0f} texts/s); baseline re.findall digit scan "
        f"{chars / baseline / 1000:.1f} k chars/s; extract/baseline time ratio "
        f"{measured / baseline:.1f}x over {len(texts)} texts, {chars} chars"
    )
    return 0 if o.precision >= 0.95 and o.recall >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())

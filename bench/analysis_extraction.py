"""Identifier extraction: precision and recall per kind on the labelled corpus, and throughput.

Run: `python -m bench.analysis_extraction` (or `python bench/analysis_extraction.py`).
Throughput is reported as a ratio against a baseline measured in the same run on the same texts:
a plain `re.findall` digit scan (what a naive extractor would cost). Pinned to one core; each
figure is the best of several passes, with the extractor's memo caches emptied before each pass
(so a pass never profits from the one before), on the corpus texts one by one and on one 1 MB
page made of them. Times are CPU times of this process (time.process_time), which other
processes on a shared machine disturb less than wall-clock times.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from qinglang.analysis.classify import classify
from qinglang.analysis.evaluate import evaluate, load_corpus
from qinglang.analysis.identifiers import KINDS, extract

CORPUS = Path(__file__).resolve().parents[1] / "tests/analysis/corpus/extraction.jsonl"
_DIGITS = re.compile(r"\d+")


PAGE_CHARS = 1_000_000


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def _clear_caches() -> None:
    """Empty the extractor's memo caches (phone parses, registrable domains), where it has them."""
    from qinglang.analysis import domains, validators

    for module, name in ((validators, "_parse_phone"), (domains, "_registrable")):
        cache_clear = getattr(getattr(module, name, None), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


def _best_pass(function: Callable[[str], object], texts: list[str], passes: int) -> float:
    best = float("inf")
    for _ in range(passes):
        _clear_caches()
        start = time.process_time()
        for text in texts:
            function(text)
        best = min(best, time.process_time() - start)
    return best


def _page(texts: list[str]) -> str:
    """One text of PAGE_CHARS characters: the corpus texts, one a line, over and over."""
    block = "\n".join(texts) + "\n"
    return (block * (PAGE_CHARS // len(block) + 1))[:PAGE_CHARS]


def main(argv: list[str] | None = None) -> int:
    """Print quality and speed figures; exit non-zero if quality falls under the floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=20, help="timed passes over the corpus (the best counts)"
    )
    parser.add_argument(
        "--page-passes", type=int, default=2, help="timed passes over the 1 MB page"
    )
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

    print(_pin_one_core())
    texts = [str(e["text"]) for e in corpus]
    chars = sum(map(len, texts))
    for text in texts:
        extract(text)  # load what loads once (OpenCC dictionary, suffix list) outside the timing
    baseline = _best_pass(_DIGITS.findall, texts, args.repeat)
    measured = _best_pass(extract, texts, args.repeat)
    print(
        f"throughput: extract {chars / measured / 1000:.1f} k chars/s "
        f"({len(texts) / measured:.0f} texts/s); baseline re.findall digit scan "
        f"{chars / baseline / 1000:.1f} k chars/s; extract/baseline time ratio "
        f"{measured / baseline:.1f}x ({len(texts)} texts, {chars} chars, best of {args.repeat})"
    )
    page = [_page(texts)]
    page_baseline = _best_pass(_DIGITS.findall, page, 3)
    page_measured = _best_pass(extract, page, args.page_passes)
    print(
        f"1 MB page: extract {PAGE_CHARS / page_measured / 1000:.1f} k chars/s "
        f"({page_measured:.2f} s); baseline re.findall digit scan "
        f"{PAGE_CHARS / page_baseline / 1000:.1f} k chars/s; extract/baseline time ratio "
        f"{page_measured / page_baseline:.1f}x (one text of {PAGE_CHARS} chars, "
        f"best of {args.page_passes})"
    )
    return 0 if o.precision >= 0.95 and o.recall >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Genre classifier: per-genre precision and recall on the held-out split, false offers on hard
negatives, and classify + extract throughput against `jieba.lcut` on the same text.

Run: `python -m bench.analysis_genre [--repeat N]`. Pinned to one CPU core when the platform
allows it; the baseline (`jieba.lcut` over the same text) is measured in the same run, so the
ratio compares across machines. Exit status 1 when the floors asserted by
`tests/analysis/test_genre_model.py` fail (offer precision ≥ 0.9, recall ≥ 0.85, hard negatives
classified as offer ≤ 5 %).
"""

from __future__ import annotations

import argparse
import os
import time

from qinglang.analysis import training
from qinglang.analysis.classify import GENRES, classify
from qinglang.analysis.evaluate import evaluate_genres
from qinglang.analysis.identifiers import extract
from qinglang.analysis.segment import _tokenizer


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def _best_of(function, texts: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print quality and speed figures; exit non-zero under the floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="copies of the held-out text")
    args = parser.parse_args(argv)
    print(_pin_one_core())

    examples = training.load_examples()
    heldout = [e for e in examples if e.split == "heldout"]
    report = evaluate_genres(heldout)
    print(f"held-out split: {len(heldout)} of {len(examples)} texts (every 5th template)")
    print(f"{'genre':<8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for genre in GENRES:
        t = report.genres[genre]
        print(f"{genre:<8} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.precision:>9.3f} {t.recall:>7.3f}")
    print(
        f"hard negatives classified as offer (held-out): {report.false_offers}/"
        f"{report.hard_negatives} = {report.false_offer_rate:.3f}"
    )
    everything = evaluate_genres([e for e in examples if e.hard_negative])
    print(
        f"hard negatives classified as offer (all): {everything.false_offers}/"
        f"{everything.hard_negatives} = {everything.false_offer_rate:.3f}"
    )
    for error in report.errors:
        print(f"  {error['genre']} -> {error['got']}: {str(error['text'])[:60]}")

    # One long page per copy: the held-out texts as paragraphs.
    page = "\n".join(e.text for e in heldout)
    texts = [page] * args.repeat
    chars = sum(map(len, texts))
    tokenizer = _tokenizer()
    classify(page[:200])  # load the model and jieba's dictionary outside the timing
    baseline = _best_of(tokenizer.lcut, texts)
    measured = _best_of(lambda text: (classify(text), extract(text)), texts)
    print(
        f"throughput: classify+extract {chars / measured / 1000:.1f} k chars/s; baseline "
        f"jieba.lcut {chars / baseline / 1000:.1f} k chars/s; (classify+extract)/jieba time "
        f"ratio {measured / baseline:.2f}x over {chars} chars"
    )
    offer = report.genres["offer"]
    ok = offer.precision >= 0.9 and offer.recall >= 0.85 and report.false_offer_rate <= 0.05
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

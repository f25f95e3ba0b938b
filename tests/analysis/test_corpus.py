"""The labelled corpus: extraction precision and recall per kind, and classification accuracy."""

from pathlib import Path

import pytest

from qinglang.analysis.classify import classify
from qinglang.analysis.evaluate import evaluate, load_corpus
from qinglang.analysis.identifiers import KINDS

CORPUS = Path(__file__).parent / "corpus" / "extraction.jsonl"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def report(corpus):
    return evaluate(corpus)


def test_corpus_is_large_and_varied(corpus):
    assert len(corpus) >= 100
    benign = [e for e in corpus if not e["expected"]]
    assert len(benign) >= 30  # texts full of numbers that must not match
    kinds = {item["kind"] for e in corpus for item in e["expected"]}
    assert kinds == set(KINDS)
    for example in corpus:
        assert all(item["kind"] in KINDS for item in example["expected"])


def test_overall_floors(report):
    assert report.overall.precision >= 0.95, report.errors
    assert report.overall.recall >= 0.9, report.errors


@pytest.mark.parametrize("kind", KINDS)
def test_per_kind_floors(report, kind):
    tally = report.kinds[kind]
    assert tally.precision >= 0.9, (kind, report.errors)
    assert tally.recall >= 0.85, (kind, report.errors)


def test_benign_texts_give_nothing(corpus):
    from qinglang.analysis.identifiers import extract

    noisy = {e["text"]: extract(e["text"]) for e in corpus if not e["expected"]}
    assert {text: found for text, found in noisy.items() if found} == {}


# The genre a category of this corpus implies (broker adverts and extortion messages).
GENRE_OF = {"paid_deletion": "offer", "extortion": "threat", "disguised_fees": "threat"}


def test_genre_on_the_extraction_corpus(corpus):
    """Texts the genre model never trained on: adverts and threats found, benign lines left."""
    labelled = [e for e in corpus if e["category"] in GENRE_OF]
    right = sum(classify(e["text"]).genre == GENRE_OF[e["category"]] for e in labelled)
    assert right / len(labelled) >= 0.85
    benign = [e for e in corpus if not e["category"]]
    flagged = [e["text"] for e in benign if classify(e["text"]).genre in {"offer", "threat"}]
    assert len(flagged) / len(benign) <= 0.05, flagged

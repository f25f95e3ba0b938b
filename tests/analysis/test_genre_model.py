"""The genre corpus, the shipped model and its floors on the held-out split."""

import json
import subprocess
import sys
from collections import Counter

import pytest

from qinglang.analysis import genre, training
from qinglang.analysis.corpus import generate
from qinglang.analysis.evaluate import evaluate_genres


@pytest.fixture(scope="module")
def examples():
    return training.load_examples()


@pytest.fixture(scope="module")
def heldout(examples):
    return evaluate_genres([e for e in examples if e.split == "heldout"])


def test_corpus_size_and_balance(examples):
    assert len(examples) >= 600
    counts = Counter(e.genre for e in examples)
    assert set(counts) == set(genre.GENRES)
    assert min(counts.values()) >= 60, counts
    assert sum(e.split == "heldout" for e in examples) >= 100
    hard = [e for e in examples if e.hard_negative]
    assert {e.genre for e in hard} == {"report", "rules", "fiction", "other"}
    assert len(hard) >= 200


def test_every_offer_template_has_obfuscated_and_traditional_variants():
    records = [json.loads(line) for line in generate.OUTPUT.read_text("utf-8").splitlines()]
    variants: dict[str, set[str]] = {}
    for record in records:
        if record["genre"] == "offer":
            template = record["id"].rsplit("-", 2)[0]
            variants.setdefault(template, set()).add(record["variant"])
    assert len(variants) == len(generate.read_templates()["offer"])
    assert all(v == {"plain", "obfuscated", "traditional"} for v in variants.values()), variants


def test_corpus_file_is_what_the_generator_writes(tmp_path):
    target = tmp_path / "genres.jsonl"
    generate.write(target)
    assert target.read_bytes() == generate.OUTPUT.read_bytes()


def test_offer_floors_on_the_heldout_split(heldout):
    offer = heldout.genres["offer"]
    assert offer.precision >= 0.9, heldout.errors
    assert offer.recall >= 0.85, heldout.errors


def test_hard_negatives_are_rarely_offers(heldout, examples):
    assert heldout.false_offer_rate <= 0.05, heldout.errors
    everything = evaluate_genres([e for e in examples if e.hard_negative])
    assert everything.false_offer_rate <= 0.05


def test_training_rebuilds_the_shipped_model_byte_for_byte(tmp_path, capsys):
    """`qinglang analysis train` in this process gives the bytes of the shipped file, which an
    earlier process wrote: training is deterministic across runs."""
    from qinglang.analysis.cli import main

    target = tmp_path / "model.json"
    assert main(["train", "--output", str(target)]) == 0
    assert target.read_bytes() == genre.MODEL_PATH.read_bytes()
    assert "bytes" in capsys.readouterr().err


def test_inference_never_imports_scikit_learn():
    code = (
        "import sys\n"
        "from qinglang.analysis.classify import classify\n"
        "assert 'jieba' not in sys.modules\n"
        "classify('专业删帖，先删后付')\n"
        "assert 'jieba' in sys.modules\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'sklearn', 'scipy', 'numpy'}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_labels_with_unknown_genre_are_refused(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "genre": "advert"}\n{"text": "y", "genre": null}\n', "utf-8")
    with pytest.raises(ValueError, match="unknown genre"):
        training.load_examples([path])
    path.write_text('{"text": "y", "genre": null, "label": "declined"}\n', "utf-8")
    assert training.load_examples([path]) == []

"""Fit the genre model on the corpus with scikit-learn and write its weights (run offline only).

Deterministic: the corpus order is fixed, the vocabulary sorted, the solver (lbfgs) has no
randomness beyond `random_state`, and weights are rounded before writing, so training twice
gives the same bytes. The web process never imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qinglang.analysis.genre import GENRES, MODEL_PATH, features, scale
from qinglang.analysis.normalize import normalize

CORPUS_DIR = Path(__file__).with_name("corpus")
SEED = 0
C = 20.0
MIN_DF = 2
CLASS_WEIGHT: str | None = "balanced"
DECIMALS = 3
# Features whose every weight rounds under this are left out of the file.
PRUNE = 0.002
FORMAT = 1


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    genre: str
    split: str
    hard_negative: bool
    source: str


def load_examples(paths: Iterable[Path] | None = None) -> list[Example]:
    """Read labelled JSON lines (`text`, `genre`, optional `split`, `hard_negative`, `source`)."""
    if paths is None:
        paths = sorted(CORPUS_DIR.glob("*.jsonl"))
    examples: list[Example] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            genre = record.get("genre")
            if genre is None:
                continue  # a decision that says nothing about the genre (export-labels)
            if genre not in GENRES:
                raise ValueError(f"{path}:{number}: unknown genre {genre!r}")
            examples.append(
                Example(
                    text=record["text"],
                    genre=genre,
                    split=record.get("split", "train"),
                    hard_negative=bool(record.get("hard_negative")),
                    source=record.get("source", path.name),
                )
            )
    return examples


def _featurise(text: str) -> dict[str, list[tuple[int, int]]]:
    return features(normalize(text).text)


def fit(examples: list[Example]) -> dict[str, object]:
    """Fit logistic regression on the training examples; return the model as plain data."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    train = [e for e in examples if e.split == "train"]
    found = [_featurise(e.text) for e in train]
    df: dict[str, int] = {}
    for feats in found:
        for feature in feats:
            df[feature] = df.get(feature, 0) + 1
    vocab = sorted(f for f, count in df.items() if count >= MIN_DF)
    column = {f: i for i, f in enumerate(vocab)}
    rows, cols, values = [], [], []
    for r, feats in enumerate(found):
        value = scale(feats)
        for feature in feats:
            c = column.get(feature)
            if c is not None:
                rows.append(r)
                cols.append(c)
                values.append(value)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(train), len(vocab)), dtype=np.float64)
    labels = np.array([GENRES.index(e.genre) for e in train])
    model = LogisticRegression(
        C=C, max_iter=5000, tol=1e-6, random_state=SEED, class_weight=CLASS_WEIGHT
    )
    model.fit(matrix, labels)
    order = [list(model.classes_).index(k) for k in range(len(GENRES))]
    coef = model.coef_[order]
    intercept = model.intercept_[order]

    def rounded(x: float) -> float:
        return round(float(x), DECIMALS) + 0.0

    weights = {}
    for feature, c in column.items():
        row = [rounded(x) for x in coef[:, c]]
        if max(abs(x) for x in row) >= PRUNE:
            weights[feature] = row
    return {
        "format": FORMAT,
        "genres": list(GENRES),
        "intercept": [rounded(x) for x in intercept],
        "weights": weights,
    }


def dump(model: dict[str, object]) -> bytes:
    """Serialise the model: one feature per line, sorted, so diffs stay readable."""
    weights = model["weights"]
    if not isinstance(weights, dict):
        raise TypeError("model weights must be a mapping")
    head = {k: v for k, v in model.items() if k != "weights"}
    lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "weights": {']
    items = [
        f"{json.dumps(f, ensure_ascii=False)}: {json.dumps(weights[f])}" for f in sorted(weights)
    ]
    lines.append(",\n".join(items))
    lines.append("}}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def train(output: Path = MODEL_PATH, paths: Iterable[Path] | None = None) -> bytes:
    """Fit on the corpus and write the model file; return the bytes written."""
    data = dump(fit(load_examples(paths)))
    output.write_bytes(data)
    return data

"""The lazy offset map of `Normalized.sub` against the eager one it replaced (commit 784a7e6).

`_eager_sub` is that commit's `Normalized.sub`, which built the whole map as two tuples; with it
patched in, `normalize` and `extract` must give exactly what they give with the lazy map, on the
labelled corpus, the genre corpus, obfuscated variants of both and generated texts.
"""

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglang.analysis.corpus.generate import obfuscate
from qinglang.analysis.identifiers import extract
from qinglang.analysis.normalize import Gate, Normalized, normalize

CORPORA = (
    Path(__file__).with_name("corpus") / "extraction.jsonl",
    Path(__file__).parents[2] / "qinglang/analysis/corpus/genres.jsonl",
)


def _eager_sub(
    self,
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    gate: Gate | None = None,
) -> Normalized:
    """Replace matches of `pattern`, mapping new characters to the span they replace."""
    text = self.text
    if gate is None:
        first = pattern.search(text)
        if first is None:
            return self
        found = pattern.finditer(text, first.start())  # nothing begins before the first
    else:
        if gate.chars.search(text) is None:
            return self
        found = gate.finditer(pattern, text)
    matches = [(m.start(), m.end(), repl(m)) for m in found]
    if not matches:
        return self
    parts: list[str] = []
    last = 0
    for a, b, new in matches:
        parts += [text[last:a], new]
        last = b
    parts.append(text[last:])
    if all(len(new) == b - a for a, b, new in matches):
        # Character for character (numerals → digits, 扣扣 → QQ): the map stays as it is.
        return Normalized("".join(parts), self.starts, self.ends, self.original)
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for a, b, new in matches:
        starts.extend(self.starts[last:a])
        ends.extend(self.ends[last:a])
        if len(new) == b - a:
            # Character for character: keep the fine-grained map.
            starts.extend(self.starts[a:b])
            ends.extend(self.ends[a:b])
        elif new:
            s, e = self.span(a, b)
            starts.extend([s] * len(new))
            ends.extend([e] * len(new))
        last = b
    starts.extend(self.starts[last:])
    ends.extend(self.ends[last:])
    return Normalized("".join(parts), tuple(starts), tuple(ends), self.original)


def _texts() -> list[str]:
    texts = [
        json.loads(line)["text"]
        for path in CORPORA
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(17)
    texts += [obfuscate(text, rng) for text in texts]
    texts.append("\n".join(texts))  # one long page
    return texts


TEXTS = _texts()
ALPHABET = "删.帖 /★😀扣QqV信微wx支付宝一二三四五六七零0123456789abc(ā)@:：#\n"


def _both(function: Callable[[str], object], text: str) -> tuple[object, object]:
    lazy = function(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Normalized, "sub", _eager_sub)
        eager = function(text)
    return lazy, eager


def _map(text: str) -> tuple[str, list[int], list[int]]:
    norm = normalize(text)
    return norm.text, list(norm.starts), list(norm.ends)


def test_the_eager_reference_builds_tuples():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Normalized, "sub", _eager_sub)
        norm = normalize("删.帖 扣扣:九七六五四三二一 ★微信 abc123")
    assert isinstance(norm.starts, tuple)
    assert not isinstance(normalize("删.帖 扣扣:九七六五四三二一").starts, tuple)


def test_same_offset_map_and_identifiers_on_the_corpora():
    for text in TEXTS:
        lazy_map, eager_map = _both(_map, text)
        assert lazy_map == eager_map, text[:80]
        lazy, eager = _both(extract, text)
        assert lazy == eager, text[:80]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="删.帖 /★😀扣QqV信微wx支付宝一二三四五六七零0123456789abc(ā)@:：\n", max_size=60
    )
)
def test_same_offset_map_and_identifiers_on_generated_texts(text):
    assert _both(_map, text)[0] == _both(_map, text)[1]
    lazy, eager = _both(extract, text)
    assert lazy == eager


def test_slices_and_negative_indices_of_the_lazy_map():
    norm = normalize("删.帖 扣扣:九七六五四三二一 加V信 abc123")
    starts = list(norm.starts)
    assert norm.starts[2:6] == starts[2:6]
    assert norm.starts[-1] == starts[-1]
    with pytest.raises(IndexError):
        norm.starts[len(starts)]


def test_numeral_prefilter_changes_nothing():
    """Texts with fewer than two Chinese numerals skip the numeral substitution: as if run."""
    from qinglang.analysis import normalize as module

    for text in TEXTS[:-1]:
        gated = _map(text)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "_NUMERAL_CHAR", re.compile(r"[\s\S]"))  # always let through
            assert _map(text) == gated, text[:80]

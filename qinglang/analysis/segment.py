"""Chinese word segmentation for full-text search (jieba, bundled dictionary, search mode)."""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from typing import Any

from qinglang.analysis.normalize import fold

_LOCK = threading.Lock()


@functools.cache
def _tokenizer() -> Any:
    """Build jieba's tokenizer once, quietly, from the dictionary shipped in the package."""
    with warnings.catch_warnings():
        # jieba's sources have old-style escapes that warn when first compiled.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _LOCK:
        tokenizer.initialize()
    return tokenizer


def tokens(text: str) -> list[str]:
    """Return the search tokens of `text`: words and their sub-words, lower-case, no punctuation."""
    folded = fold(text or "").text.lower()
    if not folded.strip():
        return []
    return [
        token
        for token in _tokenizer().cut_for_search(folded, HMM=True)
        if any(ch.isalnum() for ch in token)
    ]


def segment(text: str) -> str:
    """Return `text` as space-separated search tokens (index this, and segment queries alike)."""
    return " ".join(token.strip() for token in tokens(text))

"""The adapter: today's classifier (genre inferred) and the genre-aware result, the same shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from qinglang.monitoring import verdict
from tests.monitoring.factories import AD_TEXT


def test_the_classifier_finds_an_offer_and_locates_its_phrases():
    result = verdict.analyse(AD_TEXT)
    assert result.genre == "offer" and result.category == "paid_deletion"
    assert result.is_offer and result.score > 0.7
    assert result.reasons
    for reason in result.reasons:  # every phrase points back into the original text
        assert AD_TEXT[reason["start"] : reason["end"]] == reason["phrase"]
    assert "危机公关" in {r["phrase"] for r in result.reasons}
    assert {"kind": "qq", "value": "3872910456"} in result.identifiers


def test_a_text_without_cues_is_other():
    result = verdict.analyse("今天天气很好，我们去公园散步。")
    assert result.genre == "other" and result.category == "" and not result.is_offer


@dataclass
class _Reason:
    phrase: str
    start: int
    end: int
    weight: float


@dataclass
class _NewResult:
    genre: str
    category: str | None
    score: float
    reasons: list = field(default_factory=list)


def test_genre_aware_result_is_used_as_it_is(monkeypatch):
    text = "违者删帖，禁止广告。"
    new = _NewResult("rules", None, 0.9, [_Reason("违者删帖", 0, 4, 0.8), {"phrase": "广告"}])
    monkeypatch.setattr(verdict.classify_module, "classify", lambda _text: new)
    result = verdict.analyse(text)
    assert result.genre == "rules" and result.category == "" and not result.is_offer
    assert result.reasons[0] == {"phrase": "违者删帖", "start": 0, "end": 4, "weight": 0.8}
    assert result.reasons[1] == {"phrase": "广告", "start": -1, "end": -1, "weight": 0.9}

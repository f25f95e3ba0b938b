"""Triage risk: how urgently a report deserves attention, with the reasons (pure Python).

An extortion in progress — money demanded now, under a threat or a deadline — ranks first; then
the classifier's confidence, contacts to trace, a sum of money and a deadline add up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from qinglang.analysis.normalize import normalize_text

EXTORTION_CATEGORIES = frozenset({"extortion", "disguised_fees"})
CONTACT_KINDS = frozenset({"qq", "wechat", "phone", "alipay", "bank_card"})
_MONEY = re.compile(
    r"\d+\s*(?:元|块|万|千)|[一二三四五六七八九十两几]+\s*万|[¥￥]|人民币|转账|打款"
)
_DEADLINE = re.compile(
    r"\d+\s*(?:小时|天|日)内|今天|今晚|明天|尽快|立即|马上|限期|否则|不然|要不然|最后期限"
)
_THREAT = re.compile(r"曝光|发布|发稿|见报|上网|挂网|上头条|公开|发到网上|恢复|重新发")


@dataclass(frozen=True)
class Risk:
    """A 0..1 score, whether an extortion is in progress, and the reasons (codes, English)."""

    score: float
    extortion_in_progress: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "extortion_in_progress": self.extortion_in_progress,
            "reasons": self.reasons,
        }


def assess(
    text: str,
    *,
    category: str,
    classified_category: str | None,
    classified_score: float,
    identifiers: Iterable[tuple[str, str]],
    amount_demanded: float | None = None,
) -> Risk:
    """Return the triage risk of a report from its text, category and analysis."""
    norm = normalize_text(text or "")
    reasons: list[str] = []
    contacts = {pair for pair in identifiers if pair[0] in CONTACT_KINDS}
    money = bool(amount_demanded) or bool(_MONEY.search(norm))
    deadline = bool(_DEADLINE.search(norm))
    extortion = category in EXTORTION_CATEGORIES or classified_category in EXTORTION_CATEGORIES
    in_progress = extortion and money and (deadline or bool(_THREAT.search(norm)))
    confident = classified_category not in {None, "other"}
    score = 0.5 * (classified_score if confident else 0.0)
    if confident:
        reasons.append("classified")
    if contacts:
        score += min(0.2, 0.07 * len(contacts))
        reasons.append("contacts")
    if money:
        score += 0.1
        reasons.append("money")
    if deadline:
        score += 0.1
        reasons.append("deadline")
    if in_progress:
        score += 0.3
        reasons.insert(0, "extortion_in_progress")
    return Risk(round(min(1.0, score), 3), in_progress, reasons)

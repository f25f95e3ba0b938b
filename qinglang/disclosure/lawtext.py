"""Parse full law texts for import: JSON or plain text with 第X条 headings (no Django)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
HEADING = re.compile(r"^\s*第([零〇一二两三四五六七八九十百千\d]+)条(?!之)\s*(.*)$")
MAX_ARTICLES = 2000
MAX_ARTICLE_CHARS = 20000


class LawTextError(ValueError):
    """The file is not a law text we can import; the message says where and why."""


@dataclass
class ParsedLaw:
    """Metadata (from JSON) and articles (number → text, summary) of one imported text."""

    meta: dict[str, Any] = field(default_factory=dict)
    articles: list[tuple[int, str, str]] = field(default_factory=list)


def parse_numeral(text: str) -> int:
    """Return the value of an article number written in Chinese numerals or digits."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _VALUES:
            current = _VALUES[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise LawTextError(f"not a numeral: {text}")
    return total + current


def parse_plain(text: str) -> ParsedLaw:
    """Split a plain text at its 第X条 headings (lines before the first are the preamble)."""
    articles: list[tuple[int, str, str]] = []
    number, lines = None, []
    for line in text.splitlines():
        m = HEADING.match(line)
        if m:
            if number is not None:
                articles.append((number, "\n".join(lines).strip(), ""))
            number, lines = parse_numeral(m.group(1)), [m.group(2)]
        elif number is not None:
            lines.append(line)
    if number is not None:
        articles.append((number, "\n".join(lines).strip(), ""))
    return _checked(ParsedLaw(articles=articles))


def parse_json(text: str) -> ParsedLaw:
    """Read {"slug", "title", …, "articles": [{"number", "text", "summary"}]}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LawTextError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise LawTextError('expected an object with an "articles" list')
    articles = []
    for i, a in enumerate(data["articles"], 1):
        if not isinstance(a, dict) or not isinstance(a.get("number"), int):
            raise LawTextError(f"article {i}: needs an integer number")
        text_, summary = a.get("text", ""), a.get("summary", "")
        if not isinstance(text_, str) or not isinstance(summary, str):
            raise LawTextError(f"article {a['number']}: text and summary must be strings")
        articles.append((a["number"], text_.strip(), summary.strip()))
    meta = {k: v for k, v in data.items() if k != "articles"}
    return _checked(ParsedLaw(meta=meta, articles=articles))


def parse(text: str) -> ParsedLaw:
    """Parse JSON when the text is an object, plain text otherwise."""
    return parse_json(text) if text.lstrip().startswith("{") else parse_plain(text)


def _checked(parsed: ParsedLaw) -> ParsedLaw:
    if not parsed.articles:
        raise LawTextError("no articles found (headings look like 第一条)")
    if len(parsed.articles) > MAX_ARTICLES:
        raise LawTextError(f"more than {MAX_ARTICLES} articles")
    seen: set[int] = set()
    previous = 0
    for number, text, summary in parsed.articles:
        if number < 1:
            raise LawTextError(f"article {number}: numbers start at 1")
        if number in seen:
            raise LawTextError(f"article {number} appears twice")
        if number < previous:
            raise LawTextError(f"article {number} comes after article {previous}")
        if not text and not summary:
            raise LawTextError(f"article {number} is empty")
        if len(text) > MAX_ARTICLE_CHARS:
            raise LawTextError(f"article {number} is longer than {MAX_ARTICLE_CHARS} characters")
        seen.add(number)
        previous = number
    return parsed

"""Turn a fetched page, feed or sitemap into items, and recognise walls that are not content.

Sitemaps are parsed with entity resolution and network access off. CSS selectors are a small
subset (tag, #id, .class and combinations, descendant and `>` child), translated to XPath, since
no selector library is installed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

from qinglang.analysis.normalize import normalize_text

MAX_ITEMS = 200
_SIMPLE = re.compile(r"^(?P<tag>[a-zA-Z][a-zA-Z0-9]*|\*)?(?P<rest>(?:[#.][-_a-zA-Z0-9]+)*)$")
_PART = re.compile(r"([#.])([-_a-zA-Z0-9]+)")


class SelectorError(ValueError):
    """A CSS selector outside the supported subset."""


class WallError(Exception):
    """The response is a login wall, captcha or block page, not the source's content."""


@dataclass(frozen=True)
class Item:
    """One unit of content at a source: its stable key, URL, title and text."""

    key: str
    url: str
    title: str
    text: str
    version: str = ""

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    """Return the SHA-256 of the normalised, whitespace-collapsed text (dedupe key)."""
    compact = " ".join(normalize_text(text or "").split())
    return hashlib.sha256(compact.encode("utf-8")).hexdigest()


def css_to_xpath(selector: str) -> str:
    """Translate a supported CSS selector to XPath, or raise SelectorError."""
    tokens = selector.replace(">", " > ").split()
    if not tokens or tokens[0] == ">" or tokens[-1] == ">":
        raise SelectorError(selector)
    xpath, axis = "", "//"
    for part in tokens:
        if part == ">":
            if axis == "/":
                raise SelectorError(selector)
            axis = "/"
            continue
        match = _SIMPLE.match(part)
        if not match or not (match.group("tag") or match.group("rest")):
            raise SelectorError(selector)
        step = match.group("tag") or "*"
        for mark, name in _PART.findall(match.group("rest")):
            if mark == "#":
                step += f"[@id='{name}']"
            else:
                step += f"[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
        xpath += axis + step
        axis = "//"
    return xpath


def validate_selector(selector: str) -> str:
    """Return the selector stripped if supported (empty is fine), else raise SelectorError."""
    selector = (selector or "").strip()
    if selector:
        css_to_xpath(selector)
    return selector


_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([-_a-zA-Z0-9]+)", re.IGNORECASE)


def decode_html(body: bytes) -> str:
    """Return an HTML body as text: its declared charset, else UTF-8, else GB18030."""
    declared = _META_CHARSET.search(body[:4096])
    candidates = [declared.group(1).decode("ascii")] if declared else []
    for encoding in (*candidates, "utf-8", "gb18030"):
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


def html_tree(body: bytes | str):  # type: ignore[no-untyped-def]
    """Return the parsed HTML document (lxml), or None when empty or unparsable."""
    import lxml.html

    text = decode_html(body) if isinstance(body, bytes) else body
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        return None
    try:
        return lxml.html.fromstring(text)
    except (ValueError, lxml.etree.ParserError):
        return None


def html_title(body: bytes) -> str:
    tree = html_tree(body)
    if tree is None:
        return ""
    found = tree.xpath("//title")
    return " ".join(found[0].text_content().split())[:300] if found else ""


def page_text(body: bytes, *, url: str, selector: str = "") -> str:
    """Return the main text of an HTML page (the selected elements when a selector is given)."""
    if selector:
        tree = html_tree(body)
        if tree is None:
            return ""
        parts = [" ".join(el.text_content().split()) for el in tree.xpath(css_to_xpath(selector))]
        return "\n".join(p for p in parts if p)
    import trafilatura

    text = trafilatura.extract(body, url=url, include_comments=False, favor_recall=True)
    if text:
        return text
    tree = html_tree(body)
    return " ".join(tree.text_content().split()) if tree is not None else ""


def fragment_text(html: str) -> str:
    """Return the plain text of an HTML fragment (feed summaries)."""
    tree = html_tree(f"<div>{html}</div>") if html and html.strip() else None
    return " ".join(tree.text_content().split()) if tree is not None else ""


def feed_items(body: bytes, *, base_url: str) -> list[Item]:
    """Return the entries of an RSS or Atom feed; raise ValueError if it is not a feed."""
    import feedparser

    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise ValueError(_("The source is not a readable RSS or Atom feed."))
    items = []
    for entry in parsed.entries[:MAX_ITEMS]:
        link = urljoin(base_url, entry.get("link") or "") if entry.get("link") else ""
        key = (entry.get("id") or link or entry.get("title") or "")[:500]
        if not key:
            continue
        content = " ".join(c.get("value", "") for c in entry.get("content", []) or [])
        text = fragment_text(content or entry.get("summary", "") or "")
        title = " ".join((entry.get("title") or "").split())[:300]
        items.append(
            Item(
                key=key,
                url=link[:2000] or base_url,
                title=title,
                text=f"{title}\n{text}".strip(),
                version=entry.get("updated", "") or entry.get("published", "") or "",
            )
        )
    return items


_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_entries(body: bytes) -> list[tuple[str, str]]:
    """Return (loc, lastmod) pairs of a sitemap urlset; raise ValueError if not a sitemap."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(_("The source is not a readable sitemap.")) from exc
    if root is None or etree.QName(root).localname != "urlset":
        raise ValueError(_("The source is not a sitemap of pages (urlset)."))
    entries = []
    for node in root:
        if not isinstance(node.tag, str) or etree.QName(node).localname != "url":
            continue
        loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc") or ""
        lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod") or ""
        if loc.strip().startswith(("http://", "https://")):
            entries.append((loc.strip()[:2000], lastmod.strip()[:64]))
        if len(entries) >= MAX_ITEMS:
            break
    return entries


# Markers of pages that stand between us and the content. Strong ones count anywhere; weak
# ones only on a short page (a real advert may mention 登录 or 验证码 in passing).
_STRONG_WALL = re.compile(
    r"g-recaptcha|h-captcha|cf-challenge|cf_chl_|challenge-platform|geetest|"
    r"Just a moment\.\.\.|Attention Required|Access Denied|"
    r"访问被拒绝|访问受限|请完成安全验证|人机验证|滑动验证|拖动滑块|IP已被封禁|访问频率过高",
    re.IGNORECASE,
)
_WEAK_WALL = re.compile(
    r"验证码|captcha|请登录|请先登录|登录后查看|登录后可见|log ?in to continue|sign in|"
    r"type=[\"']?password",
    re.IGNORECASE,
)
_WALL_PATH = re.compile(r"/(?:login|signin|sign-in|passport|auth|captcha|verify)(?:[/._?]|$)", re.I)
SHORT_PAGE = 600


def detect_wall(*, status: int, final_url: str, body: bytes, text: str) -> str | None:
    """Return why the response is a wall (login, captcha, block), or None for content."""
    if status in {401, 407}:
        return _("The source asks for a login (HTTP %(status)s).") % {"status": status}
    if status in {403, 429, 451}:
        return _("The source blocks our requests (HTTP %(status)s).") % {"status": status}
    head = body[:200_000].decode("utf-8", "replace")
    if _WALL_PATH.search(urlsplit(final_url).path or "/"):
        return _("The source redirected to a login or verification page.")
    if _STRONG_WALL.search(head):
        return _("The source shows a captcha or block page instead of its content.")
    if len(text) < SHORT_PAGE and _WEAK_WALL.search(head):
        return _("The source shows a login wall or captcha instead of its content.")
    return None

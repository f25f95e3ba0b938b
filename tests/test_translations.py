"""The Simplified Chinese catalog is complete, well-formed, compiled, and served by default."""

from __future__ import annotations

import ast
import gettext
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
SOURCE_DIR = Path(settings.BASE_DIR)

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


@dataclass
class Entry:
    """One message of the catalog."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    """Decode one quoted PO string."""
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        if body[i] == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return the header entry and the messages of a PO file (obsolete ones left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            current, target = (None, None) if not line else (current, target)
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD_LINE.match(line):
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
        elif line.startswith('"') and target is not None:
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return header, [e for e in entries if e is not header]


HEADER, ENTRIES = parse_po(PO_PATH)

# Placeholders a translation must keep: printf-style, str.format, HTML tags and entities.
_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxX]|%[-#0 +]*\d*(?:\.\d+)?[sdifrxX]"
    r"|%%|\{[A-Za-z_0-9.]*(?:![rsa])?(?::[^{}]*)?\}|</?[A-Za-z][^<>]*>|&[A-Za-z]+;|&#\d+;"
)


def _placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def _where(entry: Entry) -> str:
    return f"{PO_PATH.name}:{entry.line} {entry.msgid!r}"


def test_header_declares_chinese_with_one_plural_form():
    assert "Language: zh_Hans\n" in HEADER.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in HEADER.msgstr[0]
    assert "charset=UTF-8" in HEADER.msgstr[0]
    assert "fuzzy" not in HEADER.flags


def test_every_entry_is_translated():
    untranslated = [_where(e) for e in ENTRIES if not all(e.msgstr.values()) or not e.msgstr]
    assert untranslated == []


def test_no_entry_is_fuzzy():
    assert [_where(e) for e in ENTRIES if "fuzzy" in e.flags] == []


def test_plural_entries_have_exactly_one_form():
    bad = [_where(e) for e in ENTRIES if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert bad == []


def test_placeholders_are_kept():
    mismatched = []
    for entry in ENTRIES:
        wanted = [_placeholders(entry.msgid)]
        if entry.msgid_plural is not None:
            wanted.append(_placeholders(entry.msgid_plural))
        for text in entry.msgstr.values():
            if _placeholders(text) not in wanted:
                mismatched.append((_where(entry), text))
    assert mismatched == []


def test_translations_are_not_english_left_as_is():
    """An msgstr equal to its msgid is almost always a forgotten translation."""
    allowed = {"SHA-256", "URL"}
    same = [
        _where(e)
        for e in ENTRIES
        if e.msgstr.get(0) == e.msgid and e.msgid not in allowed and re.search("[a-z]{3}", e.msgid)
    ]
    assert same == []


def test_compiled_catalog_matches_the_po_file():
    """The committed .mo holds exactly the .po's translations (CI machines have no msgfmt)."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in ENTRIES:
        if entry.msgctxt is not None and entry.msgid_plural is not None:
            got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        elif entry.msgid_plural is not None:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(_where(entry))
    assert stale == [], "run scripts/messages to recompile django.mo"
    assert compiled.info()["plural-forms"] == "nplurals=1; plural=0;"


# Keywords makemessages passes to xgettext: name -> (context position, singular, plural) or None.
_KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _calls(source: str) -> list[tuple[str | None, str, str | None]]:
    """Return (context, msgid, plural) of each gettext call with literal arguments."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    ]
    found = []
    for i, token in enumerate(tokens[:-1]):
        spec = _KEYWORDS.get(token.string) if token.type == tokenize.NAME else None
        if spec is None or tokens[i + 1].string != "(":
            continue
        args: list[str | None] = []
        literal: list[str] | None = []
        for tok in tokens[i + 2 :]:
            if tok.string in {",", ")"}:
                args.append(ast.literal_eval(" ".join(literal)) if literal else None)
                literal = []
                if tok.string == ")":
                    break
            elif tok.type == tokenize.STRING and literal is not None:
                literal.append(tok.string)
            else:
                break  # not a plain literal (f-string, expression, nested call): not extracted
        ctx_pos, id_pos, plural_pos = spec
        needed = max(p for p in spec if p is not None)
        if len(args) <= needed or any(args[p] is None for p in (ctx_pos, id_pos) if p is not None):
            continue
        found.append(
            (
                args[ctx_pos] if ctx_pos is not None else None,
                args[id_pos],
                args[plural_pos] if plural_pos is not None else None,
            )
        )
    return found


def _source_messages() -> dict[tuple[str | None, str], str]:
    """Every translatable string in the code and templates, as makemessages sees it."""
    messages: dict[tuple[str | None, str], str] = {}
    for path in sorted(SOURCE_DIR.rglob("*")):
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
        elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
            # Indentation of the templatized text is meaningless and would trip the tokenizer.
            text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            source = "\n".join(line.lstrip() for line in text.splitlines())
        else:
            continue
        for context, msgid, _plural in _calls(source):
            if msgid:
                messages.setdefault((context, msgid), str(path.relative_to(SOURCE_DIR.parent)))
    return messages


def test_every_string_in_the_source_is_in_the_catalog():
    """New gettext strings need a translation: run scripts/messages and translate them."""
    catalog = {(e.msgctxt, e.msgid) for e in ENTRIES}
    missing = sorted(
        f"{where}: {msgid!r}"
        for (context, msgid), where in _source_messages().items()
        if (context, msgid) not in catalog
    )
    assert not missing, "not in the catalog (run scripts/messages):\n" + "\n".join(missing)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "chinese", "english"),
    [
        ("/", "举报", "Report"),
        ("/report/", "提交举报", "Submit report"),
        ("/track/", "查询码", "Tracking code"),
        ("/staff/login/", "工作人员登录", "Staff sign-in"),
    ],
)
def test_pages_are_chinese_by_default_and_english_on_request(client, path, chinese, english):
    default = client.get(path)
    assert default.status_code == 200
    assert default.headers["Content-Language"] == "zh-hans"
    assert chinese in default.content.decode()
    assert '<html lang="zh-CN">' in default.content.decode()

    accept_en = client.get(path, headers={"accept-language": "en"})
    assert accept_en.headers["Content-Language"] == "en"
    assert english in accept_en.content.decode()
    assert chinese not in accept_en.content.decode()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = client.get(path)
    assert english in by_cookie.content.decode()
    assert chinese not in by_cookie.content.decode()


@pytest.mark.django_db
def test_browser_asking_for_zh_cn_gets_simplified_chinese(client):
    response = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert response.headers["Content-Language"] == "zh-hans"
    assert "举报" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/report/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Submit report" in client.get("/report/").content.decode()

"""Fill Simplified Chinese translations into the catalog from a JSON file {msgid: msgstr}.

Usage: `.venv/bin/python scripts/po_fill.py translations.json` after `bash scripts/messages`,
then `bash scripts/messages` again to sort and compile. `--list` prints the msgids that are
still untranslated or fuzzy, as a JSON object ready to be filled. Entries with a context are
keyed "context\\x04msgid" as gettext does.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "qinglang/locale/zh_Hans/LC_MESSAGES/django.po"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unquote_lines(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def _parse(block: str) -> tuple[str | None, str, str, bool, bool]:
    ctx, msgid, msgstr, cur = [], [], [], None
    plural = False
    for line in block.splitlines():
        if line.startswith("msgctxt "):
            cur = ctx
            cur.append(line[8:])
        elif line.startswith("msgid_plural "):
            plural, cur = True, None
        elif line.startswith("msgid "):
            cur = msgid
            cur.append(line[6:])
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            cur = msgstr
            cur.append(line.split(" ", 1)[1])
        elif line.startswith('"') and cur is not None:
            cur.append(line)
    fuzzy = bool(re.search(r"^#,.*fuzzy", block, re.M))
    context = _unquote_lines(ctx) if ctx else None
    return context, _unquote_lines(msgid), _unquote_lines(msgstr), fuzzy, plural


def main() -> None:
    text = PO.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    if sys.argv[1:] == ["--list"]:
        todo = {}
        for block in blocks[1:]:
            context, msgid, msgstr, fuzzy, _ = _parse(block)
            if msgid and (fuzzy or not msgstr):
                todo[(context + "\x04" if context else "") + msgid] = ""
        sys.stdout.write(json.dumps(todo, ensure_ascii=False, indent=1) + "\n")
        return
    mapping = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = [blocks[0]]
    for block in blocks[1:]:
        context, msgid, _, _, plural = _parse(block)
        key = (context + "\x04" if context else "") + msgid
        if msgid and key in mapping and mapping[key]:
            keep = [
                line
                for line in block.splitlines()
                if not line.startswith("#|") and not re.match(r"^#,\s*fuzzy\s*$", line)
            ]
            keep = [re.sub(r"^#,(.*)\bfuzzy,?\s*", r"#,\1", line) for line in keep]
            keep = [line for line in keep if line.strip() not in {"#,", "#, "}]
            head = []
            for line in keep:
                if (
                    line.startswith(("msgstr", '"'))
                    and head
                    and head[-1].startswith(("msgstr", '"'))
                    and any(h.startswith("msgstr") for h in head)
                ):
                    continue
                if line.startswith("msgstr"):
                    tag = "msgstr[0]" if plural else "msgstr"
                    head.append(f"{tag} {_quote(mapping[key])}")
                    continue
                head.append(line)
            block = "\n".join(head)
        out.append(block)
    PO.write_text("\n\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()

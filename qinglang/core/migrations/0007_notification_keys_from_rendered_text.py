"""Give existing notifications a message key where their stored text can be matched.

Notifications used to be stored already rendered (in Chinese). Each stored title and body is
matched against the translation catalogue (Chinese msgstr and English msgid patterns, with
`%(name)s` as a wildcard); a match gives the msgid and its parameters, so the row is shown in
the reader's language from now on. A row that matches nothing keeps its text, shown as before.
Reversible: the keys are dropped and the stored text, never changed, is shown again.
"""

import re

from django.conf import settings
from django.db import migrations

PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(text):
    """Return a regex matching `text` with its placeholders as named groups, or None."""
    parts, seen, pos = [], set(), 0
    for m in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[pos : m.start()].replace("%%", "%")))
        name = m.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(rf"(?P<{name}>-?\d+)" if m.group(2) == "d" else rf"(?P<{name}>.+?)")
        pos = m.end()
    parts.append(re.escape(text[pos:].replace("%%", "%")))
    literal = len(PLACEHOLDER.sub("", text))
    if literal < 4:  # too little fixed text to tell one message from another
        return None
    return re.compile("".join(parts), re.DOTALL), literal


def _patterns():
    from django.utils.translation import trans_real

    catalog = trans_real.translation(settings.LANGUAGE_CODE)._catalog
    found = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or not isinstance(msgstr, str):
            continue
        for text in {msgstr, msgid}:
            compiled = _pattern(text)
            if compiled is not None:
                found.append((compiled[1], compiled[0], msgid))
    found.sort(key=lambda item: -item[0])  # the most specific message first
    return found


def _recover(text, patterns):
    if not text:
        return None
    for _literal, regex, msgid in patterns:
        m = regex.fullmatch(text)
        if m:
            params = {
                k: (int(v) if v.lstrip("-").isdigit() and f"%({k})d" in msgid else v)
                for k, v in m.groupdict().items()
            }
            return msgid, params
    return None


def forward(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    rows = Notification.objects.filter(title_key="", body_key="")
    if not rows.exists():
        return
    patterns = _patterns()
    for note in rows.iterator():
        title = _recover(note.title, patterns)
        if title is None:
            continue
        body = _recover(note.body, patterns)
        params = dict(title[1])
        if body is not None and all(params.get(k, v) == v for k, v in body[1].items()):
            params.update(body[1])
        else:
            body = None
        note.title_key, note.params = title[0], params
        note.body_key = body[0] if body else ""
        note.save(update_fields=["title_key", "body_key", "params"])


def backward(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    Notification.objects.update(title_key="", body_key="", params={})


class Migration(migrations.Migration):
    dependencies = [("core", "0006_notification_message_keys_user_language")]

    operations = [migrations.RunPython(forward, backward)]

"""Atom feeds of the exposure board and the typical cases (Django syndication)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from qinglang.disclosure import selectors
from qinglang.disclosure.models import Entry, TypicalCase


class ExposureFeed(Feed):
    """The latest listed entries of published batches."""

    feed_type = Atom1Feed
    title = _("Qinglang exposure board")
    subtitle = _("Websites and accounts named for online extortion or paid deletion")
    link = "/exposure/"

    def items(self) -> list[Entry]:
        return list(selectors.list_public_entries()[:50])

    def item_title(self, item: Entry) -> str:
        v = selectors.current_version(item)
        return f"{item.batch.label} · {v.website_name}"

    def item_description(self, item: Entry) -> str:
        v = selectors.current_version(item)
        return f"{v.get_measure_display()}：{v.summary}"

    def item_link(self, item: Entry) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Entry) -> str:
        return f"qinglang:exposure:{item.pk}:v{item.current_version}"

    def item_pubdate(self, item: Entry) -> dt.datetime | None:
        return item.batch.published_at

    def item_author_name(self, item: Entry) -> str:
        return item.batch.office.name

    def item_extra_kwargs(self, item: Any) -> dict[str, Any]:
        return {}


class TypicalCaseFeed(Feed):
    """The latest published typical cases."""

    feed_type = Atom1Feed
    title = _("Qinglang typical cases")
    subtitle = _("Typical cases of online extortion and paid deletion")
    link = "/typical-cases/"

    def items(self) -> list[TypicalCase]:
        return list(selectors.list_public_typical_cases()[:50])

    def item_title(self, item: TypicalCase) -> str:
        return item.title

    def item_description(self, item: TypicalCase) -> str:
        return item.facts

    def item_link(self, item: TypicalCase) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: TypicalCase) -> dt.datetime | None:
        return item.published_at

    def item_author_name(self, item: TypicalCase) -> str:
        return item.office.name

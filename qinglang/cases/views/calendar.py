"""The iCalendar feed of a user's open deadlines, at a secret address (no session needed)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from qinglang.cases.selectors.deadlines import list_deadlines
from qinglang.cases.services.calendar import feed_user


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Return the feed as text/calendar; an unknown token is a 404. Read-only, logs nothing."""
    user = feed_user(token)
    if user is None:
        raise Http404
    now = timezone.now()
    with translation.override(translation.get_language_from_request(request) or None):
        cal = Calendar()
        cal.add("prodid", "-//Qinglang//deadlines//ZH")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", _("Qinglang deadlines"))
        for item in list_deadlines(user, now=now).items:
            event = Event()
            event.add("uid", f"{item.uid}@qinglang")
            event.add("dtstamp", now)
            event.add("dtstart", item.deadline.astimezone(dt.UTC))
            event.add("dtend", item.deadline.astimezone(dt.UTC))
            event.add("summary", f"[{item.status_label}] {item.title}")
            lines = [item.kind_label, _("Office: %(office)s") % {"office": item.office.name}]
            if item.case is not None:
                lines.append(
                    _("Case %(number)s: %(title)s")
                    % {"number": item.case.number, "title": item.case.title}
                )
            if item.url:
                lines.append(request.build_absolute_uri(item.url))
            event.add("description", "\n".join(lines))
            if item.url:
                event.add("url", request.build_absolute_uri(item.url))
            cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="qinglang-deadlines.ics"'
    return response

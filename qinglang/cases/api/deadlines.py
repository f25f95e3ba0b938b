"""Deadlines API: every open deadline with its status, counts, and the escalations (督办)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.tasks import DeadlinesOut
from qinglang.cases.selectors import handling
from qinglang.cases.selectors.deadlines import (
    KIND_LABELS,
    MAX_PER_KIND,
    STATUS_LABELS,
    DeadlineFilters,
    DeadlineItem,
    DeadlineKind,
    DeadlineStatus,
    list_deadlines,
)
from qinglang.core.api_params import int_schema
from qinglang.core.pagination import MAX_PAGE_SIZE

# Without `limit`, one page of this many items (all kinds together), then `next_cursor`: a
# national plan is never read, built and serialised whole in one request.
DEFAULT_LIMIT = MAX_PAGE_SIZE

# Signed continuation tokens: a cursor names the filters it was made under and expires.
CURSOR_SALT = "qinglang.cases.deadlines"
CURSOR_MAX_AGE = 24 * 3600


class DeadlineCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class DeadlineOfficeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DeadlineItemOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    kind_label = serializers.CharField()
    id = serializers.IntegerField(help_text=_("Id of the report, transfer, extension or task."))
    title = serializers.CharField()
    case = DeadlineCaseOut(allow_null=True)
    office = DeadlineOfficeOut(help_text=_("The office responsible for meeting the deadline."))
    deadline = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=DeadlineStatus.choices)
    status_label = serializers.CharField()
    working_days_left = serializers.IntegerField(
        help_text=_("Working days (Asia/Shanghai) until the deadline; negative once missed.")
    )
    url = serializers.CharField()


class DeadlineCountsOut(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    total = serializers.IntegerField()


class DeadlinePlanOut(DeadlinesOut):
    counts = DeadlineCountsOut(
        help_text=_("Items per status after the kind and office filters (before status).")
    )
    items = DeadlineItemOut(many=True)
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text=_("Pass as cursor to read the items after this page; null on the last."),
    )


class DeadlineFilterIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices, required=False)
    office = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, required=False)
    responsible = serializers.IntegerField(required=False, min_value=1)
    region = serializers.CharField(required=False, allow_blank=False, max_length=6)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PER_KIND)
    cursor = serializers.CharField(required=False, allow_blank=False)


def items_out(items: list[DeadlineItem]) -> list[dict[str, Any]]:
    """Return the items exactly as DeadlineItemOut(many=True) renders them, built directly.

    A national plan holds thousands of items: DRF's per-field machinery and a translation per
    label were half of the answer's time. The labels are translated once per call.
    """
    when = serializers.DateTimeField()
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}
    statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
    return [
        {
            "kind": item.kind,
            "kind_label": kinds[item.kind],
            "id": int(item.id),
            "title": str(item.title),
            "case": None
            if item.case is None
            else {
                "id": int(item.case.id),
                "number": str(item.case.number),
                "title": str(item.case.title),
            },
            "office": {"id": int(item.office.id), "name": str(item.office.name)},
            "deadline": when.to_representation(item.deadline),
            "status": item.status,
            "status_label": statuses[item.status],
            "working_days_left": int(item.working_days_left),
            "url": str(item.url),
        }
        for item in items
    ]


def _filter_key(data: dict[str, Any]) -> list[Any]:
    return [
        data.get("kind", ""),
        data.get("office"),
        data.get("status", ""),
        data.get("responsible"),
        data.get("region", ""),
        data.get("limit"),  # a cursor reads pages of the size it was made with
    ]


def make_cursor(after: tuple[dt.datetime, str, int], data: dict[str, Any]) -> str:
    """Return the signed token of the position after `after` under these filters."""
    deadline, kind, pk = after
    return signing.dumps([deadline.isoformat(), kind, pk, _filter_key(data)], salt=CURSOR_SALT)


def read_cursor(token: str, data: dict[str, Any]) -> tuple[dt.datetime, str, int]:
    """Return the position a token names, or raise a 400 on `cursor` (altered, expired or
    made under other filters)."""
    try:
        deadline, kind, pk, key = signing.loads(token, salt=CURSOR_SALT, max_age=CURSOR_MAX_AGE)
        if key != _filter_key(data) or kind not in DeadlineKind.values or type(pk) is not int:
            raise ValueError(kind)
        return dt.datetime.fromisoformat(deadline), kind, pk
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(
            {"cursor": [_("This cursor is not valid for these filters; start again without it.")]}
        ) from None


class DeadlinesView(APIView):
    """Every open deadline of the organization (offices: and of those under it), and escalations.

    `items` lists reports awaiting triage, transfers awaiting feedback, extension requests and
    open tasks, soonest first, each on track, at risk (at most QINGLANG_DUE_SOON_WORKING_DAYS,
    by default 2, working days left: the dashboard's "due soon") or breached.
    The older keys (overdue_transfers … escalated_against_us) are unchanged and unfiltered.
    A page of `limit` items (200 without it) soonest first, read as values by keyset on the
    deadline indexes, with a `next_cursor` for the next page (null on the last), and at most
    that many in each of the older lists. Counts are the whole plan's.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(DeadlineKind.values)),
            OpenApiParameter(
                "office", int, description=_("An office in your jurisdiction (else 400).")
            ),
            OpenApiParameter("status", str, enum=list(DeadlineStatus.values)),
            OpenApiParameter(
                "responsible",
                int,
                description=_(
                    "Only items this office is responsible for (in your jurisdiction, else 400)."
                ),
            ),
            OpenApiParameter(
                "region",
                str,
                description=_(
                    "Only items whose responsible office lies in this region: 2, 4 or 6 digits "
                    "of a division code, in your jurisdiction (else 400)."
                ),
            ),
            OpenApiParameter(
                "limit",
                int_schema(maximum=MAX_PER_KIND),
                description=_("Items per page, all kinds together (1–2000, default 200)."),
            ),
            OpenApiParameter("cursor", str, description=_("The next_cursor of the previous page.")),
        ],
        responses=DeadlinePlanOut,
    )
    def get(self, request: Request) -> Response:
        params = DeadlineFilterIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        given = dict(params.validated_data)
        limit = given.pop("limit", DEFAULT_LIMIT)
        token = given.pop("cursor", None)
        paged = {**given, "limit": limit}
        after = read_cursor(token, paged) if token is not None else None
        plan = list_deadlines(request.user, DeadlineFilters(**given), limit=limit, after=after)
        overview = handling.deadline_overview(request.user, limit=limit)
        data = dict(DeadlinesOut(overview).data)
        data["counts"] = plan.counts
        data["items"] = items_out(plan.items)
        data["next_cursor"] = make_cursor(plan.next_after, paged) if plan.next_after else None
        return Response(data)

"""`{% report_conversation report %}`: the reporter conversation and review request, for staff."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.intake import conversation
from qinglang.intake.models import Report

register = template.Library()


@register.inclusion_tag("intake/_conversation_staff.html", takes_context=True)
def report_conversation(context: dict[str, Any], report: Report) -> dict[str, Any]:
    """Render the conversation with the reporter, the review request and the question form."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "report": report,
        "messages_list": conversation.conversation_for_staff(report),
        "review": conversation.review_request_of(report),
        "can_ask": conversation.can_ask_question(user, report),
        "question_text": context.get("question_text", ""),
        "question_errors": context.get("question_errors", []),
        "csrf_token": context.get("csrf_token"),
    }

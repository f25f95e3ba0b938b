"""Tasks within a case: assign, comment with @mentions and files, complete or cancel."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.cases.models import Case, DeadlineStage, Task, TaskComment, TaskStatus
from qinglang.cases.selectors.cases import can_handle_case, cases_visible_to
from qinglang.cases.services.deadlines import deadline_for
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.messages import message
from qinglang.core.models import Organization, User
from qinglang.core.services import notify
from qinglang.core.workdays import SHANGHAI
from qinglang.evidence import services as evidence

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MAX_MENTIONS = 20


def case_offices(case: Case) -> set[int]:
    """Return the ids of the offices working the case (lead and co-handling)."""
    return {case.lead_office_id, *case.co_offices.values_list("pk", flat=True)}


def can_work_task(user: User, task: Task) -> bool:
    """Return whether `user` may comment on or complete a task (handlers and the assignee)."""
    if not user.is_authenticated:
        return False
    if task.assignee_user_id == user.pk:
        return True
    if task.assignee_organization_id and task.assignee_organization_id == user.organization_id:
        return True
    return can_handle_case(user, task.case)


def _due(value: Any, errors: dict[str, list[str]]) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors["due"] = [_("Enter a date as YYYY-MM-DD.")]
            return None
    if isinstance(value, dt.datetime):
        due = value if timezone.is_aware(value) else value.replace(tzinfo=SHANGHAI)
    elif isinstance(value, dt.date):
        due = dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=SHANGHAI)
    else:
        errors["due"] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if due < timezone.now():
        errors["due"] = [_("The due date must not be in the past.")]
        return None
    return due


def _pk(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, User | Organization):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@transaction.atomic
def create_task(
    case: Case,
    *,
    title: str,
    acting_user: User,
    description: str = "",
    assignee_user: User | int | None = None,
    assignee_organization: Organization | int | None = None,
    due: Any = None,
) -> Task:
    """Create a task in a case for one person or one office working the case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not can_handle_case(acting_user, case):
        raise NotPermitted(_("You may not add tasks to this case."))
    if not case.is_open:
        raise StateError(_("Tasks can be added only to an open case."))
    errors: dict[str, list[str]] = {}
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(n)s characters.") % {"n": 200}]
    description = description.strip() if isinstance(description, str) else ""
    if len(description) > 10_000:
        errors["description"] = [_("At most %(n)s characters.") % {"n": 10_000}]
    offices = case_offices(case)
    user_pk, org_pk = _pk(assignee_user), _pk(assignee_organization)
    user_obj = org_obj = None
    if (user_pk is None) == (org_pk is None):
        errors["assignee"] = [_("Assign the task to one person or one office.")]
    elif user_pk is not None:
        user_obj = User.objects.filter(
            pk=user_pk, is_active=True, organization_id__in=offices
        ).first()
        if user_obj is None:
            errors["assignee"] = [_("Choose a person in an office working this case.")]
    else:
        org_obj = Organization.objects.filter(pk=org_pk, pk__in=offices).first()
        if org_obj is None:
            errors["assignee"] = [_("Choose an office working this case.")]
    due_at = _due(due, errors)
    if errors:
        raise DomainError(errors)
    now = timezone.now()
    due_at = due_at or deadline_for(
        DeadlineStage.TASK, start=now, category=case.category, urgency=case.urgency
    )
    task = Task.objects.create(
        case=case,
        title=title,
        description=description,
        assignee_user=user_obj,
        assignee_organization=org_obj,
        due_at=due_at,
        created_by=acting_user,
        created_at=now,
    )
    ledger.append(
        task,
        action="task.created",
        actor=acting_user,
        data={
            "case": case.pk,
            "title": title,
            "assignee_user": user_pk,
            "assignee_organization": org_pk,
            "due_at": due_at.isoformat(),
        },
    )
    notify(
        user=user_obj,
        organization=org_obj,
        verb="task.assigned",
        link=task.get_absolute_url(),
        title=message(
            gettext_noop("New task in case %(number)s: %(title)s"),
            **{"number": case.number, "title": title},
        ),
        body=message(
            gettext_noop("Due %(due)s."), **{"due": timezone.localtime(due_at).strftime("%Y-%m-%d")}
        ),
    )
    return task


def _mentioned_users(body: str, case: Case, author: User) -> list[User]:
    """Return the active users named with @username who may see the case."""
    names = list(dict.fromkeys(MENTION_RE.findall(body)))[:MAX_MENTIONS]
    users = []
    for user in User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk):
        if cases_visible_to(user).filter(pk=case.pk).exists():
            users.append(user)
    return users


@transaction.atomic
def comment_on_task(
    task: Task,
    *,
    body: str,
    acting_user: User,
    attachments: Sequence[UploadedFile] = (),
) -> TaskComment:
    """Add a comment (and files) to a task; notify the people it @mentions."""
    task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    if not can_work_task(acting_user, task):
        raise NotPermitted(_("You may not comment on this task."))
    errors: dict[str, list[str]] = {}
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        errors["body"] = [_("This field is required.")]
    elif len(body) > 10_000:
        errors["body"] = [_("At most %(n)s characters.") % {"n": 10_000}]
    files = list(attachments)
    if files:
        try:
            evidence.validate_upload_batch(files)
        except DomainError as exc:
            errors["attachments"] = [str(m) for m in exc.messages]
    if errors:
        raise DomainError(errors)
    comment = TaskComment.objects.create(
        task=task, author=acting_user, body=body, created_at=timezone.now()
    )
    mentioned = _mentioned_users(body, task.case, acting_user)
    comment.mentions.set(mentioned)
    stored = []
    for f in files:
        item = evidence.store_upload(f, added_by=acting_user)
        evidence.attach(item, subject=("cases.task", task.pk), acting_user=acting_user)
        stored.append({"id": item.pk, "sha256": item.blob.sha256})
    ledger.append(
        task,
        action="task.commented",
        actor=acting_user,
        data={
            "comment": comment.pk,
            "body": body,
            "mentions": [u.username for u in mentioned],
            "attachments": stored,
        },
    )
    for user in mentioned:
        notify(
            user=user,
            verb="task.mentioned",
            link=task.get_absolute_url(),
            body=body[:500],
            title=message(
                gettext_noop("%(author)s mentioned you on task %(title)s"),
                **{"author": acting_user, "title": task.title},
            ),
        )
    return comment


@transaction.atomic
def complete_task(task: Task, *, acting_user: User) -> Task:
    """Mark an open task done."""
    task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    if not can_work_task(acting_user, task):
        raise NotPermitted(_("You may not complete this task."))
    if task.status != TaskStatus.OPEN:
        raise StateError(_("Only an open task can be completed."))
    task.status, task.completed_at = TaskStatus.DONE, timezone.now()
    task.save(update_fields=["status", "completed_at"])
    ledger.append(task, action="task.completed", actor=acting_user, data={})
    if task.created_by_id != acting_user.pk:
        notify(
            user=task.created_by,
            verb="task.completed",
            link=task.get_absolute_url(),
            title=message(gettext_noop("Task done: %(title)s"), **{"title": task.title}),
        )
    return task


@transaction.atomic
def cancel_task(task: Task, *, acting_user: User, reason: str = "") -> Task:
    """Cancel an open task (case handlers only)."""
    task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    if not can_handle_case(acting_user, task.case):
        raise NotPermitted(_("You may not cancel this task."))
    if task.status != TaskStatus.OPEN:
        raise StateError(_("Only an open task can be cancelled."))
    task.status, task.completed_at = TaskStatus.CANCELLED, timezone.now()
    task.save(update_fields=["status", "completed_at"])
    ledger.append(
        task,
        action="task.cancelled",
        actor=acting_user,
        data={"reason": (reason or "").strip()[:2000]},
    )
    return task

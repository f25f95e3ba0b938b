"""Closure that closes: a case's open transfers and tasks when it closes, per office policy."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.cases.events import CLOSURE_POLICY_SAVED, TASK_CANCELLED, TRANSFER_WITHDRAWN
from qinglang.cases.models import (
    Case,
    ClosurePolicy,
    ExtensionStatus,
    OpenWorkOnClose,
    TaskStatus,
    TransferStatus,
)
from qinglang.cases.selectors.closure import closure_policy_for, open_work_of
from qinglang.core import jurisdiction, ledger
from qinglang.core.aftercommit import call_after_commit
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Organization, Role, User


class OpenWorkError(StateError):
    """Closing refused: transfers or tasks of the case are still open."""


def can_set_closure_policy(user: User, office: Organization) -> bool:
    """Return whether `user` may change `office`'s policy (its head, or a superior's head)."""
    if not (user.is_authenticated and user.is_active and user.organization_id):
        return False
    if user.is_staff and user.has_perm("cases.change_closurepolicy"):
        return True
    return (
        office.is_regulator
        and user.role == Role.OFFICE_HEAD
        and jurisdiction.can_oversee(user, office)
    )


@transaction.atomic
def set_closure_policy(office: Organization, *, open_work: str, acting_user: User) -> ClosurePolicy:
    """Set what closing a case of `office` does to its open transfers and tasks."""
    if not can_set_closure_policy(acting_user, office):
        raise NotPermitted(_("Only the office head may change the closure policy."))
    if open_work not in OpenWorkOnClose.values:
        raise DomainError({"open_work": [_("Choose one of the listed policies.")]})
    policy, _created = ClosurePolicy.objects.select_for_update().get_or_create(office=office)
    previous = "" if _created else policy.open_work
    policy.open_work = open_work
    policy.save()
    ledger.append(
        policy,
        action=CLOSURE_POLICY_SAVED,
        actor=acting_user,
        data={"office": office.pk, "open_work": open_work, "previous": previous},
    )
    return policy


def settle_open_work(case: Case, *, acting_user: User) -> None:
    """Before a case closes: refuse while work is open, or withdraw it with a notice (policy).

    Runs inside the closing transaction, so a refusal changes nothing.
    """
    work = open_work_of(case)
    if not work:
        return
    if closure_policy_for(case.lead_office) == OpenWorkOnClose.REFUSE:
        raise OpenWorkError(
            {
                "status": _(
                    "This case still has open transfers or tasks; wait for their answers or "
                    "finish them first: %(items)s."
                )
                % {"items": work.describe()}
            }
        )
    now = timezone.now()
    for transfer in work.transfers:
        transfer.status, transfer.closed_at = TransferStatus.WITHDRAWN, now
        transfer.save(update_fields=["status", "closed_at"])
        pending = transfer.extensions.filter(status=ExtensionStatus.PENDING)
        pending.update(
            status=ExtensionStatus.DENIED,
            decided_by=acting_user,
            decided_at=now,
            decision_note=_("The case was closed."),
        )
        ledger.append(
            transfer,
            action=TRANSFER_WITHDRAWN,
            actor=acting_user,
            data={"case": case.pk, "reason": "case_closed"},
        )
        _notice(
            organization_id=transfer.recipient_id,
            link=transfer.get_absolute_url(),
            title=_("Case %(number)s was closed: no answer is needed any more")
            % {"number": case.number},
            body=_("%(kind)s withdrawn because the case was closed.")
            % {"kind": transfer.get_kind_display()},
        )
    for task in work.tasks:
        task.status, task.completed_at = TaskStatus.CANCELLED, now
        task.save(update_fields=["status", "completed_at"])
        ledger.append(
            task, action=TASK_CANCELLED, actor=acting_user, data={"reason": "case_closed"}
        )
        _notice(
            user_id=task.assignee_user_id,
            organization_id=task.assignee_organization_id,
            link=task.get_absolute_url(),
            title=_("Case %(number)s was closed: task %(title)s is cancelled")
            % {"number": case.number, "title": task.title},
        )


def _notice(
    *,
    title: str,
    link: str,
    body: str = "",
    user_id: int | None = None,
    organization_id: int | None = None,
) -> None:
    """Tell the recipient once the closing commits (ids only; never fails the request)."""

    def send() -> None:
        from qinglang.core.services import notify

        notify(
            title=title,
            body=body,
            link=link,
            verb="case.closed_open_work",
            user=User.objects.filter(pk=user_id).first() if user_id else None,
            organization=(
                Organization.objects.filter(pk=organization_id).first() if organization_id else None
            ),
        )

    call_after_commit(send)

"""The comprehensive evaluation (综合评议): veto items, deductions from 100, capped bonus.

The formula is data (`EvaluationFormula.config`, versioned); this module only reads the facts
and applies it. Facts: violation records in force (registry), rectification orders answered on
time (cases transfers of kind rectification_order), audit findings, the share of requests that
passed every check, and enterprise-related requests closed in time. Inspection findings come
from supervision when it is installed, through the selector named in `SUPERVISION_HOOK`
(``count_inspection_findings(website_id, start, end) -> int``, adverse findings in the period);
a formula version uses them with a deduction keyed "inspection_findings".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from qinglang.compliance.models import AuditFinding, DeletionRequest, FlagCode, Verdict
from qinglang.core.workdays import SHANGHAI
from qinglang.registry.models import Website

SUPERVISION_APP = "qinglang.supervision"
SUPERVISION_HOOK = "qinglang.supervision.selectors.count_inspection_findings"


def component_label(key: str) -> str:
    """Return the translated name of a formula component."""
    labels = {
        "violations": _("Violation records in force"),
        "money_involved": _("Requests involving money"),
        "broker_requests": _("Requests from broker contacts or unauthorised agents"),
        "check_compliance": _("Check compliance rate"),
        "audit_non_compliant": _("Non-compliant audit findings"),
        "rectification_late": _("Rectification orders answered late"),
        "report_handling": _("Enterprise-related requests closed in time"),
        "audit_clean": _("Every audited request compliant"),
        "rectification_on_time": _("Every rectification order answered on time"),
        "paid_deletion_confirmed": _("Confirmed paid deletion (veto)"),
        "inspection_findings": _("Adverse inspection findings"),
    }
    return labels.get(key, key)


def dimension_label(key: str) -> str:
    labels = {
        "content_orientation": _("Content orientation"),
        "user_account_management": _("User and account management"),
        "content_safety_controls": _("Content-safety controls"),
        "responsiveness": _("Responsiveness to regulators and reports"),
    }
    return labels.get(key, key)


@dataclass
class Result:
    score: Decimal
    vetoed: bool
    components: list[dict[str, Any]]
    explanation: str


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def facts(website: Website, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Return the counts the formula works on, for one website and period."""
    from qinglang.cases.models import Transfer, TransferKind
    from qinglang.registry.models import ViolationRecord

    low = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    requests = list(
        DeletionRequest.objects.filter(
            website=website, received_at__gte=low, received_at__lt=high
        ).values_list("flagged", "flag_codes", "enterprise_related")
    )
    findings = list(
        AuditFinding.objects.filter(
            request__website=website,
            request__received_at__gte=low,
            request__received_at__lt=high,
        ).values_list("verdict", "paid_deletion_confirmed")
    )
    violations = ViolationRecord.objects.filter(
        website=website, status="active", decided_on__gte=start, decided_on__lte=end
    ).count()
    orders = []
    if website.operator_organization_id:
        orders = list(
            Transfer.objects.filter(
                recipient_id=website.operator_organization_id,
                kind=TransferKind.RECTIFICATION_ORDER,
                sent_at__gte=low,
                sent_at__lt=high,
            ).values_list("deadline", "answered_at")
        )
    now = dt.datetime.now(tz=dt.UTC)
    late_orders = sum(1 for deadline, answered in orders if (answered or now) > deadline)
    enterprise = [r for r in requests if r[2]]
    return {
        "inspection_findings": _inspection_findings(website, start, end),
        "requests": len(requests),
        "unflagged": sum(1 for r in requests if not r[0]),
        "money_involved": sum(1 for r in requests if FlagCode.MONEY_INVOLVED in (r[1] or [])),
        "broker_requests": sum(
            1
            for r in requests
            if {FlagCode.BROKER_CONTACT, FlagCode.UNAUTHORISED_AGENT} & set(r[1] or [])
        ),
        "enterprise": len(enterprise),
        "enterprise_in_time": sum(1 for r in enterprise if FlagCode.LATE not in (r[1] or [])),
        "audited": len(findings),
        "audit_non_compliant": sum(1 for v, _p in findings if v == Verdict.NON_COMPLIANT),
        "paid_deletion_confirmed": sum(1 for _v, p in findings if p),
        "violations": violations,
        "orders": len(orders),
        "rectification_late": late_orders,
    }


def _inspection_findings(website: Website, start: dt.date, end: dt.date) -> int:
    """Return adverse inspection findings from supervision (0 when it is not installed)."""
    if not apps.is_installed(SUPERVISION_APP):
        return 0
    import importlib

    module_name, _dot, name = SUPERVISION_HOOK.rpartition(".")
    try:
        hook = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return 0
    return int(hook(website.pk, start, end))


def _explain(key: str, f: dict[str, Any], rate: Decimal | None) -> str:
    if key == "violations":
        return _("%(n)s violation records in force decided in the period.") % {"n": f["violations"]}
    if key == "money_involved":
        return _("%(n)s requests recorded money changing hands.") % {"n": f["money_involved"]}
    if key == "broker_requests":
        return _("%(n)s requests came from broker contacts or unauthorised agents.") % {
            "n": f["broker_requests"]
        }
    if key == "check_compliance":
        if not f["requests"]:
            return _("No requests in the period: nothing deducted.")
        return _("%(ok)s of %(n)s requests passed every check (%(rate)s%%).") % {
            "ok": f["unflagged"],
            "n": f["requests"],
            "rate": rate,
        }
    if key == "audit_non_compliant":
        return _("%(bad)s of %(n)s audited requests were non-compliant.") % {
            "bad": f["audit_non_compliant"],
            "n": f["audited"],
        }
    if key == "rectification_late":
        return _("%(late)s of %(n)s rectification orders were answered late.") % {
            "late": f["rectification_late"],
            "n": f["orders"],
        }
    if key == "report_handling":
        if not f["enterprise"]:
            return _("No enterprise-related requests in the period: nothing deducted.")
        return _(
            "%(ok)s of %(n)s enterprise-related requests were closed in time (%(rate)s%%)."
        ) % {
            "ok": f["enterprise_in_time"],
            "n": f["enterprise"],
            "rate": rate,
        }
    if key == "inspection_findings":
        return _("%(n)s adverse inspection findings in the period.") % {
            "n": f["inspection_findings"]
        }
    if key == "audit_clean":
        return _("Awarded when at least one request was audited and all were compliant.")
    if key == "rectification_on_time":
        return _("Awarded when at least one order was received and all were answered on time.")
    return ""


def score(website: Website, *, start: dt.date, end: dt.date, config: dict[str, Any]) -> Result:
    """Apply a formula to a website's facts for a period; every component explains itself."""
    f = facts(website, start=start, end=end)
    base = Decimal(str(config.get("base", 100)))
    components: list[dict[str, Any]] = []
    deducted = Decimal(0)
    for item in config.get("deductions", []):
        key = item["key"]
        rate: Decimal | None = None
        if "per_item" in item:
            weight = Decimal(str(item["per_item"]))
            points = min(Decimal(f.get(key, 0)) * weight, Decimal(str(item.get("cap", 100))))
        else:
            weight = Decimal(str(item.get("weight", 0)))
            total, ok = (
                (f["requests"], f["unflagged"])
                if key == "check_compliance"
                else (f["enterprise"], f["enterprise_in_time"])
            )
            share = Decimal(ok) / Decimal(total) if total else Decimal(1)
            rate = _round(share * 100)
            points = weight * (1 - share)
        points = _round(points)
        deducted += points
        components.append(
            {
                "name": component_label(key),
                "key": key,
                "dimension": item.get("dimension", ""),
                "dimension_name": dimension_label(item.get("dimension", "")),
                "value": float(-points),
                "weight": float(weight),
                "explanation": _explain(key, f, rate),
            }
        )
    bonus = Decimal(0)
    for item in config.get("bonuses", []):
        key = item["key"]
        earned = (
            f["audited"] > 0 and f["audit_non_compliant"] == 0
            if key == "audit_clean"
            else f["orders"] > 0 and f["rectification_late"] == 0
        )
        points = Decimal(str(item.get("points", 0))) if earned else Decimal(0)
        bonus += points
        components.append(
            {
                "name": component_label(key),
                "key": key,
                "dimension": item.get("dimension", ""),
                "dimension_name": dimension_label(item.get("dimension", "")),
                "value": float(points),
                "weight": float(item.get("points", 0)),
                "explanation": _explain(key, f, None),
            }
        )
    bonus = min(bonus, Decimal(str(config.get("bonus_cap", 0))))
    vetoed = any(f.get(key, 0) for key in config.get("veto", []))
    total = max(Decimal(0), base - deducted) + bonus
    if vetoed:
        components.insert(
            0,
            {
                "name": component_label("paid_deletion_confirmed"),
                "key": "paid_deletion_confirmed",
                "dimension": "content_orientation",
                "dimension_name": dimension_label("content_orientation"),
                "value": float(-total),
                "weight": 0.0,
                "explanation": _("%(n)s audit findings confirmed paid deletion: the period fails.")
                % {"n": f["paid_deletion_confirmed"]},
            },
        )
        total = Decimal(0)
        explanation = _("Failed by a veto item: paid deletion was confirmed in the period.")
    else:
        explanation = _(
            "%(base)s points, minus %(deducted)s in deductions, plus %(bonus)s bonus "
            "(at most %(cap)s) = %(score)s."
        ) % {
            "base": base,
            "deducted": _round(deducted),
            "bonus": _round(bonus),
            "cap": config.get("bonus_cap", 0),
            "score": _round(total),
        }
    return Result(
        score=_round(total), vetoed=vetoed, components=components, explanation=explanation
    )

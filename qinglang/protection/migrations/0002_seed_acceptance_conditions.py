"""Seed the acceptance conditions for enterprise-related reports (2023 norms), editable later."""

from django.db import migrations

CONDITIONS = [
    (
        "identifies-target",
        "identifies_target",
        "写明侵权主体：账号、网站或网址",
        "请写明是谁：对方的账号、网站名称或网址（至少一项）。",
        [],
    ),
    (
        "describes-facts",
        "describes_facts",
        "说明事实经过",
        "请简单说明发生了什么（至少 10 个字）。",
        [],
    ),
    (
        "names-content",
        "names_content",
        "提供涉及内容的具体链接",
        "请提供涉及贵企业的内容的网址，以便取证和处置。",
        ["impersonation", "infringing_content"],
    ),
    (
        "has-evidence",
        "has_evidence",
        "提供证据材料（截图、聊天记录、转账记录或网址）",
        "请上传至少一份证据（截图、聊天记录、转账记录）或填写内容网址，平台会自动取证。",
        [],
    ),
    (
        "states-demand",
        "states_demand",
        "说明对方的要求（金额或付款方式）",
        "请写明对方要多少钱，或要求以什么方式付款（例如微信、银行转账）。",
        ["extortion_threat", "deletion_offer"],
    ),
    (
        "has-contact",
        "has_contact",
        "留下联系方式以便核实",
        "请留下电话或电子邮箱，以便工作人员与您核实。",
        [],
    ),
]


def seed(apps, schema_editor):
    condition_model = apps.get_model("protection", "AcceptanceCondition")
    for position, (code, rule, label, message, incidents) in enumerate(CONDITIONS):
        condition_model.objects.update_or_create(
            code=code,
            defaults={
                "rule": rule,
                "label": label,
                "missing_message": message,
                "incidents": incidents,
                "position": position * 10,
            },
        )


def unseed(apps, schema_editor):
    condition_model = apps.get_model("protection", "AcceptanceCondition")
    condition_model.objects.filter(code__in=[c[0] for c in CONDITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("protection", "0001_enterprises_and_protection_cases")]

    operations = [migrations.RunPython(seed, unseed)]

"""Report analysis stores the genre; handler decisions export as labels for the genre model."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from qinglang.analysis import training
from qinglang.cases.services.triage import accept_report
from qinglang.intake import services
from qinglang.intake.models import DeclineReason, Report
from tests.cases.factories import make_report

pytestmark = pytest.mark.django_db


def _export(tmp_path=None) -> list[dict]:
    out = io.StringIO()
    call_command("export_labels", stdout=out, stderr=io.StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_analysis_stores_genre_and_explained_reasons(world):
    text = "专业删帖，先删后付，加微信 shantie888，百度贴吧负面都能处理"
    report = make_report(world.shenzhen_office, description=text)
    assert services.analyse_report(report.pk)
    report.refresh_from_db()
    stored = report.analysis["classification"]
    assert set(stored) == {"genre", "category", "score", "reasons"}
    assert (stored["genre"], stored["category"]) == ("offer", "paid_deletion")
    for reason in stored["reasons"]:
        assert text[reason["start"] : reason["end"]] == reason["phrase"]


def test_decisions_export_as_labels(world, tmp_path):
    offer = make_report(world.shenzhen_office, description="专业删帖，先删后付，QQ 12345678")
    services.analyse_report(offer.pk)
    accept_report(Report.objects.get(pk=offer.pk), acting_user=world.shenzhen_user)
    rules = make_report(world.shenzhen_office, description="本版禁止发布广告，违者删帖封号。")
    services.record_decline(
        rules,
        reason_code=DeclineReason.OUT_OF_SCOPE,
        reason_text="不属于受理范围。",
        acting_user=world.shenzhen_user,
    )
    thin = make_report(world.shenzhen_office, description="有人要删帖，具体情况不清楚。")
    services.record_decline(
        thin,
        reason_code=DeclineReason.INSUFFICIENT_EVIDENCE,
        reason_text="证据不足。",
        acting_user=world.shenzhen_user,
    )
    internal = make_report(world.shenzhen_office, description="内部事项", is_internal=True)
    make_report(world.shenzhen_office, description="尚未处理的举报")

    labels = {r["source"]: r for r in _export()}
    assert set(labels) == {
        f"intake.report:{offer.tracking_code}",
        f"intake.report:{rules.tracking_code}",
        f"intake.report:{thin.tracking_code}",
    }
    assert f"intake.report:{internal.tracking_code}" not in labels
    accepted = labels[f"intake.report:{offer.tracking_code}"]
    assert (accepted["genre"], accepted["label"]) == ("offer", "accepted")
    declined = labels[f"intake.report:{rules.tracking_code}"]
    assert (declined["genre"], declined["label"]) == ("other", "declined")
    # A decline for thin evidence says nothing about the genre.
    assert labels[f"intake.report:{thin.tracking_code}"]["genre"] is None

    # The file feeds training: genre-less records are skipped, the rest load.
    path = tmp_path / "labels.jsonl"
    call_command("export_labels", output=path, stderr=io.StringIO())
    examples = training.load_examples([path])
    assert sorted(e.genre for e in examples) == ["offer", "other"]


def test_monitoring_decisions_export_as_labels(world):
    from qinglang.intake.management.commands.export_labels import monitoring_labels
    from qinglang.monitoring.models import Hit, HitStatus
    from tests.monitoring.factories import make_hit, make_source

    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    confirmed = make_hit(source, key="a")
    dismissed = make_hit(
        source, key="b", text="本版规定：发布删帖广告者，违者删帖封号。删帖请走官方申诉。"
    )
    Hit.objects.filter(pk=confirmed.pk).update(status=HitStatus.CONFIRMED, genre="offer")
    Hit.objects.filter(pk=dismissed.pk).update(status=HitStatus.DISMISSED)
    records = {r["source"]: r for r in monitoring_labels()}
    assert records[f"monitoring.hit:{confirmed.pk}"]["genre"] == "offer"
    assert records[f"monitoring.hit:{confirmed.pk}"]["label"] == "confirmed"
    assert records[f"monitoring.hit:{dismissed.pk}"] == {
        "text": dismissed.text,
        "genre": "other",
        "label": "dismissed",
        "category": dismissed.category or None,
        "source": f"monitoring.hit:{dismissed.pk}",
    }
    import json

    json.dumps(list(records.values()), ensure_ascii=False)  # every record is plain JSON

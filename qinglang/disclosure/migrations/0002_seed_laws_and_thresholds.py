"""Seed the laws library and the criminal thresholds (data; reversible)."""

from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from ._seed_0002_frozen import INSTRUMENTS, THRESHOLDS, article_heading

    instrument_model = apps.get_model("disclosure", "LawInstrument")
    version_model = apps.get_model("disclosure", "LawVersion")
    article_model = apps.get_model("disclosure", "LawArticle")
    threshold_model = apps.get_model("disclosure", "Threshold")
    by_slug = {}
    for data in INSTRUMENTS:
        fields = {k: v for k, v in data.items() if k not in ("articles", "slug")}
        instrument, _created = instrument_model.objects.get_or_create(
            slug=data["slug"], defaults={**fields, "current_version": 1}
        )
        by_slug[data["slug"]] = instrument
        version, _created = version_model.objects.get_or_create(
            instrument=instrument,
            number=1,
            defaults={"source": "seed", "note": "条文摘要（非官方文本）"},
        )
        for number, summary in data["articles"]:
            article_model.objects.get_or_create(
                version=version,
                number=number,
                defaults={"heading": article_heading(number), "summary": summary},
            )
    for (
        slug,
        article,
        offence,
        offender,
        kind,
        gravity,
        amount,
        low,
        high,
        province,
        note,
    ) in THRESHOLDS:
        threshold_model.objects.get_or_create(
            offence=offence,
            offender=offender,
            amount_kind=kind,
            gravity=gravity,
            province_code=province or "",
            defaults={
                "instrument": by_slug[slug],
                "article_number": article,
                "amount": Decimal(amount),
                "range_low": Decimal(low) if low else None,
                "range_high": Decimal(high) if high else None,
                "note": note,
            },
        )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from ._seed_0002_frozen import INSTRUMENTS

    slugs = [d["slug"] for d in INSTRUMENTS]
    apps.get_model("disclosure", "Threshold").objects.filter(instrument__slug__in=slugs).delete()
    apps.get_model("disclosure", "LawInstrument").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_laws_board_typical_cases_open_data")]

    operations = [migrations.RunPython(seed, unseed)]

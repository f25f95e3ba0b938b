"""Seed the norms catalogue (version 1) and evaluation formula version 1."""

from django.db import migrations

from ._seed_0002_frozen import load_catalogue


def seed(apps, schema_editor):
    load_catalogue(
        apps.get_model("compliance", "Norm"), apps.get_model("compliance", "EvaluationFormula")
    )


def unseed(apps, schema_editor):
    apps.get_model("compliance", "Norm").objects.filter(version=1).delete()
    apps.get_model("compliance", "EvaluationFormula").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

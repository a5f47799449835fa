from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from linli.cases.catalogue import load_catalogue

    load_catalogue(apps.get_model("cases", "Category"), apps.get_model("accounts", "Department"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

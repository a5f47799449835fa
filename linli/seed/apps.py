from __future__ import annotations

from django.apps import AppConfig


class SeedConfig(AppConfig):
    """The synthetic demo city: an app only so that ``manage.py seed`` (its management command) is found.

    It has no models. It sits on top of the layers (it writes places, people and cases), so the
    command lives here rather than in core (docs/architecture.md, "Layers").
    """

    name = "linli.seed"
    label = "seed"
    verbose_name = "演示数据"

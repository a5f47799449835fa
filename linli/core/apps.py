from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "核心机制"

    def ready(self) -> None:
        from linli.core import lookups, signals  # noqa: F401  (the __subtree lookup; audit receivers)

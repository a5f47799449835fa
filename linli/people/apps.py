from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = "实有人口"

    def ready(self) -> None:
        from linli.people import signals  # noqa: F401  (keeps the search index in step with Person)

"""Keep the person search index (linli.people.search) in step with Person rows.

``Person.save()`` and ``delete()`` are covered here; bulk writes that bypass signals
(bulk_create, queryset.update) call ``linli.people.search.index_persons(ids)`` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from linli.people.models import Person
from linli.people.search import index_persons, unindex_persons

INDEXED_FIELDS = frozenset({"name", "former_names", "current_address", "registered_address"})


@receiver(post_save, sender=Person, dispatch_uid="people_search_index_save")
def reindex_person(sender: Any, instance: Person, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and not INDEXED_FIELDS.intersection(update_fields):
        return
    index_persons([instance.pk], using=kwargs.get("using") or "default")


@receiver(post_delete, sender=Person, dispatch_uid="people_search_index_delete")
def unindex_person(sender: Any, instance: Person, **kwargs: Any) -> None:
    unindex_persons([instance.pk], using=kwargs.get("using") or "default")

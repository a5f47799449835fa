"""Scoped rows: the models that copy a region's path (``region`` + ``region_path``), and the one
UPDATE per table that rewrites those paths when a region moves."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr

from linli.places.models import Region

if TYPE_CHECKING:
    pass


@cache
def scoped_models() -> tuple[type[models.Model], ...]:
    """Every model following the scoped-row convention: a ``region`` FK to Region plus ``region_path``.

    Found from the app registry so later apps' rows (persons, cases …) are rewritten too. The audit
    table stores a ``region_path`` but no ``region`` key: history is never rewritten.
    """
    found = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        region_fk = names.get("region")
        if (
            "region_path" in names
            and region_fk is not None
            and region_fk.is_relation
            and region_fk.related_model is Region
        ):
            found.append(model)
    return tuple(found)


@cache
def _region_foreign_keys() -> tuple[tuple[type[models.Model], str], ...]:
    """(model, field name) of every concrete foreign key to Region, for repointing on merge."""
    found = []
    for model in apps.get_models():
        if model is Region:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Region and (f.many_to_one or f.one_to_one):
                found.append((model, f.name))
    return tuple(found)


def _rewrite_paths(old_prefix: str, new_prefix: str) -> None:
    """One UPDATE per scoped table: region_path old_prefix… → new_prefix…; works on SQLite and PostgreSQL."""
    if old_prefix == new_prefix:
        return
    new_value = Concat(Value(new_prefix), Substr("region_path", len(old_prefix) + 1), output_field=CharField())
    for model in scoped_models():
        model._base_manager.filter(region_path__subtree=old_prefix).update(region_path=new_value)

"""Pagination for large scoped lists.

``Paginator(queryset.select_related(...))`` makes the database sort whole joined rows to return twenty:
at 1 M cases a subdistrict's newest-first page 1 took 655 ms on SQLite. ``DeferredJoinPaginator`` pages
over primary keys first — a sort the database answers from an index alone — then loads only that page's
rows with their joins (34 ms; bench/cases.py (b)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class DeferredJoinPaginator(Paginator):
    """A Paginator over an ordered queryset whose page rows are fetched by primary key with ``related`` joins."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, related: Sequence[str] = (), **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.related = tuple(related)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = queryset.model._default_manager.filter(pk__in=keys).select_related(*self.related)
        by_key = {row.pk: row for row in rows}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)  # type: ignore[attr-defined]

"""One filter per list: the FilterSet that a page and its API endpoint share (django-filter).

Each app keeps its lists' filters in ``<app>/filters.py``, one ``ScopedFilterSet`` per list. The
API viewset names it (``filterset_class``; ``core.api.ScopedViewSet`` runs it through
``ListFilterBackend``) and the page builds it from ``request.GET`` and renders ``filterset.form``,
so a criterion is written once and the page and the API cannot drift apart (they did: the person
list's ``kind`` was a join on the page and a subquery in the API).

The two callers differ only in what a bad value does:

- the API answers 400 ``{"field": ["message"]}`` for a malformed value (``?region=abc``), in the
  request's language, and ignores parameters it does not know;
- the page ignores a malformed value (``filterset.qs`` applies only the fields that validated), so
  an edited URL never gives an error page.

Scope: a FilterSet narrows rows the caller may already see; it never widens them. The queryset it
filters is ``visible_to(request.user)`` (the default when none is given), and choices that list
related rows (tags, buildings) are limited to what the user may see (``limit_to``). An id filter
(``IdFilter``) pointing at a row the caller cannot see matches nothing, exactly as a missing id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import django_filters
from django import forms
from django.db import models
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

if TYPE_CHECKING:
    from django.http import HttpRequest

    from linli.core.actors import MaybeActor

# The largest id a database column holds; a longer number is malformed, not a 500 from the driver.
MAX_ID = 2**63 - 1

# The API's messages stay those of its serializers (docs/api.md shows them); DRF's catalogue has them.
INVALID_INTEGER = serializers.IntegerField.default_error_messages["invalid"]
INVALID_BOOLEAN = serializers.BooleanField.default_error_messages["invalid"]


# --- fields and filters ----------------------------------------------------------------------


class IdField(forms.IntegerField):
    """A positive row id (1 … 2⁶³−1)."""

    default_error_messages = {"invalid": INVALID_INTEGER}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """``?building=<id>``: rows whose ``field_name`` is that id. The rows are already scoped, so an id
    outside the caller's scope matches nothing, like a missing one. ``widget=forms.Select`` with
    choices set in ``limit_to`` gives a page a select; the API still takes any id."""

    field_class = IdField


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also 1/0, yes/no, on/off), as the API's serializers read them; anything
    else is malformed (django-filter's own boolean silently reads it as "no filter")."""

    default_error_messages = {"invalid": INVALID_BOOLEAN}
    TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
    FALSE = frozenset({"false", "0", "no", "off", "f", "n"})

    def to_python(self, value: Any) -> bool | None:
        if value in EMPTY_VALUES:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class SubtreeFilter(IdFilter):
    """``?region=<id>``: rows in that region and its whole subtree ("all buildings of a community").

    ``tree`` is the tree model (``places.Region``; core names no app, so the caller passes it) and
    ``field_name`` the rows' path column (``region_path``). The node is looked up by id without
    scope on purpose: the rows filtered are already ``visible_to`` the caller, so a missing id and a
    region outside the caller's scope both give no rows, and an ancestor of the caller's scope gives
    the visible part of its subtree (docs/api.md: filters narrow, never widen).
    """

    def __init__(self, tree: type[models.Model], *, field_name: str = "region_path", **kwargs: Any) -> None:
        self.tree = tree
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs: models.QuerySet[Any], value: Any) -> models.QuerySet[Any]:
        if value in EMPTY_VALUES:
            return qs
        path = self.tree._default_manager.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        return qs.filter(**{f"{self.field_name}__subtree": path})


def subtree_filter(tree: type[models.Model], help_text: Any, *, field_name: str = "region_path") -> SubtreeFilter:
    """The ``region`` filter of a list: ``region = subtree_filter(Region, _("该区域及其全部下级中的…"))``."""
    return SubtreeFilter(tree, field_name=field_name, help_text=help_text)


# --- the base FilterSet ------------------------------------------------------------------------


class ScopedFilterSet(django_filters.FilterSet):
    """Base of every list's FilterSet: built with the request, filters only what its user may see.

    ``ScopedFilterSet(data, queryset=None, request=request)``: without a queryset it filters
    ``Meta.model.objects.visible_to(request.user)`` (``visible_rows``), never the whole table.
    Subclasses narrow choices that list related rows in ``limit_to(user)`` — set
    ``self.filters[name].extra["choices"]`` (or a widget) before the form is built.
    """

    # Filters shown on the page only as hidden inputs (the API's, which a link may carry along).
    hidden_on_page: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: models.QuerySet[Any] | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        self.user: MaybeActor = getattr(request, "user", None)
        if queryset is None:
            queryset = self.visible_rows(self.user)
        super().__init__(data, queryset, request=request, prefix=prefix)
        for declared in self.filters.values():
            # A form field built on the class's filter (the OpenAPI schema reads ``filter.field``) is
            # deep-copied with it and would keep the class's empty choices: build this user's own.
            declared.__dict__.pop("_field", None)
        self.limit_to(self.user)
        for name in self.hidden_on_page:
            self.filters[name].extra["widget"] = forms.HiddenInput

    def visible_rows(self, user: MaybeActor) -> models.QuerySet[Any]:
        """The rows this list starts from when the caller gives none: what ``user`` may see."""
        manager: Any = self._meta.model._default_manager
        rows: models.QuerySet[Any] = manager.all().visible_to(user)
        return rows

    def limit_to(self, user: MaybeActor) -> None:
        """Narrow choices of related rows to what ``user`` may see. Subclasses override."""

    def chosen(self) -> dict[str, Any]:
        """The filters in effect: each valid, non-empty value by name (for an export's audit row)."""
        self.errors  # noqa: B018  (validates the form)
        return {name: value for name, value in self.form.cleaned_data.items() if value not in EMPTY_VALUES}


def set_choices(filterset: ScopedFilterSet, name: str, choices: Iterable[tuple[Any, Any]]) -> None:
    """Give filter ``name`` of ``filterset`` its choices (before its form is built)."""
    filterset.filters[name].extra["choices"] = list(choices)


# --- the API's backend and its schema -------------------------------------------------------------


class ListFilterBackend(DjangoFilterBackend):
    """django-filter's DRF backend, applied to ``list`` only: a retrieve or a detail route
    (``persons/{id}/history/``) is never narrowed, or refused, by the query string."""

    def filter_queryset(self, request: Any, queryset: models.QuerySet[Any], view: Any) -> models.QuerySet[Any]:
        if getattr(view, "action", "list") != "list":
            return queryset
        result: models.QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return result


class ListFilterSchema(DjangoFilterExtension):
    """drf-spectacular documents each FilterSet's parameters itself; this adds what it leaves out:
    the ``help_text`` as the description also where a filter declares its type (``IdFilter`` …),
    and the form field's bounds (an id's minimum, a search's maximum length)."""

    target_class = "linli.core.filters.ListFilterBackend"
    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        text = filter_field.extra.get("help_text") or filter_field.label
        # A throwaway field: ``filter_field.field`` would cache one on the class's filter, and every
        # FilterSet copied from it later would keep that field and ignore choices set in limit_to.
        field = filter_field.field_class(label=filter_field.label, **filter_field.extra)
        bounds = {
            "minimum": getattr(field, "min_value", None),
            "maximum": getattr(field, "max_value", None),
            "maxLength": getattr(field, "max_length", None),
        }
        for parameter in parameters:
            if text and not parameter.get("description"):
                parameter["description"] = str(text)
            schema = parameter.setdefault("schema", {})
            schema.update({key: value for key, value in bounds.items() if value is not None and key not in schema})
        return parameters


__all__ = [
    "MAX_ID",
    "IdField",
    "IdFilter",
    "ListFilterBackend",
    "ScopedFilterSet",
    "StrictBooleanField",
    "StrictBooleanFilter",
    "SubtreeFilter",
    "set_choices",
    "subtree_filter",
]

"""The registry's list filters: one FilterSet per list, shared by the person list page and the API.

``PersonFilterSet`` is the union of what the page (people:list and its CSV export) and
``/api/v1/persons/`` filtered by, each criterion written once. They had drifted: the page's
``kind`` was a join on any current residence, the API's a subquery on the visible ones; the page
had ``age`` and ``building``, the API ``region`` and ``house``. Now both take all of them, with these
rules (all also in docs/api.md):

- ``kind``: the person has a current residence of that kind among the residences the caller may
  see (a subquery, so a person is never listed twice);
- ``tag``: a tag the caller may see (protected tags only for the roles they name), currently on
  the person; another code is malformed (400 in the API, ignored on the page);
- ``age``: an age band (``AGE_BANDS``) in whole years on today's date;
- ``building``: the person's current house is in that building; ``house``: that house;
  ``region``: the person is filed in that region's subtree;
- ``q``: the registry search (linli.people.search.search_persons), applied last, best match first.

The page opens on the persons in the register (``status=active``) when the URL names no status; the
API lists every status unless asked. That default is the page's (people.views), not the filter's.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from linli.core.filters import IdFilter, ScopedFilterSet, StrictBooleanFilter, subtree_filter
from linli.people.choices import PersonStatus, ResidenceKind
from linli.people.models import Household, Person, PersonTag, Residence, Tag
from linli.people.queries import tags_visible_to
from linli.people.search import search_persons
from linli.places.models import Building, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User
    from linli.core.actors import MaybeActor

SEARCH_MAX_LENGTH = 100
# A building select with more choices than this is no help on a phone (a district's thousands):
# the page then carries the filter as a hidden field and offers no select.
MAX_BUILDING_CHOICES = 300

AGE_BANDS: dict[str, tuple[Any, int | None, int | None]] = {
    # key: (label, youngest age, oldest age) — inclusive, whole years
    "child": (_("未成年（0–17 岁）"), 0, 17),
    "adult": (_("18–59 岁"), 18, 59),
    "senior": (_("60–79 岁"), 60, 79),
    "elder": (_("80 岁及以上"), 80, None),
}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def age_bounds(band: str, today: date) -> Q:
    """Birth dates of the persons whose age in whole years lies in the band."""
    _label, youngest, oldest = AGE_BANDS[band]
    condition = Q()
    if youngest is not None:
        condition &= Q(birth_date__lte=_years_before(today, youngest))
    if oldest is not None:
        # Older than ``oldest`` means born on or before the day ``oldest + 1`` years ago.
        condition &= Q(birth_date__gt=_years_before(today, oldest + 1))
    return condition


def _as_user(user: MaybeActor) -> User | AnonymousUser | None:
    """Core types the filter's user as an ``Actor``; above accounts it is an ``accounts.User``."""
    return cast("User | AnonymousUser | None", user)


def building_choices(user: User | AnonymousUser | None) -> list[tuple[int, str]]:
    """The visible buildings as select choices by address, or none when there are too many."""
    buildings = list(
        Building.objects.visible_to(user)
        .order_by("address", "pk")
        .values_list("pk", "address")[: MAX_BUILDING_CHOICES + 1]
    )
    return [] if len(buildings) > MAX_BUILDING_CHOICES else buildings


class PersonFilterSet(ScopedFilterSet):
    """The person list (people:list, its export, ``/api/v1/persons/``). Declared in the page's order."""

    kind = django_filters.ChoiceFilter(
        choices=ResidenceKind.choices,
        method="filter_kind",
        empty_label=_("全部类型"),
        label=_("人口类型"),
        help_text=_("人口类型（当前居住）"),
    )
    tag = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ChoiceFilter(
            method="filter_tag",
            empty_label=_("全部标签"),
            label=_("标签"),
            help_text=_("标签代码：带有该标签（当前有效）的人员"),
        )
    )
    age = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _lo, _hi) in AGE_BANDS.items()],
        method="filter_age",
        empty_label=_("全部年龄"),
        label=_("年龄段"),
    )
    status = django_filters.ChoiceFilter(
        choices=PersonStatus.choices, empty_label=_("全部状态"), label=_("状态"), help_text=_("状态")
    )
    building = IdFilter(field_name="house__building_id", label=_("楼栋"), help_text=_("楼栋编号"))
    region = subtree_filter(Region, _("任一区域的编号：列出该区域及其全部下级中的人员"))
    house = IdFilter(field_name="house_id", help_text=_("现住房屋编号"))
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        label=_("搜索"),
        help_text=_("搜索：姓名（全名或部分）、拼音、拼音首字母、身份证号（精确）、电话、地址"),
    )

    hidden_on_page = ("region", "house")

    class Meta:
        model = Person
        fields: list[str] = []

    def limit_to(self, user: MaybeActor) -> None:
        # A callable: the tag query runs only when a tag is asked for or the page renders the select.
        self.filters["tag"].extra["choices"] = lambda: [(tag.code, tag.name) for tag in self.visible_tags]

    @cached_property
    def visible_tags(self) -> list[Tag]:
        """The tags the user may see, in the select's order (the page also shows them on each card)."""
        return list(tags_visible_to(_as_user(self.user)).order_by("category__code", "code"))

    def page_form(self) -> forms.Form:
        """The form the list page renders: the building filter as a select of the visible buildings,
        or as a hidden field when there are more than ``MAX_BUILDING_CHOICES``."""
        form: forms.Form = self.form
        for page_field in form.fields.values():
            page_field.help_text = ""  # the API's descriptions; the page shows labels only
        choices = building_choices(_as_user(self.user))
        field = form.fields["building"]
        if choices:
            field.widget = forms.Select(choices=[("", gettext("全部楼栋")), *choices])
        else:
            field.widget = forms.HiddenInput()
        return form

    def filter_kind(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        residents = Residence.objects.visible_to(self.user).current().filter(kind=value)
        return queryset.filter(pk__in=residents.values("person_id"))

    def filter_tag(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        tagged = (
            PersonTag.objects.visible_to(self.user)
            .current()
            .filter(tag__code=value, tag__in=tags_visible_to(_as_user(self.user)))
        )
        return queryset.filter(pk__in=tagged.values("person_id"))

    def filter_age(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(age_bounds(value, timezone.localdate()))

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search_persons(queryset, value)


class HouseholdFilterSet(ScopedFilterSet):
    region = subtree_filter(Region, _("该区域及其全部下级中的户"))
    house = IdFilter(field_name="house_id", help_text=_("房屋编号"))
    q = django_filters.CharFilter(field_name="number", lookup_expr="startswith", max_length=32, help_text=_("户号开头"))

    class Meta:
        model = Household
        fields: list[str] = []


class ResidenceFilterSet(ScopedFilterSet):
    region = subtree_filter(Region, _("该区域及其全部下级中的居住登记"))
    person = IdFilter(field_name="person_id", help_text=_("人员编号"))
    house = IdFilter(field_name="house_id", help_text=_("房屋编号"))
    kind = django_filters.ChoiceFilter(choices=ResidenceKind.choices, help_text=_("人口类型"))
    current = StrictBooleanFilter(method="filter_current", help_text=_("true：只列出当前居住（未迁出）"))

    class Meta:
        model = Residence
        fields: list[str] = []

    def filter_current(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset.filter(ended_on__isnull=value)


class TagFilterSet(ScopedFilterSet):
    """Tags are not scoped rows: what a user may see is the tag's visibility and their roles."""

    category = django_filters.CharFilter(field_name="category__code", max_length=32, help_text=_("分类代码"))

    class Meta:
        model = Tag
        fields: list[str] = []

    def visible_rows(self, user: MaybeActor) -> QuerySet[Any]:
        return tags_visible_to(_as_user(user))


__all__ = [
    "AGE_BANDS",
    "MAX_BUILDING_CHOICES",
    "HouseholdFilterSet",
    "PersonFilterSet",
    "ResidenceFilterSet",
    "TagFilterSet",
    "age_bounds",
    "building_choices",
]

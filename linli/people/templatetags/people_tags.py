"""Template helpers that let pages of other apps show registry data (the house page's residents)."""

from __future__ import annotations

from typing import Any

from django import template

from linli.people.models import Household, Residence

register = template.Library()


@register.simple_tag
def house_residents(house: Any, user: Any) -> list[Residence]:
    """Current residences at ``house`` that ``user`` may see, with their persons (one query)."""
    return list(
        Residence.objects.visible_to(user)
        .current()
        .filter(house=house)
        .select_related("person")
        .order_by("started_on", "pk")
    )


@register.simple_tag
def house_households(house: Any, user: Any) -> list[Household]:
    """Households (not dissolved) registered at ``house`` that ``user`` may see, with their heads."""
    return list(
        Household.objects.visible_to(user)
        .filter(house=house, dissolved_on__isnull=True)
        .select_related("head")
        .order_by("number", "pk")
    )

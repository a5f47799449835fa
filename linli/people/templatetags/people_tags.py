"""Template helpers that let pages of other apps show registry data (the house page's residents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from linli.people.models import Household, Residence
from linli.places.models import House

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User

register = template.Library()


@register.simple_tag
def house_residents(house: House, user: User | AnonymousUser | None) -> list[Residence]:
    """Current residences at ``house`` that ``user`` may see, with their persons (one query)."""
    return list(
        Residence.objects.visible_to(user)
        .current()
        .filter(house=house)
        .select_related("person")
        .order_by("started_on", "pk")
    )


@register.simple_tag
def house_households(house: House, user: User | AnonymousUser | None) -> list[Household]:
    """Households (not dissolved) registered at ``house`` that ``user`` may see, with their heads."""
    return list(
        Household.objects.visible_to(user)
        .filter(house=house, dissolved_on__isnull=True)
        .select_related("head")
        .order_by("number", "pk")
    )

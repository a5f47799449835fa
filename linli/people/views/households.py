"""One household (户): its house, head, current and former members."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from linli.accounts.roles import Capability
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404
from linli.people.models import Household, Membership, age_on
from linli.people.views._common import VIEW_REFUSED


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_visible_or_404(
        Household.objects.select_related("house", "house__building", "head", "region"), request.user, pk=pk
    )
    memberships = list(
        Membership.objects.visible_to(request.user)
        .filter(household=household)
        .select_related("person")
        .order_by("left_on", "relation", "joined_on", "pk")
    )
    today = timezone.localdate()
    current = [{"membership": m, "age": age_on(m.person.birth_date, today)} for m in memberships if m.left_on is None]
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "members": current,
            "former": [m for m in memberships if m.left_on is not None],
            "can_edit": request.user.has_capability(Capability.EDIT_PEOPLE),  # type: ignore[union-attr]
        },
    )

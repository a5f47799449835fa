"""Pages of the project as a whole, above every app: the home page.

The home page gathers what each app shows a user on arrival (today the places app's sections: the
grid map, the region summaries), so it lies above the apps rather than in core (docs/architecture.md,
"Layers"). Its template is ``linli/templates/home.html``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.accounts.models import User
from linli.places.views import home_sections


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's home page: what each of their roles works on, starting at its region.

    A grid worker sees their grid (map and buildings), a community worker their community's grids,
    subdistrict and district staff their region's summary; auditors and administrators get their
    tools; a resident gets the portal's promise and no registry data.
    """
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware sent everyone else to sign in
    assignments = list(user.assignments_now())  # from the top of the tree down (region depth, id)
    return render(
        request,
        "home.html",
        {
            "assignments": assignments,
            "roles": user.roles(),
            "sections": home_sections(assignments, user),
        },
    )

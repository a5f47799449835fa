"""/cases/report/: 上报问题 — what, where, photos; a grid worker may close it on the spot (自行处置)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.roles import Capability, Role
from linli.cases import workflow as wf
from linli.cases.forms import (
    ReportForm,
)
from linli.cases.models import acting_assignments
from linli.core.actions import ActionError
from linli.core.permissions import capability_required
from linli.places import geo

# --- report --------------------------------------------------------------------------------------


def region_bounds(user: Any) -> str:
    """ "w,s,e,n" of the user's primary region, where the report map opens."""
    assignment = user.primary_assignment()
    if assignment is None or not assignment.region.boundary:
        return ""
    try:
        west, south, east, north = geo.geometry(assignment.region.boundary).bounds
    except (ValueError, TypeError, geo.GeometryError):
        return ""
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def _geojson_url(user: Any) -> str:
    assignment = user.primary_assignment()
    if assignment is None or not user.has_capability(Capability.VIEW_PLACES):
        return ""
    return reverse("places:region_geojson", kwargs={"pk": assignment.region_id})


@capability_required(Capability.REPORT_CASES, message=gettext_lazy("您的角色不能上报事件。"))
def report(request: HttpRequest) -> HttpResponse:
    """上报问题 — what, where, photos; optionally 已现场自行处置 in the same transaction."""
    user: Any = request.user
    form = ReportForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    case = wf.report_case(
                        user,
                        category=data["category"],
                        title=data["title"],
                        description=data["description"],
                        priority=data["priority"],
                        house=data["house"],
                        building=None if data["house"] else data["building"],
                        lng=data["lng"],
                        lat=data["lat"],
                        address=data["address"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                        photos=request.FILES.getlist("photos"),
                    )
                    if data["self_handled"]:
                        note = data["self_note"] or ""
                        try:
                            wf.self_handle_case(user, case, note=note)
                        except ActionError as error:
                            error.field = "self_note" if error.field == "note" else error.field
                            raise
                        except PermissionDenied as error:
                            raise ActionError(str(error), field="self_handled") from error
            except ActionError as error:
                form.add_action_error(error)
                status = 400
            else:
                if data["self_handled"]:
                    messages.success(request, _("事件 %(number)s 已上报并自行处置结案。") % {"number": case.number})
                else:
                    messages.success(request, _("事件 %(number)s 已上报。") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    may_self_handle = any(role == Role.GRID_WORKER for role, *_rest in acting_assignments(user))
    return render(
        request,
        "cases/report.html",
        {
            "form": form,
            "map_bounds": region_bounds(user),
            "geojson_url": _geojson_url(user),
            "may_self_handle": may_self_handle,
        },
        status=status,
    )

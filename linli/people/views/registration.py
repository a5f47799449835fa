"""Registering: one person (登记人员), a newcomer family in one go (新迁入家庭), and the live ID check.

``people:check_id`` validates an ID number as it is typed and never echoes it back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.forms import run_action, show_refusal
from linli.core.idnumbers import IdNumberError, parse_resident_id
from linli.core.permissions import capability_required
from linli.core.scope import scope_paths
from linli.people import actions
from linli.people.actions import FamilyMemberError, acting_user
from linli.people.choices import Sex
from linli.people.forms import FamilyForm, MemberFormSet, RegisterPersonForm
from linli.people.views._common import EDIT_REFUSED, house_from_query
from linli.places.models import Region


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
@require_POST
def check_id(request: HttpRequest) -> JsonResponse:
    """Live validation of a resident ID as it is typed: {ok, message, birth_date, sex}. Never echoes the number."""
    raw = request.POST.get("id_number", "")[:64]
    try:
        parsed = parse_resident_id(raw)
    except IdNumberError as error:
        payload: dict[str, Any] = {"ok": False, "message": error.message, "birth_date": None, "sex": None}
    else:
        payload = {
            "ok": True,
            "message": _("号码有效：%(born)s 出生，%(sex)s。")
            % {"born": parsed.birth_date.isoformat(), "sex": Sex(parsed.sex).label},
            "birth_date": parsed.birth_date.isoformat(),
            "sex": parsed.sex,
        }
        if parsed.converted_from_15:
            payload["message"] += " " + _("已由 15 位旧号转换为 18 位。")
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def person_create(request: HttpRequest) -> HttpResponse:
    """登记人员, optionally straight into a house (``?house=<pk>`` from the house page)."""
    house = house_from_query(request)
    form = RegisterPersonForm(request.POST or None, user=request.user, house=house)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen_house = data.get("house")
        fields = form.person_fields()

        # Without a house the person is registered in the worker's own region (their grid).
        tops = [] if chosen_house is not None else list(Region.objects.filter(path__in=scope_paths(request.user)))
        region = tops[0] if len(tops) == 1 else None
        attempt = run_action(
            request,
            lambda: actions.register_person(
                acting_user(request.user),
                house=chosen_house,
                region=region,
                residence_kind=data["residence_kind"],
                **fields,
            ),
            form=form,
        )
        if attempt.ok and attempt.result is not None:
            person = attempt.result
            messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "person": None, "house": house}, status=status)


def _member_error(formset: forms.BaseFormSet, error: FamilyMemberError) -> bool:
    """Put a refusal about one member (``FamilyMemberError.index``) beside the field on that member's row."""
    rows = [form for form in formset.forms if form.has_changed()]
    if error.index >= len(rows):
        return False
    row = rows[error.index]
    row.add_error(error.field if error.field in row.fields else None, error.message)
    return True


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def register_family(request: HttpRequest) -> HttpResponse:
    """新迁入家庭: a house of my grid, the household, then one row per member — one transaction."""
    house = house_from_query(request)
    form = FamilyForm(request.POST or None, user=request.user, house=house)
    formset = MemberFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [row.member() for row in formset.forms if row.has_changed()]
        try:
            household = actions.register_family(
                acting_user(request.user),
                house=form.cleaned_data["house"],
                kind=form.cleaned_data["kind"],
                household_kind=form.cleaned_data["household_kind"],
                household_number=form.cleaned_data["household_number"],
                started_on=form.cleaned_data.get("started_on"),
                members=members,
            )
        except (ActionError, PermissionDenied) as error:
            # A refusal about one member goes on that member's row; any other one on the form.
            if not (isinstance(error, FamilyMemberError) and _member_error(formset, error)):
                show_refusal(form, error)
        else:
            messages.success(
                request,
                _("已登记 %(n)d 人，户号 %(number)s。") % {"n": len(members), "number": household.number},
            )
            return redirect("people:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/family.html", {"form": form, "formset": formset}, status=status)

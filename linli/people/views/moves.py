"""Residence moves: 迁入 and 迁出."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core.forms import run_action
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404
from linli.people import actions
from linli.people.actions import acting_user
from linli.people.forms import MoveInForm, MoveOutForm
from linli.people.models import Person
from linli.people.views._common import EDIT_REFUSED, house_from_query


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def move_in(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = MoveInForm(request.POST or None, user=request.user, house=house_from_query(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attempt = run_action(
            request,
            lambda: actions.move_in(
                acting_user(request.user),
                person,
                house=data["house"],
                kind=data["kind"],
                started_on=data.get("started_on"),
                separation=data["separation"],
                **form.details(),
            ),
            form=form,
        )
        if attempt.ok:
            messages.success(request, _("%(name)s 已迁入 %(house)s。") % {"name": person.name, "house": data["house"]})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/move.html", {"form": form, "person": person, "title": _("迁入")}, status=status)


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attempt = run_action(
            request,
            lambda: actions.move_out(acting_user(request.user), person, on=data.get("on"), note=data.get("note", "")),
            form=form,
        )
        if attempt.ok:
            messages.success(request, _("%(name)s 已迁出。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/move.html",
        {"form": form, "person": person, "title": _("迁出"), "moving_out": True},
        status=status,
    )

"""Leaving the living registry: 登记死亡 and 注销, each a page with a confirmation."""

from __future__ import annotations

from django import forms
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
from linli.people.forms import CancelForm, DeathForm
from linli.people.models import Person
from linli.people.views._common import EDIT_REFUSED


def _status_page(
    request: HttpRequest, person: Person, form: forms.Form, *, title: str, confirm: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "people/move.html",
        {"form": form, "person": person, "title": title, "confirm": confirm, "danger": True},
        status=status,
    )


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def record_death(request: HttpRequest, pk: int) -> HttpResponse:
    """登记死亡: a page with the date and a note, then a confirmation before the POST."""
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = DeathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attempt = run_action(
            request,
            lambda: actions.record_death(
                acting_user(request.user), person, died_on=data["died_on"], note=data.get("note", "")
            ),
            form=form,
        )
        if attempt.ok:
            messages.success(request, _("已登记 %(name)s 死亡。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    confirm = _("确认登记%(name)s死亡？其居住登记和户成员关系将于该日结束；此操作不能撤销。") % {"name": person.name}
    return _status_page(
        request, person, form, title=_("登记死亡"), confirm=confirm, status=400 if request.method == "POST" else 200
    )


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def cancel_person(request: HttpRequest, pk: int) -> HttpResponse:
    """注销: a page with the date and the reason, then a confirmation before the POST."""
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attempt = run_action(
            request,
            lambda: actions.cancel_person(acting_user(request.user), person, on=data["on"], reason=data["reason"]),
            form=form,
        )
        if attempt.ok:
            messages.success(request, _("已注销 %(name)s 的人员记录。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    confirm = _("确认注销%(name)s的人员记录？其居住登记和户成员关系将于该日结束；此操作不能撤销。") % {
        "name": person.name
    }
    return _status_page(
        request, person, form, title=_("注销"), confirm=confirm, status=400 if request.method == "POST" else 200
    )

"""Leaving the living registry: 登记死亡 and 注销, each a page with a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from linli.accounts.models import User


def _leave_registry_page(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    perform: Callable[[User, Person, dict[str, Any]], Person],
    *,
    title: str,
    confirm: str,
    done: str,
) -> HttpResponse:
    """A status change's page: the form, a confirmation before the POST (``confirm``), the action
    (``perform``), then back to the person with ``done``. ``confirm`` and ``done`` name ``%(name)s``."""
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(request, lambda: perform(acting_user(request.user), person, data), form=form).ok:
            messages.success(request, done % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "people/move.html",
        {"form": form, "person": person, "title": title, "confirm": confirm % {"name": person.name}, "danger": True},
        status=400 if request.method == "POST" else 200,
    )


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def record_death(request: HttpRequest, pk: int) -> HttpResponse:
    """登记死亡: a page with the date and a note, then a confirmation before the POST."""
    return _leave_registry_page(
        request,
        pk,
        DeathForm,
        lambda actor, person, data: actions.record_death(
            actor, person, died_on=data["died_on"], note=data.get("note", "")
        ),
        title=_("登记死亡"),
        confirm=_("确认登记%(name)s死亡？其居住登记和户成员关系将于该日结束；此操作不能撤销。"),
        done=_("已登记 %(name)s 死亡。"),
    )


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def cancel_person(request: HttpRequest, pk: int) -> HttpResponse:
    """注销: a page with the date and the reason, then a confirmation before the POST."""
    return _leave_registry_page(
        request,
        pk,
        CancelForm,
        lambda actor, person, data: actions.cancel_person(actor, person, on=data["on"], reason=data["reason"]),
        title=_("注销"),
        confirm=_("确认注销%(name)s的人员记录？其居住登记和户成员关系将于该日结束；此操作不能撤销。"),
        done=_("已注销 %(name)s 的人员记录。"),
    )

"""The page guard and the form's action runner: the two page-side halves of the permission mechanism."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.views import View

from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.forms import run_action
from linli.core.permissions import capability_required


@capability_required(Capability.MANAGE_USERS, Capability.MANAGE_CALENDAR, message="不能管理账号")
def admin_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@capability_required(Capability.MANAGE_USERS)
class AdminView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("posted")


def _request(user: Any, method: str = "get") -> Any:
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_a_role_without_the_capability_is_refused_with_the_pages_message(city):
    with pytest.raises(PermissionDenied, match="不能管理账号"):
        admin_page(_request(city.users["grid_worker"]))
    assert admin_page(_request(city.users["administrator"])).content == b"ok"


@pytest.mark.django_db
def test_a_class_based_view_is_guarded_for_every_method(city):
    view = AdminView.as_view()
    for method in ("get", "post"):
        with pytest.raises(PermissionDenied):
            view(_request(city.users["community_worker"], method))
    response = view(_request(city.users["administrator"], "post"))
    assert isinstance(response, HttpResponse) and response.content == b"posted"


class _NoteForm(forms.Form):
    note = forms.CharField()


@pytest.mark.django_db
def test_a_refusal_goes_beside_the_field_it_names(city):
    form = _NoteForm({"note": "x"})
    assert form.is_valid()

    def refuse() -> None:
        raise ActionError("备注太短", field="note")

    attempt = run_action(_request(city.users["grid_worker"], "post"), refuse, form=form)
    assert not attempt.ok and attempt.message == "备注太短"
    assert form.errors == {"note": ["备注太短"]}


@pytest.mark.django_db
def test_a_refusal_without_a_form_becomes_a_message_and_success_returns_the_result(city):
    request = _request(city.users["grid_worker"], "post")

    def deny() -> None:
        raise PermissionDenied("不在您的管辖范围")

    assert not run_action(request, deny).ok
    assert [str(m) for m in get_messages(request)] == ["不在您的管辖范围"]
    assert run_action(request, lambda: 42).result == 42

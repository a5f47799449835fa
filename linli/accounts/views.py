"""Account administration pages (Capability.MANAGE_USERS). All writes go through accounts.actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts import actions
from linli.accounts.forms import AssignmentForm, PasswordResetForm, ReasonForm, UserCreateForm
from linli.accounts.models import Assignment, User
from linli.accounts.regions import region_choices
from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.permissions import capability_required
from linli.core.scope import path_in_scope, scope_paths

PAGE_SIZE = 50
REGION_DATALIST_LIMIT = 1000

user_admin_required = capability_required(Capability.MANAGE_USERS, message=gettext_lazy("您没有管理账号的权限。"))


def _get_managed_user_or_404(actor: User, pk: int) -> User:
    user = actions.manageable_users(actor).filter(pk=pk).first()
    if user is None:
        raise Http404(_("找不到该账号，或它不在您的管辖范围内。"))
    return user


@user_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    """账号管理 — the users this administrator manages, searchable, with their current roles."""
    actor = User.from_request(request)
    query = (request.GET.get("q") or "").strip()
    users = actions.manageable_users(actor)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query) | Q(phone__contains=query))
    users = users.order_by("username").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.active().select_related("region", "department").order_by("region__path"),
            to_attr="current_assignments",
        )
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "accounts/user_list.html", {"page": page, "q": query, "query": params.urlencode()})


@user_admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    actor = User.from_request(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.create_user(
                actor,
                username=data["username"],
                password=data["password1"],
                display_name=data["display_name"],
                phone=data["phone"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("已创建账号“%(u)s”，请为其添加授权。") % {"u": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _detail_context(actor: User, user: User, **forms: Any) -> dict[str, Any]:
    prefixes = scope_paths(actor)
    assignments = list(
        Assignment.objects.filter(user=user).select_related("region", "department").order_by("-starts_on", "id")
    )
    active_ids = set(Assignment.objects.active().filter(user=user).values_list("id", flat=True))
    rows = [{"a": a, "active": a.pk in active_ids, "mine": path_in_scope(a.region_path, prefixes)} for a in assignments]
    return {
        "target": user,
        "rows": rows,
        "assignment_form": forms.get("assignment_form") or AssignmentForm(actor=actor),
        "password_form": forms.get("password_form") or PasswordResetForm(),
        "reason_form": ReasonForm(),
        "region_codes": region_choices(actor, exclude_kind="grid", limit=REGION_DATALIST_LIMIT),
        "is_self": user.pk == actor.pk,
    }


@user_admin_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    user = _get_managed_user_or_404(actor, pk)
    return render(request, "accounts/user_detail.html", _detail_context(actor, user))


@require_POST
@user_admin_required
def assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    user = _get_managed_user_or_404(actor, pk)
    form = AssignmentForm(request.POST, actor=actor)
    if form.is_valid():
        data = form.cleaned_data
        try:
            assignment = actions.add_assignment(
                actor,
                user,
                role=data["role"],
                region=data["region"],
                department=data["department"],
                starts_on=data["starts_on"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("已授权：%(a)s") % {"a": assignment})
            return redirect("accounts:user_detail", pk=user.pk)
    context = _detail_context(actor, user, assignment_form=form)
    return render(request, "accounts/user_detail.html", context, status=400)


@require_POST
@user_admin_required
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    assignment = Assignment.objects.visible_to(actor).select_related("user").filter(pk=pk).first()
    if assignment is None:
        raise Http404(_("找不到该授权，或它不在您的管辖范围内。"))
    try:
        actions.end_assignment(actor, assignment)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已终止授权：%(a)s") % {"a": assignment})
    return redirect("accounts:user_detail", pk=assignment.user_id)


@require_POST
@user_admin_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    user = _get_managed_user_or_404(actor, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.deactivate_user(actor, user, reason=reason)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已停用账号“%(u)s”。") % {"u": user.username})
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@user_admin_required
def user_activate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    user = _get_managed_user_or_404(actor, pk)
    try:
        actions.activate_user(actor, user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已启用账号“%(u)s”。") % {"u": user.username})
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@user_admin_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    actor = User.from_request(request)
    user = _get_managed_user_or_404(actor, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            actions.reset_password(actor, user, new_password=form.cleaned_data["new_password1"])
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("已重置账号“%(u)s”的密码。") % {"u": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_detail.html", _detail_context(actor, user, password_form=form), status=400)

"""Account administration: every write to users and assignments, each one audited.

Who an administrator manages (decided here, documented in docs/architecture.md's scope section):

* an administrator *sees* a user who holds at least one assignment (current or ended) inside
  the administrator's scope, plus users with no assignment at all whom this administrator
  created (the audit trail's ``create_user`` event says who) — a city-wide administrator sees
  every user without an assignment;
* an administrator *changes* a user (password, activation) only when every current assignment
  of that user lies inside the administrator's scope, so a district administrator cannot lock
  out or take over a city-level account that also works in the district;
* a new assignment's region must lie inside the administrator's scope and be of a kind the
  role allows (``ROLE_REGION_KINDS``).

Passwords are never written to the audit trail; phone numbers are masked.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from linli.accounts import lockout
from linli.accounts.models import Assignment, Department, User
from linli.accounts.regions import AssignableRegion, fresh_region, kind_label
from linli.accounts.roles import ROLE_REGION_KINDS, Capability, Role
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.actors import is_signed_in
from linli.core.models import AuditEvent
from linli.core.phones import validate_phone
from linli.core.scope import covers_whole_tree, ensure_in_scope, path_in_scope, scope_paths

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor


def mask_phone(phone: str) -> str:
    """3 + **** + 4, the on-screen convention (DOMAIN.md §3)."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def manageable_users(actor: MaybeActor) -> QuerySet[User]:
    """The users this administrator may see in the accounts pages (see the module docstring)."""
    if not (is_signed_in(actor) and actor.has_capability(Capability.MANAGE_USERS)):
        return User.objects.none()
    in_scope = Assignment.objects.visible_to(actor).values("user_id")
    no_assignment = ~Exists(Assignment.objects.filter(user=OuterRef("pk")))
    created_by_actor = (
        AuditEvent.objects.filter(verb="create_user", actor_id=actor.pk, object_type="accounts.user")
        .annotate(user_pk=Cast("object_id", BigIntegerField()))
        .values("user_pk")
    )
    condition: Any = Q(pk__in=in_scope) | (no_assignment & Q(pk__in=created_by_actor))
    if covers_whole_tree(actor):
        condition |= no_assignment
    return User.objects.filter(condition)


def _require_admin(actor: MaybeActor) -> None:
    require(
        is_signed_in(actor) and actor.has_capability(Capability.MANAGE_USERS),
        _("您没有管理账号的权限。"),
    )


def _audit_path(actor: MaybeActor, user: User | None = None) -> str:
    """Where in the tree an account event happened: the target's place inside the actor's scope."""
    prefixes = scope_paths(actor)
    if user is not None:
        paths = sorted((a.region_path for a in user.assignments_now()), key=len)
        for path in paths:
            if path_in_scope(path, prefixes):
                return path
    return prefixes[0] if prefixes else ""


def _require_manages(actor: MaybeActor, user: User) -> None:
    """The actor's authority must cover all of the target's current authority."""
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise ActionError(_("找不到该账号，或它不在您的管辖范围内。"))
    prefixes = scope_paths(actor)
    outside = [a for a in user.assignments_now() if not path_in_scope(a.region_path, prefixes)]
    if outside:
        where = "、".join(f"{a.region.name}（{a.get_role_display()}）" for a in outside[:3])
        raise ActionError(
            _("账号“%(user)s”在您的管辖范围之外还有授权：%(where)s；请由上级管理员处理。")
            % {"user": user.username, "where": where}
        )


@action
def create_user(actor: MaybeActor, *, username: str, password: str, display_name: str = "", phone: str = "") -> User:
    """Create an account (active, no assignment yet: add one on the user's page)."""
    _require_admin(actor)
    username = (username or "").strip()
    if not username:
        raise ActionError(_("请填写用户名。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(_("用户名“%(u)s”已被使用，请换一个。") % {"u": username}, field="username")
    user = User(username=username, display_name=(display_name or "").strip(), phone=validate_phone(phone))
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), field="password1") from error
    user.set_password(password)
    user.save()
    audit.record(
        actor,
        "create_user",
        user,
        region_path=_audit_path(actor),
        changes={
            "username": [None, user.username],
            "display_name": [None, user.display_name],
            "phone": [None, mask_phone(user.phone)],
        },
    )
    return user


@action
def add_assignment(
    actor: MaybeActor,
    user: User,
    *,
    role: str,
    region: AssignableRegion,
    department: Department | None = None,
    starts_on: date | None = None,
) -> Assignment:
    """Grant ``role`` over ``region``'s subtree (for one department where the role needs one)."""
    _require_admin(actor)
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise ActionError(_("找不到该账号，或它不在您的管辖范围内。"))
    if role not in Role.values:
        raise ActionError(_("未知的角色“%(r)s”。") % {"r": role}, field="role")
    role_label = Role(role).label
    region = fresh_region(region)
    if not path_in_scope(region.path, scope_paths(actor)):
        raise ActionError(
            _("区域“%(r)s”（%(c)s）不在您的管辖范围内，不能在那里授权。") % {"r": region.name, "c": region.code},
            field="region",
        )
    allowed = ROLE_REGION_KINDS.get(role, ())
    if region.kind not in allowed:
        raise ActionError(
            _("“%(role)s”只能授权在%(kinds)s一级，“%(r)s”是%(kind)s。")
            % {
                "role": role_label,
                "kinds": "、".join(kind_label(k) for k in allowed),
                "r": region.name,
                "kind": kind_label(region.kind),
            },
            field="region",
        )
    if role == Role.DEPARTMENT_STAFF and department is None:
        raise ActionError(_("部门工作人员必须选择所属部门。"), field="department")
    start = starts_on or timezone.localdate()
    duplicate = Assignment.objects.active(start).filter(
        user=user, role=role, region_id=region.pk, department=department
    )
    if duplicate.exists():
        raise ActionError(
            _("账号“%(u)s”已经是“%(r)s”的%(role)s，无需重复授权。")
            % {"u": user.username, "r": region.name, "role": role_label},
            field="role",
        )
    assignment = Assignment.objects.create(
        user=user, role=role, region_id=region.pk, region_path=region.path, department=department, starts_on=start
    )
    user.forget_assignments()  # this user object now holds one more
    ensure_in_scope(actor, assignment.region_path)
    audit.record(
        actor,
        "add_assignment",
        assignment,
        region_path=assignment.region_path,
        changes={
            "user": [None, user.username],
            "role": [None, role],
            "region": [None, region.code],
            "department": [None, department.code if department else None],
            "starts_on": [None, str(start)],
        },
    )
    return assignment


@action
def end_assignment(actor: MaybeActor, assignment: Assignment, *, on: date | None = None) -> Assignment:
    """End an assignment: from ``on`` (default today) it no longer grants anything.

    ``ends_on`` is the last day the assignment counts, so it becomes the day before ``on``.
    """
    _require_admin(actor)
    assignment = Assignment.objects.select_related("user", "region").get(pk=assignment.pk)
    if not path_in_scope(assignment.region_path, scope_paths(actor)):
        raise ActionError(_("找不到该授权，或它不在您的管辖范围内。"))
    if is_signed_in(actor) and assignment.user_id == actor.pk:
        raise ActionError(_("不能终止自己的授权，请由其他管理员处理。"))
    day = on or timezone.localdate()
    if assignment.ends_on is not None and assignment.ends_on < day:
        raise ActionError(_("该授权已于 %(d)s 终止。") % {"d": assignment.ends_on})
    before = str(assignment.ends_on) if assignment.ends_on else None
    assignment.ends_on = day - timedelta(days=1)
    assignment.save(update_fields=["ends_on"])
    ensure_in_scope(actor, assignment.region_path)
    audit.record(
        actor,
        "end_assignment",
        assignment,
        region_path=assignment.region_path,
        changes={"ends_on": [before, str(assignment.ends_on)]},
    )
    return assignment


@action
def deactivate_user(actor: MaybeActor, user: User, *, reason: str = "") -> User:
    """Stop an account from signing in (its history and assignments stay)."""
    _require_admin(actor)
    user = User.objects.get(pk=user.pk)
    if is_signed_in(actor) and user.pk == actor.pk:
        raise ActionError(_("不能停用自己的账号。"))
    _require_manages(actor, user)
    if not user.is_active:
        raise ActionError(_("账号“%(u)s”已经是停用状态。") % {"u": user.username})
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        actor,
        "deactivate_user",
        user,
        region_path=_audit_path(actor, user),
        changes={"is_active": [True, False]},
        reason=reason.strip(),
    )
    return user


@action
def activate_user(actor: MaybeActor, user: User, *, reason: str = "") -> User:
    """Let a deactivated account sign in again."""
    _require_admin(actor)
    user = User.objects.get(pk=user.pk)
    _require_manages(actor, user)
    if user.is_active:
        raise ActionError(_("账号“%(u)s”已经是启用状态。") % {"u": user.username})
    user.is_active = True
    user.save(update_fields=["is_active"])
    lockout.clear_failures(user.username)
    audit.record(
        actor,
        "activate_user",
        user,
        region_path=_audit_path(actor, user),
        changes={"is_active": [False, True]},
        reason=reason.strip(),
    )
    return user


@action
def reset_password(actor: MaybeActor, user: User, *, new_password: str) -> User:
    """Set a new password chosen by the administrator and lift any sign-in lockout."""
    _require_admin(actor)
    user = User.objects.get(pk=user.pk)
    _require_manages(actor, user)
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), field="new_password1") from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    lockout.clear_failures(user.username)
    # The audit row says that it happened, never what the password is.
    audit.record(
        actor, "reset_password", user, region_path=_audit_path(actor, user), changes={"password": ["***", "***"]}
    )
    return user


@action
def issue_api_token(user: User) -> Token:
    """Give a signed-in user their API token (the same one on every call until revoked)."""
    token, created = Token.objects.get_or_create(user=user)
    audit.record(user, "api_token_issued" if created else "api_token_fetched", user)
    return token

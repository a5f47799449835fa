from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import ROLE_CAPABILITIES, Role
from linli.core.scope import ScopedQuerySet

if TYPE_CHECKING:
    from linli.places.models import Region


class User(AbstractUser):
    """A person who signs in. What they may see comes from their assignments, not from here."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def roles(self) -> set[str]:
        cached: set[str] | None = getattr(self, "_linli_roles", None)
        if cached is None:
            cached = set(Assignment.objects.active().filter(user=self).values_list("role", flat=True))
            self._linli_roles = cached
        return cached

    def has_capability(self, capability: str) -> bool:
        return any(capability in ROLE_CAPABILITIES.get(role, frozenset()) for role in self.roles())

    def primary_assignment(self) -> Assignment | None:
        return (
            Assignment.objects.active()
            .filter(user=self)
            .select_related("region", "department")
            .order_by("region__depth", "id")
            .first()
        )


class Department(models.Model):
    """职能部门 — 民政, 残联, 人社 … as data, so a city adds its own."""

    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=20)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class AssignmentQuerySet(ScopedQuerySet["Assignment"]):
    def active(self, on: object | None = None) -> AssignmentQuerySet:
        today = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=today), Q(ends_on__isnull=True) | Q(ends_on__gte=today))


class Assignment(models.Model):
    """A user holds a role over a region's subtree (optionally for one department)."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region: models.ForeignKey[Region] = models.ForeignKey(
        "places.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="assignments"
    )
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    starts_on = models.DateField(_("起始日期"), default=timezone.localdate)
    ends_on = models.DateField(_("终止日期"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        ordering = ["user_id", "role"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"


class LoginFailure(models.Model):
    """One failed sign-in, for lockout. Old rows are pruned; the audit trail keeps the history."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"

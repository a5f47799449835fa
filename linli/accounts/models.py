"""Users, departments, assignments (user × role × region [× department]) and sign-in failures.

An ``Assignment`` points at a region of the places app through Django's lazy reference
``"places.Region"``: accounts lies below places (docs/architecture.md, "Layers") and never imports
it; the model is resolved when the apps load (see ``linli.accounts.regions``).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import ROLE_CAPABILITIES, UNMASK_RULES, Role
from linli.core.scope import ScopedQuerySet, minimal_prefixes

# The one attribute a user object caches its current assignments under (``User.assignments_now``).
ASSIGNMENTS_CACHE = "_linli_assignments_now"


class User(AbstractUser):
    """A person who signs in. What they may see comes from their assignments, not from here.

    Everything that asks what a user holds (roles, capabilities, scope, unmasking, the home page,
    who acts on a case) derives from ``assignments_now()``: one query per user object, which is
    one per request. ``User`` is the implementation of ``linli.core.actors.Actor``.
    """

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_request(cls, request: HttpRequest) -> User:
        """The user of a page behind ``core.permissions.capability_required`` (anyone else was refused)."""
        user = request.user
        assert isinstance(user, cls), "use behind capability_required"
        return user

    def assignments_now(self) -> tuple[Assignment, ...]:
        """The user's assignments active today, from the top of the tree down (region depth, then id).

        Each comes with its region and department loaded (``role``, ``region_id``, ``region_path``,
        ``region.path``, ``region.depth``, ``region.kind``, ``department_id`` … ask no further
        query; the region's boundary polygon is deferred, nobody reading assignments needs it). Read
        once and cached on this user object; ``forget_assignments()`` drops the cache.
        """
        cached: tuple[Assignment, ...] | None = self.__dict__.get(ASSIGNMENTS_CACHE)
        if cached is None:
            cached = ()
            if self.pk is not None:
                cached = tuple(
                    Assignment.objects.active()
                    .filter(user=self)
                    .select_related("region", "department")
                    .defer("region__boundary")
                    .order_by("region__depth", "id")
                )
            self.__dict__[ASSIGNMENTS_CACHE] = cached
        return cached

    def forget_assignments(self) -> None:
        """Drop the cached assignments: the next question reads them again (after one was granted)."""
        self.__dict__.pop(ASSIGNMENTS_CACHE, None)

    def roles(self) -> set[str]:
        return {a.role for a in self.assignments_now()}

    def capabilities(self) -> frozenset[str]:
        return frozenset().union(*(ROLE_CAPABILITIES.get(a.role, frozenset()) for a in self.assignments_now()))

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities()

    def scope_paths(self) -> list[str]:
        """The region path prefixes this user may see: the subtrees of today's assignments, minimal."""
        return minimal_prefixes(a.region.path for a in self.assignments_now())

    def unmask_paths(self, model_label: str, field: str) -> list[str]:
        """Region paths where the user holds a role that may see ``model_label.field`` in clear
        (``accounts.roles.UNMASK_RULES``)."""
        key = (model_label, field)
        return [a.region.path for a in self.assignments_now() if key in UNMASK_RULES.get(a.role, ())]

    def covers_whole_tree(self) -> bool:
        """Whether one of today's assignments is at a root region: the user's scope is the whole city."""
        return any(a.region.depth == 1 for a in self.assignments_now())

    def primary_assignment(self) -> Assignment | None:
        """The assignment highest in the tree (the first of ``assignments_now()``)."""
        return next(iter(self.assignments_now()), None)


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
    region = models.ForeignKey(
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

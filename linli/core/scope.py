"""Scope: who may see which rows (DESIGN.md mechanism 1).

Every scoped row carries ``region_path``: the materialised path of the smallest region it belongs
to. A user's scope is the union of the subtrees of their active assignments, i.e. a list of path
prefixes. Reads go through ``visible_to(user)``; single objects through ``get_visible_or_404``,
which answers 404 alike for "not yours" and "does not exist". Writes call ``ensure_in_scope``
after the change, inside the action's transaction, so a write that would land outside the
actor's subtree rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User

M = TypeVar("M", bound=models.Model)


def scope_paths(user: User | AnonymousUser | None) -> list[str]:
    """The region path prefixes this user may see; cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return []
    cached: list[str] | None = getattr(user, "_linli_scope_paths", None)
    if cached is None:
        from linli.accounts.models import Assignment

        paths = sorted(set(Assignment.objects.active().filter(user=user).values_list("region__path", flat=True)))
        cached = minimal_prefixes(paths)
        user._linli_scope_paths = cached  # type: ignore[attr-defined]
    return cached


def minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by a shorter prefix (a user assigned to a community and its grid)."""
    result: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


def path_in_scope(path: str | None, prefixes: Iterable[str]) -> bool:
    return bool(path) and any(path.startswith(p) for p in prefixes)  # type: ignore[union-attr]


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset over rows that carry a region path. Subclasses set ``scope_field``."""

    scope_field = "region_path"

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        prefixes = scope_paths(user)
        if not prefixes:
            return self.none()
        condition = models.Q()
        for prefix in prefixes:
            condition |= models.Q(**{f"{self.scope_field}__subtree": prefix})
        return self.filter(condition)

    def within(self, path: str) -> Self:
        """Rows in the subtree of one region path (for drill-down inside what is visible)."""
        return self.filter(**{f"{self.scope_field}__subtree": path})


def get_visible_or_404(queryset: models.QuerySet[M], user: Any, **lookup: Any) -> M:
    """Fetch one object the user may see; 404 whether it is missing or outside their scope."""
    scoped = queryset.visible_to(user)  # type: ignore[attr-defined]
    try:
        obj: M = scoped.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该对象，或它不在您的管辖范围内。")) from exc
    return obj


def ensure_in_scope(user: Any, path: str | None) -> None:
    """Post-write check: the row the action just wrote must lie inside the actor's scope."""
    if not path_in_scope(path, scope_paths(user)):
        raise PermissionDenied(_("该操作会把数据写到您的管辖范围之外，已撤销。"))

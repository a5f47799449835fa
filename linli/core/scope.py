"""Scope: who may see which rows (DESIGN.md mechanism 1).

Every scoped row carries ``region_path``: the materialised path of the smallest region it belongs
to. A user's scope is the union of the subtrees of their active assignments, i.e. a list of path
prefixes, which the user object gives (``linli.core.actors.Actor.scope_paths``). Reads go through
``visible_to(user)``; single objects through ``get_visible_or_404``, which answers 404 alike for
"not yours" and "does not exist". Writes call ``ensure_in_scope``
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

from linli.core.actors import is_signed_in

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor

M = TypeVar("M", bound=models.Model)


def scope_paths(user: MaybeActor) -> list[str]:
    """The region path prefixes this user may see (none for nobody or a visitor).

    The user object answers (``Actor.scope_paths``): accounts.User derives them from its assignments
    active today, read once per request."""
    if not is_signed_in(user):
        return []
    return user.scope_paths()


def covers_whole_tree(user: MaybeActor) -> bool:
    """Whether the user's scope includes a root region (the whole city): such a reader also sees
    what belongs to no place in the tree (sign-ins, the working calendar). The user object answers."""
    return is_signed_in(user) and user.covers_whole_tree()


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

    def visible_to(self, user: MaybeActor) -> Self:
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


def get_visible_or_404(queryset: models.QuerySet[M], user: MaybeActor, **lookup: Any) -> M:
    """Fetch one object the user may see; 404 whether it is missing or outside their scope."""
    scoped = queryset.visible_to(user)  # type: ignore[attr-defined]
    try:
        obj: M = scoped.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("找不到该对象，或它不在您的管辖范围内。")) from exc
    return obj


def ensure_in_scope(user: MaybeActor, path: str | None) -> None:
    """Post-write check: the row the action just wrote must lie inside the actor's scope."""
    if not path_in_scope(path, scope_paths(user)):
        raise PermissionDenied(_("该操作会把数据写到您的管辖范围之外，已撤销。"))

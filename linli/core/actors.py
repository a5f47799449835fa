"""Who acts: what core asks of the signed-in user, as a protocol.

Core lies below every app (docs/architecture.md, "Layers"), so it cannot name ``accounts.User``.
Whatever core needs to know about the person acting it asks the user object itself, through the
members of ``Actor``: its scope (``scope_paths``), its capabilities, where it may see a sensitive
field in clear (``unmask_paths``) and whether its scope is a whole tree. ``accounts.User``
implements them all from one cached read of the assignments active today
(``User.assignments_now()``), so a request asks the database once however often core asks.

``None`` stands for the system (the test city's fixtures, before any user exists) where an action
allows it; ``AnonymousUser`` for a visitor who has not signed in. Neither has a scope:
``is_signed_in`` tells them apart from an actor and narrows the type.

The capability names core's own pages and actions check are declared here too, and
``accounts.roles.Capability`` takes its values from them: roles (which grant capabilities) are
accounts' business, but the names core checks must not need an import of accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeGuard

if TYPE_CHECKING:
    # Typing only: django.contrib.auth.models defines models, and core.masking (which uses this
    # module) is imported while logging is configured, before the app registry is ready.
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

# Capabilities checked by core (values of accounts.roles.Capability).
VIEW_AUDIT = "view_audit"
MANAGE_CALENDAR = "manage_calendar"


class Actor(Protocol):
    """The signed-in user as core sees it (implemented by ``accounts.models.User``)."""

    @property
    def pk(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...

    def get_username(self) -> str: ...

    def capabilities(self) -> frozenset[str]:
        """Every capability granted by a role the user holds today."""
        ...

    def has_capability(self, capability: str) -> bool: ...

    def scope_paths(self) -> list[str]:
        """The minimal region path prefixes of the user's assignments active today."""
        ...

    def unmask_paths(self, model_label: str, field: str) -> list[str]:
        """Region paths where the user holds a role that may see ``model_label.field`` in clear."""
        ...

    def covers_whole_tree(self) -> bool:
        """Whether one of the user's assignments is at a root region (the whole city)."""
        ...


if TYPE_CHECKING:
    # Whoever asks: a signed-in actor, a visitor who has not signed in, or nobody (the system).
    MaybeActor: TypeAlias = Actor | AnonymousUser | None


def is_signed_in(user: MaybeActor) -> TypeGuard[Actor]:
    """Whether ``user`` is a signed-in actor (not ``None``, not an anonymous visitor)."""
    return user is not None and bool(user.is_authenticated)


def signed_in_actor(request: HttpRequest) -> Actor:
    """The user of a page behind ``core.permissions.capability_required`` (which has refused anyone
    else): the acting user, typed."""
    user = request.user
    assert is_signed_in(user), "use behind capability_required"
    return user


__all__ = ["MANAGE_CALENDAR", "VIEW_AUDIT", "Actor", "is_signed_in", "signed_in_actor"]

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from linli.core.actors import is_signed_in


def linli(request: HttpRequest) -> dict[str, Any]:
    """What every template may read: the map tiles, the environment, and the user's capabilities."""
    user = getattr(request, "user", None)
    caps: frozenset[str] = user.capabilities() if is_signed_in(user) else frozenset()
    return {"MAP_TILE_URL": settings.MAP_TILE_URL, "LINLI_ENV": settings.LINLI_ENV, "user_caps": caps}

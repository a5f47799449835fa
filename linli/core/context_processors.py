from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from linli.accounts.roles import ROLE_CAPABILITIES


def linli(request: HttpRequest) -> dict[str, Any]:
    caps: set[str] = set()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        for role in user.roles():
            caps |= ROLE_CAPABILITIES.get(role, frozenset())
    return {"MAP_TILE_URL": settings.MAP_TILE_URL, "LINLI_ENV": settings.LINLI_ENV, "user_caps": caps}

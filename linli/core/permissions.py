"""The page guard: one decorator for every page that needs a capability.

Pages are deny-by-default for anonymous users (``core.middleware``); a signed-in user reaches a
page only if one of their roles grants a capability the page names. The API's counterpart is
``core.api.HasCapability``; both read the same table (``linli.accounts.roles.ROLE_CAPABILITIES``)
through ``user.has_capability``, so a page and its endpoint never disagree about who may enter.

What a user may *see* on the page is a second, separate question answered by ``visible_to``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

V = TypeVar("V", bound=Callable[..., Any])


def has_any_capability(user: Any, capabilities: tuple[str, ...]) -> bool:
    checker = getattr(user, "has_capability", None)
    if user is None or not user.is_authenticated or checker is None:
        return False
    return any(checker(capability) for capability in capabilities)


def capability_required(*capabilities: str, message: str | Promise | None = None) -> Callable[[V], V]:
    """Refuse the page with 403 and ``message`` unless the user holds one of ``capabilities``.

    On a function view it wraps the function; on a class-based view it wraps ``dispatch``, so every
    HTTP method is guarded. ``message`` is shown on the 403 page: say what the role cannot do
    ("您的角色不能查看实有人口数据。"), not that an error happened; a lazy string is translated per request.
    """
    assert capabilities, "name at least one capability"

    def refuse() -> None:
        raise PermissionDenied(str(message) if message else _("您的角色不能使用这个页面。"))

    def decorator(view: V) -> V:
        if isinstance(view, type):
            dispatch = view.dispatch  # type: ignore[attr-defined]

            @functools.wraps(dispatch)
            def guarded_dispatch(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                if not has_any_capability(request.user, capabilities):
                    refuse()
                return dispatch(self, request, *args, **kwargs)

            view.dispatch = guarded_dispatch  # type: ignore[attr-defined]
            return view

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not has_any_capability(request.user, capabilities):
                refuse()
            return view(request, *args, **kwargs)

        wrapper.required_capabilities = capabilities  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator

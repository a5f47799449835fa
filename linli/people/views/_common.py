"""What every people page shares: the refusals of its page guard and the ``?house=`` a form opens with."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from linli.core.scope import get_visible_or_404
from linli.places.models import House

# The 403 page's words for ``capability_required(Capability.VIEW_PEOPLE / EDIT_PEOPLE, message=…)``;
# lazy, so the page speaks the reader's language (cast: the guard takes the text a str would give).
VIEW_REFUSED = cast(str, gettext_lazy("您的角色不能查看实有人口数据。"))
EDIT_REFUSED = cast(str, gettext_lazy("您的角色不能登记或修改实有人口数据。"))


def house_from_query(request: HttpRequest) -> House | None:
    """The house a form opens on (``?house=<pk>`` from the house page); 404 if the user may not see it."""
    raw = request.GET.get("house", "")
    if not raw.isdigit():
        return None
    return get_visible_or_404(House.objects.select_related("building"), request.user, pk=int(raw))

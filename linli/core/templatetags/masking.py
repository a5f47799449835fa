"""``{% load masking %}``: sensitive fields masked in templates.

``{{ person|masked:"phone" }}`` → 138****5678; ``{{ person|masked:"id_number" }}`` → the stored
``id_masked``. ``{% may_unmask request.user person "id_number" as can_unmask %}`` tells a page whether
to offer the "查看完整号码" button (the unmask itself is an action that asks for a reason).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from linli.core import masking

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor

register = template.Library()


@register.filter(name="masked")
def masked(obj: Any, field: str) -> str:
    """The masked display value of ``obj.<field>``."""
    return masking.masked_value(obj, field)


@register.simple_tag(name="may_unmask")
def may_unmask(user: MaybeActor, obj: Any, field: str) -> bool:
    """Whether ``user`` may unmask ``obj.<field>`` (with a reason); False for anything not a model row."""
    if obj is None or not hasattr(obj, "_meta"):
        return False
    return masking.may_unmask(user, obj, field)

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def with_param(context: dict[str, Any], name: str, value: Any) -> str:
    """The current query string with one parameter replaced (pagination whose parameter name varies)."""
    params = context["request"].GET.copy()
    params[name] = value
    return f"?{params.urlencode()}"

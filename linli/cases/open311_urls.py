"""/open311/v2/: GeoReport v2 paths, each with and without the spec's ``.json`` format extension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

from linli.cases import open311


def both(pattern: str, view: Callable[..., Any], name: str) -> list[URLPattern]:
    return [
        re_path(rf"^{pattern}\.(?P<format>json)$", view, name=name),
        re_path(rf"^{pattern}$", view, name=name),
    ]


app_name = "open311"
urlpatterns = [
    *both("discovery", open311.discovery, "discovery"),
    *both("services", open311.services, "services"),
    *both(r"services/(?P<service_code>[A-Za-z0-9_-]{1,16})", open311.service_definition, "service"),
    *both("requests", open311.requests, "requests"),
    *both(r"requests/(?P<service_request_id>[0-9]{1,20})", open311.request_detail, "request"),
    *both(r"tokens/(?P<token>[A-Za-z0-9_-]{1,64})", open311.token, "token"),
]

"""Base classes for the REST API (/api/v1/): scoping, capabilities, query-parameter validation, errors.

Every viewset over scoped rows derives from ``ScopedViewSet``: its queryset is always
``visible_to(request.user)``, so a list shows only the caller's subtree and a retrieve of anything
outside it answers 404, exactly like a missing id. Query parameters are declared as a serializer
(``filter_serializer_class``) and validated before use: a malformed filter answers 400 with field
errors, never 500. Actions' refusals become HTTP answers in one place (``handle_exception``):
``ActionError`` → 400 ``{"field": ["message"]}``, ``PermissionDenied`` → 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from linli.core.actions import ActionError
from linli.core.actors import is_signed_in

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor

NON_FIELD_ERRORS = "non_field_errors"


def has_capability(user: MaybeActor, capability: str) -> bool:
    return is_signed_in(user) and user.has_capability(capability)


class CapabilityPermission(BasePermission):
    """Allow a signed-in user whose roles grant ``capability`` (see linli.accounts.roles)."""

    capability: ClassVar[str] = ""
    message = gettext_lazy("您的角色没有执行此操作的权限。")

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_capability(request.user, self.capability)


def HasCapability(capability: str) -> type[BasePermission]:  # reads like a class in permission_classes
    """A permission class requiring one capability: ``permission_classes = [HasCapability(Capability.VIEW_PLACES)]``."""
    return type(f"HasCapability_{capability}", (CapabilityPermission,), {"capability": str(capability)})


class LinliPagination(PageNumberPagination):
    """``?page=N`` (from 1, or ``last``) and ``?page_size=N`` (1–500); malformed values answer 400."""

    page_size = cast(int, settings.REST_FRAMEWORK.get("PAGE_SIZE", 50))
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        errors: dict[str, list[str]] = {}
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not (page.isdigit() and int(page) >= 1):
            errors[self.page_query_param] = [_("页码必须是不小于 1 的整数。")]
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not (size.isdigit() and 1 <= int(size) <= self.max_page_size):
            errors[self.page_size_query_param] = [
                _("每页条数必须是 1 到 %(max)d 之间的整数。") % {"max": self.max_page_size}
            ]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)


def action_error_detail(error: ActionError) -> dict[str, list[str]]:
    return {error.field or NON_FIELD_ERRORS: [error.message]}


# ActionError codes that are not bad input but a case that moved on: answered 409 Conflict.
CONFLICT_CODES = frozenset({"state", "conflict"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("对象已被他人更新，请刷新后再操作。")
    default_code = "conflict"


class ApiErrorsMixin:
    """Turn the domain's refusals into HTTP answers: ActionError → 400 (409 for a wrong state or a
    stale version: ``{"detail": message, "code": "state" | "conflict"}``), PermissionDenied → 403."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ActionError) and exc.code in CONFLICT_CODES:
            exc = Conflict({"detail": exc.message, "code": exc.code})
        elif isinstance(exc, ActionError):
            exc = exceptions.ValidationError(action_error_detail(exc))
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)  # type: ignore[misc]


class ScopedViewSet(ApiErrorsMixin, ReadOnlyModelViewSet[Any]):
    """Read-only viewset over a scoped model; subclasses set ``queryset`` and the serializers.

    - ``queryset.visible_to(request.user)`` is the only way rows are read (retrieve outside → 404);
    - ``filter_serializer_class`` declares the query parameters; ``apply_filters`` applies the
      validated values. Unknown parameters are ignored, malformed ones answer 400;
    - ``permission_classes`` default to ``HasCapability(required_capability)``.
    """

    filter_serializer_class: ClassVar[type[serializers.Serializer[Any]] | None] = None
    required_capability: ClassVar[str] = ""
    pagination_class = LinliPagination
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self) -> list[BasePermission]:
        if self.required_capability:
            return [IsAuthenticated(), HasCapability(self.required_capability)()]
        return [IsAuthenticated()]

    def get_queryset(self) -> models.QuerySet[Any]:
        base: models.QuerySet[Any] | None = self.queryset  # type: ignore[arg-type, assignment]  # stubs: a Manager descriptor
        assert base is not None, f"{type(self).__name__} must set queryset"
        # .all() so no evaluated queryset is shared between requests, as DRF does.
        scoped: models.QuerySet[Any] = base.all().visible_to(self.request.user)  # type: ignore[attr-defined]
        return scoped

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except Http404 as exc:  # DRF's default names the model; say what get_visible_or_404 says
            raise exceptions.NotFound(_("找不到该对象，或它不在您的管辖范围内。")) from exc

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.filter_serializer_class is None or self.action != "list":
            return queryset
        params = self.filter_serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return self.apply_filters(queryset, {k: v for k, v in params.validated_data.items() if v is not None})

    def apply_filters(self, queryset: models.QuerySet[Any], filters: Mapping[str, Any]) -> models.QuerySet[Any]:
        """Apply validated query parameters (only those given). Subclasses override."""
        return queryset


class ReadFiltersSerializer(serializers.Serializer[Any]):
    """Base for query-parameter serializers: every field optional, none nullable from the wire."""

    def to_internal_value(self, data: Any) -> Any:
        # QueryDicts give lists; take the last value of each declared field, drop empty strings.
        plain = {name: data.get(name) for name in self.fields if data.get(name, "") != ""}
        return super().to_internal_value(plain)


__all__ = [
    "CONFLICT_CODES",
    "NON_FIELD_ERRORS",
    "ApiErrorsMixin",
    "CapabilityPermission",
    "Conflict",
    "HasCapability",
    "LinliPagination",
    "ReadFiltersSerializer",
    "ScopedViewSet",
    "action_error_detail",
    "has_capability",
]

"""Base classes for the REST API (/api/v1/): scoping, capabilities, query-parameter validation, errors.

Every viewset over scoped rows derives from ``ScopedViewSet``: its queryset is always
``visible_to(request.user)``, so a list shows only the caller's subtree and a retrieve of anything
outside it answers 404, exactly like a missing id. A list's query parameters are its FilterSet
(``filterset_class``, from ``<app>/filters.py``; the page of the same list uses the same one, see
``core.filters``): a malformed filter answers 400 with field errors, never 500; unknown parameters
are ignored. Actions' refusals become HTTP answers in one place (``handle_exception``):
``ActionError`` → 400 ``{"field": ["message"]}``, ``PermissionDenied`` → 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from linli.core.actions import ActionError
from linli.core.actors import is_signed_in
from linli.core.filters import ListFilterBackend, ScopedFilterSet

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
    - ``filterset_class`` (a ``core.filters.ScopedFilterSet``) filters the list, through
      ``ListFilterBackend``: unknown parameters are ignored, malformed ones answer 400;
    - ``permission_classes`` default to ``HasCapability(required_capability)``.
    """

    filterset_class: ClassVar[type[ScopedFilterSet] | None] = None
    filter_backends = [ListFilterBackend]
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


# --- writes: one "not visible" answer, one create path --------------------------------------------

# The answer for an id in a request body that names a row the caller may not see, or none at all:
# the same words for both, so the API never tells an outsider whether an id exists.
NOT_VISIBLE = gettext_lazy("找不到编号为 %(id)s 的%(what)s，或它不在您的管辖范围内。")

# Shared schema answers for the endpoints' documentation.
VALIDATION_ERROR = OpenApiResponse(
    description=gettext_lazy('输入有误：按字段列出的错误，如 {"number": ["该字段是必填项。"]}')
)
FORBIDDEN = OpenApiResponse(description=gettext_lazy("没有权限，或写入会落到您的管辖范围之外"))
NOT_FOUND = OpenApiResponse(description=gettext_lazy("不存在，或不在您的管辖范围内"))


class ScopedReferenceField(serializers.IntegerField):
    """An id of a row the caller may see; resolved through ``visible_to(request.user)``.

    ``ScopedReferenceField(House.objects.all(), _("房屋"), label=...)``: the validated value is the
    row itself. Missing and outside-scope ids get one and the same message (``NOT_VISIBLE``).
    """

    def __init__(self, queryset: models.QuerySet[Any], what: Any, **kwargs: Any) -> None:
        self.scoped_queryset = queryset
        self.what = what
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        pk = super().run_validation(data)  # an int that passed min_value, or None
        if pk is None:
            return None
        user = self.context["request"].user
        obj = self.scoped_queryset.visible_to(user).filter(pk=pk).first()  # type: ignore[attr-defined]
        if obj is None:
            raise serializers.ValidationError(NOT_VISIBLE % {"id": pk, "what": self.what}, code="does_not_exist")
        return obj


class WritableScopedViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Adds POST: validates with ``create_serializer_class``, writes through ``perform_action``.

    Reading needs ``required_capability``, creating also ``create_capability``; the action checks
    again (and checks scope).
    """

    create_serializer_class: ClassVar[type[serializers.BaseSerializer[Any]]]
    create_capability: ClassVar[str]

    def get_permissions(self) -> list[BasePermission]:
        permissions = super().get_permissions()
        if self.action == "create":
            permissions.append(HasCapability(self.create_capability)())
        return permissions

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = self.create_serializer_class(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        obj = self.perform_action(form.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def perform_action(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError


__all__ = [
    "CONFLICT_CODES",
    "FORBIDDEN",
    "NON_FIELD_ERRORS",
    "NOT_FOUND",
    "NOT_VISIBLE",
    "VALIDATION_ERROR",
    "ApiErrorsMixin",
    "CapabilityPermission",
    "Conflict",
    "HasCapability",
    "LinliPagination",
    "ScopedReferenceField",
    "ScopedViewSet",
    "WritableScopedViewSet",
    "action_error_detail",
    "has_capability",
]

"""The case loop over the REST API: list, detail, report, and every transition as a POST action.

- ``GET /api/v1/cases/`` — the caller's cases (``visible_to``), filtered and paginated;
- ``GET /api/v1/cases/{id}/`` — one case with its steps, whistles, extensions, photo metadata, the
  verbs the caller may apply now (``allowed``, from ``workflow.allowed_verbs``) and its ``version``;
- ``POST /api/v1/cases/`` — ``workflow.report_case`` (category by code; place by house, building, or
  lng + lat + address);
- ``POST /api/v1/cases/{id}/{verb}/`` — one transition of ``workflow.RULES`` each, taking the fields
  of the action plus ``expected_version``. Refusals: wrong status or stale version → 409, not this
  user's to do → 403, outside scope → 404, bad input → 400 on the field (``ApiErrorsMixin``).
- ``GET /api/v1/case-categories/`` — the category tree (majors with their active minors).

The contact phone is masked in every response (serializers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.cases import serializers as s
from linli.cases import workflow as wf
from linli.cases.filters import CaseFilterSet
from linli.cases.models import Case, Category, Step, Whistle
from linli.cases.verbs import VERBS, Verb
from linli.core.api import (
    FORBIDDEN,
    NOT_FOUND,
    VALIDATION_ERROR,
    ApiErrorsMixin,
    CapabilityPermission,
    HasCapability,
    ScopedViewSet,
    has_capability,
)

CONFLICT = OpenApiResponse(
    description=gettext_lazy(
        "当前状态不允许该操作，或事件已被他人更新（expected_version 不符）："
        '{"detail": "…", "code": "state" 或 "conflict"}'
    )
)


class CanReadCases(CapabilityPermission):
    """Staff who view cases, and residents (who see the cases they reported)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return has_capability(user, Capability.VIEW_CASES) or has_capability(user, Capability.REPORT_CASES)


# --- transitions -----------------------------------------------------------------------------------


def _make_transition(entry: Verb) -> Callable[..., Response]:
    verb = entry.name

    def handler(self: CaseViewSet, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self.transition(request, entry)

    handler.__name__ = f"do_{verb}"
    handler.__doc__ = str(entry.description)
    schema = extend_schema(
        summary=entry.rule.label,
        description=entry.description,
        request=entry.serializer,
        responses={200: s.CaseDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    action = drf_action(detail=True, methods=["post"], url_path=verb, url_name=verb.replace("_", "-"))(handler)
    return schema(action)  # outermost, as the decorators are stacked on a method


# --- viewsets --------------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("事件列表")),
    retrieve=extend_schema(
        summary=gettext_lazy("事件详情（处置步骤、吹哨、可执行操作）"),
        responses={200: s.CaseDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary=gettext_lazy("上报事件"),
        description=gettext_lazy(
            "按分类代码上报；地点三选一：房屋 house、楼栋 building，或坐标 lng + lat 加地址 address。"
            "坐标须落在本市某个网格内。来源默认为“系统接口”。"
        ),
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    ),
)
class CaseViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """事件：只列出您管辖范围内的事件（部门人员：本部门承办、处置或被吹哨的；居民：本人上报的）。"""

    queryset = Case.objects.select_related("category", "region", "holder_region", "holder_department")
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet

    def get_permissions(self) -> list[BasePermission]:
        permissions: list[BasePermission] = [IsAuthenticated(), CanReadCases()]
        if self.action == "create":
            permissions.append(HasCapability(Capability.REPORT_CASES)())
        return permissions

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset
        return queryset.select_related(
            "dispatcher_region",
            "handler_region",
            "handler_department",
            "reporter_user",
            "merged_into",
            "category__department",
        ).prefetch_related(
            Prefetch("steps", queryset=Step.objects.select_related("actor", "department")),
            Prefetch(
                "whistles",
                queryset=Whistle.objects.select_related("region").prefetch_related("summonses__department"),
            ),
            "summonses",
            "extensions",
            "attachments",
        )

    def get_serializer_class(self) -> Any:
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def _detail(self, case: Case) -> dict[str, Any]:
        """The case as the detail shows it after a write (fresh from the database)."""
        fresh = self.get_queryset().filter(pk=case.pk).first() or Case.objects.get(pk=case.pk)
        return dict(s.CaseDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = wf.report_case(cast(User, request.user), photos=request.FILES.getlist("photos"), **data)
        return Response(self._detail(case), status=status.HTTP_201_CREATED)

    def transition(self, request: Request, entry: Verb) -> Response:
        case = self.get_object()  # 404 outside scope, before anything about the body
        user = request.user
        if not (has_capability(user, Capability.HANDLE_CASES) or has_capability(user, Capability.REPORT_CASES)):
            raise exceptions.PermissionDenied(_("您的角色不能办理事件。"))
        form = entry.serializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("expected_version", None)
        photos = list(request.FILES.getlist("photos"))
        entry.perform(user, case, data, photos, version)
        return Response(self._detail(case))


for _entry in VERBS.values():
    setattr(CaseViewSet, f"do_{_entry.name}", _make_transition(_entry))


@extend_schema(tags=["cases"])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("事件分类树（大类及其启用的小类）")))
class CategoryViewSet(ApiErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Any]):
    """事件分类：大类及其小类、处置层级、责任部门、各环节时限（工作小时）。上报时用小类代码。

    Categories are the same everywhere (not scoped rows): one list, the whole tree, no pages.
    """

    serializer_class = s.CategoryTreeSerializer
    pagination_class = None

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated(), CanReadCases()]

    def get_queryset(self) -> QuerySet[Any]:
        return (
            Category.objects.filter(parent__isnull=True, active=True)
            .prefetch_related(Prefetch("children", queryset=Category.objects.select_related("department")))
            .order_by("sort", "code")
        )


def register(router: DefaultRouter) -> None:
    router.register("cases", CaseViewSet, basename="case")
    router.register("case-categories", CategoryViewSet, basename="case-category")

"""The population registry over the REST API: persons, households, residences, tags, history, unmask.

Reads are scoped by ``ScopedViewSet`` (visible_to; anything outside the caller's subtree is 404).
Sensitive fields are masked in every response (serializers.py); ``POST persons/{id}/unmask/``
returns one clear value through linli.core.masking.unmask, which checks the role, wants a reason
and writes the audit event. ``POST persons`` registers through ``register_person``;
``POST persons/{id}/death/`` and ``persons/{id}/cancel/`` call ``record_death`` and ``cancel_person``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from linli.accounts.roles import Capability
from linli.core.api import (
    FORBIDDEN,
    NOT_FOUND,
    VALIDATION_ERROR,
    ApiErrorsMixin,
    HasCapability,
    LinliPagination,
    ScopedViewSet,
    WritableScopedViewSet,
)
from linli.core.filters import ListFilterBackend
from linli.core.masking import unmask
from linli.people import filters as f
from linli.people import serializers as s
from linli.people.actions import acting_user, cancel_person, record_death, register_person
from linli.people.models import Household, Membership, Person, Residence, Tag
from linli.people.queries import person_history, tags_visible_to


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary=_("人员列表（可搜索）")),
    retrieve=extend_schema(summary=_("人员详情（脱敏）"), responses={200: s.PersonDetailSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("登记人员"),
        request=s.PersonCreateSerializer,
        responses={201: s.PersonDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    ),
)
class PersonViewSet(WritableScopedViewSet):
    """实有人口：证件号码与电话一律脱敏显示；查看原文用 unmask，需理由并记入审计。"""

    queryset = Person.objects.select_related("region")
    serializer_class = s.PersonSerializer
    create_serializer_class = s.PersonCreateSerializer
    filterset_class = f.PersonFilterSet
    required_capability = Capability.VIEW_PEOPLE
    create_capability = Capability.EDIT_PEOPLE

    def get_permissions(self) -> list[Any]:
        permissions = super().get_permissions()
        if self.action in ("death", "cancel"):
            permissions.append(HasCapability(Capability.EDIT_PEOPLE)())
        return permissions

    def get_serializer_class(self) -> Any:
        if self.action in ("retrieve", "create", "death", "cancel"):
            return s.PersonDetailSerializer
        return s.PersonSerializer

    def perform_action(self, data: dict[str, Any]) -> Person:
        return register_person(acting_user(self.request.user), **data)

    @extend_schema(
        summary=_("人员变更历史（脱敏）"),
        description=_("该人员及其户成员、居住、标签记录的全部审计事件，按时间先后；变更内容已脱敏。"),
        responses={200: s.HistoryEventSerializer(many=True), 404: NOT_FOUND},
        filters=False,  # a detail route: the person list's filters do not apply
    )
    @drf_action(detail=True, methods=["get"], url_path="history", url_name="history")
    def history(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        person = self.get_object()
        events = person_history(person, request.user)
        page = self.paginate_queryset(events)
        if page is not None:
            return self.get_paginated_response(s.HistoryEventSerializer(page, many=True).data)
        return Response(s.HistoryEventSerializer(events, many=True).data)

    @extend_schema(
        summary=_("登记死亡"),
        description=_(
            "在册人员死亡：状态改为“死亡”，其当前居住登记和户成员关系于死亡日期结束；户主死亡后该户暂无户主。"
            "日期不能晚于今天或早于出生日期。"
        ),
        request=s.DeathSerializer,
        responses={200: s.PersonDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @drf_action(detail=True, methods=["post"], url_path="death", url_name="death")
    def death(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        person = self.get_object()
        form = s.DeathSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        person = record_death(acting_user(request.user), person, died_on=data["died_on"], note=data.get("note", ""))
        return Response(s.PersonDetailSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("注销人员记录"),
        description=_(
            "注销在册人员的记录（如重复登记）：须填写原因（至少 2 个字）；其当前居住登记和户成员关系于注销日期结束。"
        ),
        request=s.CancelSerializer,
        responses={200: s.PersonDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @drf_action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        person = self.get_object()
        form = s.CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        person = cancel_person(acting_user(request.user), person, on=data["on"], reason=data["reason"])
        return Response(s.PersonDetailSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("查看敏感字段原文"),
        description=_(
            "返回一个敏感字段（id_number 或 phone）的原文。需要有权查看原文的角色，并填写理由；"
            "每次查看都记入审计日志（只记字段和理由，不记原文）。"
        ),
        request=s.UnmaskSerializer,
        responses={
            200: s.UnmaskResponseSerializer,
            400: VALIDATION_ERROR,
            403: OpenApiResponse(description=_("您的角色无权查看该字段的原文")),
            404: NOT_FOUND,
        },
    )
    @drf_action(detail=True, methods=["post"], url_path="unmask", url_name="unmask")
    def unmask(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        person = self.get_object()
        form = s.UnmaskSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        field = form.validated_data["field"]
        value = unmask(request.user, person, field, reason=form.validated_data.get("reason", ""))
        response = Response({"field": field, "value": value})
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary=_("户列表（含现有成员）")),
    retrieve=extend_schema(summary=_("户详情（含现有成员）"), responses={200: s.HouseholdSerializer, 404: NOT_FOUND}),
)
class HouseholdViewSet(ScopedViewSet):
    """户：户号、户类型、住址房屋、户主和现有成员。"""

    queryset = Household.objects.select_related("head").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("person").order_by("relation", "pk"))
    )
    serializer_class = s.HouseholdSerializer
    filterset_class = f.HouseholdFilterSet
    required_capability = Capability.VIEW_PEOPLE


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary=_("居住登记列表")),
    retrieve=extend_schema(summary=_("居住登记详情"), responses={200: s.ResidenceSerializer, 404: NOT_FOUND}),
)
class ResidenceViewSet(ScopedViewSet):
    """居住登记：人员与房屋、人口类型（户籍、流动、境外、留守）、迁入迁出日期。"""

    queryset = Residence.objects.select_related("person", "house")
    serializer_class = s.ResidenceSerializer
    filterset_class = f.ResidenceFilterSet
    required_capability = Capability.VIEW_PEOPLE


@extend_schema(tags=["people"])
@extend_schema_view(list=extend_schema(summary=_("标签列表")))
class TagViewSet(ApiErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Any]):
    """标签：只列出您的角色可以看到的标签（受保护标签仅对授权角色可见）。

    Tags are not scoped rows (a tag is the same everywhere); what a user may see depends on the
    tag's visibility and their roles, so there is a list and no per-tag route.
    """

    queryset = Tag.objects.none()  # names the model for the schema; the rows come from get_queryset
    serializer_class = s.TagSerializer
    pagination_class = LinliPagination
    filter_backends = [ListFilterBackend]
    filterset_class = f.TagFilterSet

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated(), HasCapability(Capability.VIEW_PEOPLE)()]

    def get_queryset(self) -> QuerySet[Any]:
        return tags_visible_to(self.request.user).select_related("category").order_by("category__code", "code")


def register(router: DefaultRouter) -> None:
    router.register("persons", PersonViewSet, basename="person")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("residences", ResidenceViewSet, basename="residence")
    router.register("tags", TagViewSet, basename="tag")

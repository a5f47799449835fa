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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from linli.accounts.models import Assignment
from linli.accounts.roles import Capability, Role
from linli.cases import serializers as s
from linli.cases import workflow as wf
from linli.cases.models import Case, Category, Extension, Step, Whistle
from linli.core.actions import ActionError
from linli.core.api import ApiErrorsMixin, CapabilityPermission, HasCapability, ScopedViewSet, has_capability
from linli.places.api import FORBIDDEN, NOT_FOUND, VALIDATION_ERROR, within_region

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


def held_by(user: Any) -> Q:
    """Cases the user's level or department holds now (the ``holder=mine`` filter; mirrors ``workflow.holds``)."""
    condition = Q(pk__in=[])
    for role, region_id, path, department_id in (
        Assignment.objects.active().filter(user=user).values_list("role", "region_id", "region__path", "department_id")
    ):
        if role == Role.DEPARTMENT_STAFF and department_id is not None:
            condition |= Q(holder_department_id=department_id, region_path__subtree=path)
        elif role in wf.STAFF_ROLES:
            condition |= Q(holder_region_id=region_id, holder_department__isnull=True)
    return condition


# --- transitions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One POST action: its input form and how it calls the workflow (with ``expected_version``)."""

    form: type[serializers.Serializer[Any]]
    apply: Callable[[Any, Case, dict[str, Any], list[Any], int | None], Any]
    description: Any


def _pending_extension(case: Case, extension_id: int | None) -> Extension:
    if extension_id is not None:
        found = Extension.objects.filter(case=case, pk=extension_id).first()
        if found is None:
            raise ActionError(
                _("事件 %(number)s 没有编号为 %(id)s 的延期申请。") % {"number": case.number, "id": extension_id},
                field="extension",
            )
        return found
    pending = Extension.objects.filter(case=case, status="pending").order_by("-requested_at").first()
    if pending is None:
        raise ActionError(_("事件 %(number)s 没有待审批的延期申请。") % {"number": case.number}, code="state")
    return pending


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(
        s.NoteSerializer,
        lambda u, c, d, p, v: wf.accept_case(u, c, note=d.get("note", ""), expected_version=v),
        gettext_lazy("受理：待受理 → 待立案。"),
    ),
    "reject": Transition(
        s.ReasonSerializer,
        lambda u, c, d, p, v: wf.reject_case(u, c, reason=d["reason"], expected_version=v),
        gettext_lazy("不予受理（须填写理由，告知反映人）。"),
    ),
    "register": Transition(
        s.RegisterSerializer,
        lambda u, c, d, p, v: wf.register_case(
            u, c, category=d.get("category"), priority=d.get("priority"), note=d.get("note", ""), expected_version=v
        ),
        gettext_lazy("立案：待立案 → 待派遣；可更正分类和紧急程度。"),
    ),
    "dispatch": Transition(
        s.DispatchSerializer,
        lambda u, c, d, p, v: wf.dispatch_case(
            u,
            c,
            to_region=d.get("to_region"),
            to_department=d.get("to_department"),
            note=d.get("note", ""),
            expected_version=v,
        ),
        gettext_lazy("派遣：默认按分类和事发地派遣，也可指定本级或下级区域、或职能部门；办结时限从此开始计算。"),
    ),
    "progress": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.note_progress(u, c, note=d["note"], photos=p, expected_version=v),
        gettext_lazy("记录处置进展（可附照片，multipart 字段 photos），状态不变。"),
    ),
    "report_back": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.report_back(u, c, note=d["note"], photos=p, expected_version=v),
        gettext_lazy("处置反馈（可附照片）：处置中 → 待核查，交回派遣层级核查。"),
    ),
    "verify": Transition(
        s.NoteSerializer,
        lambda u, c, d, p, v: wf.verify_case(u, c, passed=True, note=d.get("note", ""), expected_version=v),
        gettext_lazy("核查通过：待核查 → 待结案。"),
    ),
    "rework": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.verify_case(u, c, passed=False, note=d["note"], expected_version=v),
        gettext_lazy("核查不通过（返工）：退回处置单位，办结时限不变。"),
    ),
    "close": Transition(
        s.NoteSerializer,
        lambda u, c, d, p, v: wf.close_case(u, c, note=d.get("note", ""), expected_version=v),
        gettext_lazy("结案：待结案 → 已结案。"),
    ),
    "rate": Transition(
        s.RateSerializer,
        lambda u, c, d, p, v: wf.rate_case(
            u,
            c,
            rating=d["rating"],
            comment=d.get("comment", ""),
            contacted=d["contacted"],
            solved=d.get("solved"),
            expected_version=v,
        ),
        gettext_lazy("评价 / 回访：满意、基本满意、不满意。"),
    ),
    "return": Transition(
        s.ReasonSerializer,
        lambda u, c, d, p, v: wf.return_case(u, c, reason=d["reason"], expected_version=v),
        gettext_lazy("退回（派遣有误）：回到派遣层级重新派遣。"),
    ),
    "escalate": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.escalate_case(u, c, note=d["note"], expected_version=v),
        gettext_lazy("上报上级：承办层级上移一级。"),
    ),
    "self_handle": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.self_handle_case(u, c, note=d["note"], photos=p, expected_version=v),
        gettext_lazy("自行处置：上报的网格员当场解决，直接结案（可附照片）。"),
    ),
    "request_extension": Transition(
        s.ExtensionRequestSerializer,
        lambda u, c, d, p, v: wf.request_extension(u, c, hours=d["hours"], reason=d["reason"], expected_version=v),
        gettext_lazy("申请延期（工作小时），由上级审批。"),
    ),
    "decide_extension": Transition(
        s.ExtensionDecisionSerializer,
        lambda u, c, d, p, v: wf.decide_extension(
            u,
            _pending_extension(c, d.get("extension")),
            approve=d["approve"],
            note=d.get("note", ""),
            expected_version=v,
        ),
        gettext_lazy("审批延期：批准则办结时限按工作时间顺延。"),
    ),
    "supervise": Transition(
        s.RequiredNoteSerializer,
        lambda u, c, d, p, v: wf.supervise_case(u, c, note=d["note"], expected_version=v),
        gettext_lazy("督办：上级标记并留言。"),
    ),
    "merge": Transition(
        s.MergeSerializer,
        lambda u, c, d, p, v: wf.merge_case(u, c, into=d["into"], note=d.get("note", ""), expected_version=v),
        gettext_lazy("合并重复件到另一个未办结的事件。"),
    ),
    "reopen": Transition(
        s.ReasonSerializer,
        lambda u, c, d, p, v: wf.reopen_case(u, c, reason=d["reason"], expected_version=v),
        gettext_lazy("重新办理已结案的事件（派遣层级）。"),
    ),
    "whistle": Transition(
        s.WhistleInputSerializer,
        lambda u, c, d, p, v: wf.whistle_case(
            u, c, departments=d["departments"], kind=d["kind"], note=d["note"], expected_version=v
        ),
        gettext_lazy("吹哨：承办的街道或社区召集职能部门报到。"),
    ),
    "check_in": Transition(
        s.NoteSerializer,
        lambda u, c, d, p, v: wf.check_in(u, c, note=d.get("note", ""), expected_version=v),
        gettext_lazy("报到：被吹哨的部门到场；超过报到时限记为迟到。"),
    ),
    "report_part": Transition(
        s.ReportPartSerializer,
        lambda u, c, d, p, v: wf.report_part(u, c, report=d["report"], expected_version=v),
        gettext_lazy("被吹哨部门反馈承办情况（须先报到）。"),
    ),
}


def _make_transition(verb: str, transition: Transition) -> Callable[..., Response]:
    def handler(self: CaseViewSet, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self.transition(request, verb, transition)

    handler.__name__ = f"do_{verb}"
    handler.__doc__ = str(transition.description)
    schema = extend_schema(
        summary=wf.RULES[verb].label,
        description=transition.description,
        request=transition.form,
        responses={200: s.CaseDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    action = drf_action(detail=True, methods=["post"], url_path=verb, url_name=verb.replace("_", "-"))(handler)
    return schema(action)  # outermost, as the decorators are stacked on a method


# --- viewsets --------------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("事件列表"), parameters=[s.CaseFilters]),
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
    filter_serializer_class = s.CaseFilters

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

    def apply_filters(self, queryset: QuerySet[Any], filters: Mapping[str, Any]) -> QuerySet[Any]:
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        if filters.get("holder") == "mine":
            queryset = queryset.filter(held_by(self.request.user))
        if "category" in filters:
            code = filters["category"]
            queryset = queryset.filter(Q(category__code=code) | Q(category__parent__code=code))
        if "source" in filters:
            queryset = queryset.filter(source=filters["source"])
        if "overdue" in filters:
            queryset = queryset.filter(is_overdue=filters["overdue"])
        if "region" in filters:
            queryset = within_region(queryset, filters["region"])
        if "reported_after" in filters:
            queryset = queryset.filter(reported_at__date__gte=filters["reported_after"])
        if "reported_before" in filters:
            queryset = queryset.filter(reported_at__date__lte=filters["reported_before"])
        if "q" in filters:
            q = filters["q"].strip()
            queryset = queryset.filter(Q(number__startswith=q) | Q(title__icontains=q))
        return queryset

    def _detail(self, case: Case) -> dict[str, Any]:
        """The case as the detail shows it after a write (fresh from the database)."""
        fresh = self.get_queryset().filter(pk=case.pk).first() or Case.objects.get(pk=case.pk)
        return dict(s.CaseDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = wf.report_case(request.user, photos=request.FILES.getlist("photos"), **data)
        return Response(self._detail(case), status=status.HTTP_201_CREATED)

    def transition(self, request: Request, verb: str, transition: Transition) -> Response:
        case = self.get_object()  # 404 outside scope, before anything about the body
        user = request.user
        if not (has_capability(user, Capability.HANDLE_CASES) or has_capability(user, Capability.REPORT_CASES)):
            raise exceptions.PermissionDenied(_("您的角色不能办理事件。"))
        form = transition.form(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("expected_version", None)
        photos = list(request.FILES.getlist("photos"))
        transition.apply(user, case, data, photos, version)
        return Response(self._detail(case))


for _verb, _transition in TRANSITIONS.items():
    setattr(CaseViewSet, f"do_{_verb}", _make_transition(_verb, _transition))


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

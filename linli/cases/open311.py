"""Open311 GeoReport v2 at ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), JSON only.

The jurisdiction is the city (``settings.LINLI_OPEN311_JURISDICTION``; a request naming another
``jurisdiction_id`` answers 404). Every path answers with or without the spec's ``.json`` format
extension. Errors come in the spec's shape: ``[{"code": 400, "description": "…"}]``.

- ``GET discovery.json`` — the endpoint, its specification and formats;
- ``GET services.json`` — the active minor categories marked public (``is_public``): service_code
  = the category code, group = the major category. Hazard categories (安全隐患) carry one optional
  attribute, ``priority`` (紧急程度), so their ``metadata`` is true;
- ``GET services/{code}.json`` — a service definition (its attributes; none for most);
- ``GET requests.json`` — the public view of cases in public categories: no contact, no reporter,
  no house-level address (the building's address instead), phone- and ID-like text in descriptions
  masked. Our statuses map to ``closed`` (已结案, 不予受理, 已合并) or ``open`` (all others);
  ``expected_datetime`` is the handling deadline (``due_at``) or, before dispatch, the current
  stage's deadline. At most 1000 requests, newest first; the default window is the last 90 days;
- ``POST requests.json`` — a new case through ``workflow.report_case`` with source 系统接口. It needs
  ``api_key`` = the API token (/api/v1/auth/token/) of an account with the capability to report cases
  — the jurisdiction's integration account, whose scope must contain the point. We do not geocode:
  ``lat`` and ``long`` are required. The answer carries the case number as ``service_request_id``
  at once, so ``token`` is null;
- ``GET requests/{id}.json`` — one request by its number;
- ``GET tokens/{token}.json`` — for clients that always poll for a token: the token is the case
  number itself (we never answer with a token, so one a client holds can only be a number we gave).

This module is the one deliberate exception to "reads go through ``visible_to``": what it shows is
public by the category's own flag, and ``public_requests`` is the only query it reads cases with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authtoken.models import Token

from linli.accounts.roles import Capability
from linli.cases.choices import FINAL_STATUSES, CategoryKind, Priority, Source
from linli.cases.models import Case, Category
from linli.cases.workflow import report_case
from linli.core.actions import ActionError
from linli.core.masking import redact

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-03-02T00:00:00+08:00"  # when what this endpoint answers last changed
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
MAX_DESCRIPTION = 2000  # the case's limit (the spec allows 4000; we say so in the error)
MAX_IDS = 1000


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def error_response(code: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": code, "description": description}], status=code, safe=False)


def endpoint(*methods: str) -> Callable[[Callable[..., JsonResponse]], Callable[..., JsonResponse]]:
    """Allow ``methods``, check ``jurisdiction_id``, and answer every refusal in the spec's shape."""

    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, format: str | None = None, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                response = error_response(405, _("不支持 %(method)s 请求。") % {"method": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                query = params(request)
                check_jurisdiction(query)
                return view(request, query, *args, **kwargs)
            except Open311Error as exc:
                return error_response(exc.code, exc.description)

        return csrf_exempt(wrapper)

    return decorate


def params(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: the query string, and for POST the form (or JSON) body over it."""
    values = {key: request.GET.get(key, "") for key in request.GET}
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python recurses
                raise Open311Error(400, _("请求体不是合法的 JSON。")) from exc
            if not isinstance(body, dict):
                raise Open311Error(400, _("请求体不是合法的 JSON。"))
            values.update({str(k): "" if v is None else str(v) for k, v in body.items()})
        else:
            values.update({key: request.POST.get(key, "") for key in request.POST})
    return values


def check_jurisdiction(query: dict[str, str]) -> None:
    given = query.get("jurisdiction_id", "").strip()
    if given and given != settings.LINLI_OPEN311_JURISDICTION:
        raise Open311Error(404, _("jurisdiction_id“%(value)s”不存在。") % {"value": given})


def w3c(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else None


# --- services --------------------------------------------------------------------------------------


def public_services() -> QuerySet[Category]:
    return (
        Category.objects.filter(parent__isnull=False, active=True, is_public=True, parent__active=True)
        .select_related("parent")
        .order_by("sort", "code")
    )


def attributes(category: Category) -> list[dict[str, Any]]:
    """The service's attributes: hazards ask how urgent it is; other services ask nothing."""
    if category.kind != CategoryKind.HAZARD:
        return []
    return [
        {
            "variable": True,
            "code": "priority",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("选择一项；不填为“一般”"),
            "order": 1,
            "description": _("紧急程度"),
            "values": [{"key": key, "name": str(label)} for key, label in Priority.choices],
        }
    ]


def service_row(category: Category) -> dict[str, Any]:
    assert category.parent is not None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.parent.name}：{category.name}",
        "metadata": bool(attributes(category)),
        "type": "realtime",
        "keywords": ", ".join(category.keywords.split()),
        "group": category.parent.name,
    }


def public_service(code: str) -> Category:
    category = public_services().filter(code=code.strip()).first()
    if category is None:
        raise Open311Error(404, _("service_code“%(code)s”不存在。") % {"code": code})
    return category


# --- requests --------------------------------------------------------------------------------------


def public_requests() -> QuerySet[Case]:
    """Every case that may be shown to anyone: those in public categories."""
    return Case.objects.filter(category__is_public=True).select_related(
        "category", "holder_region", "holder_department", "building", "merged_into"
    )


def public_address(case: Case) -> str:
    """The building's address for a case placed at a house (no room numbers in public), else the case's."""
    if case.house_id is not None and case.building is not None:
        return redact(case.building.address)
    return redact(case.address)


def status_notes(case: Case) -> str:
    label = str(case.get_status_display())
    if case.merged_into is not None:
        return _("%(status)s：并入 %(number)s") % {"status": label, "number": case.merged_into.number}
    return label


def request_row(case: Case) -> dict[str, Any]:
    return {
        "service_request_id": case.number,
        "status": "closed" if case.status in FINAL_STATUSES else "open",
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": redact(case.description or case.title),
        "agency_responsible": case.holder_label,
        "service_notice": "",
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at or case.deadline),
        "address": public_address(case),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": None,
    }


def parse_moment(value: str, name: str) -> datetime:
    """A W3C date or date-time; one that is well-formed but impossible (2026-02-30, T25:00, a year the
    window cannot reach back from) is refused like a malformed one, naming the parameter."""
    refused = Open311Error(
        400, _("%(name)s 不是合法的时间，请用 W3C 格式，如 2026-03-02T09:00:00+08:00。") % {"name": name}
    )
    try:
        moment = parse_datetime(value.replace(" ", "+")) if "T" in value else None  # "+08:00" arrives as " 08:00"
        if moment is None:
            day = parse_date(value) if "T" not in value else None
            if day is None:
                raise refused
            moment = datetime(day.year, day.month, day.day)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # The window reaches DEFAULT_DAYS either way from a bound and is stored in UTC: a date so near an
        # end of the calendar that this overflows (0001-01-01; 9999-12-31 east of UTC) cannot be a bound.
        _reach = (moment - timedelta(DEFAULT_DAYS), moment + timedelta(DEFAULT_DAYS), moment.astimezone(UTC))
    except (ValueError, OverflowError) as exc:
        raise refused from exc
    return moment


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def find_requests(query: dict[str, str]) -> QuerySet[Case]:
    """Apply the spec's filters; ``service_request_id`` overrides all the others."""
    cases = public_requests().order_by("-reported_at", "-id")
    ids = comma_list(query.get("service_request_id", ""))
    if ids:
        if len(ids) > MAX_IDS or not all(i.isdigit() for i in ids):
            raise Open311Error(400, _("service_request_id 须为以逗号分隔的事件编号（数字），最多 1000 个。"))
        return cases.filter(number__in=ids)
    codes = comma_list(query.get("service_code", ""))
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = comma_list(query.get("status", ""))
    if statuses:
        if not set(statuses) <= {"open", "closed"}:
            raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）。"))
        if statuses == ["open"]:
            cases = cases.exclude(status__in=FINAL_STATUSES)
        elif statuses == ["closed"]:
            cases = cases.filter(status__in=FINAL_STATUSES)
    end = parse_moment(query["end_date"], "end_date") if query.get("end_date") else timezone.now()
    start = (
        parse_moment(query["start_date"], "start_date") if query.get("start_date") else end - timedelta(DEFAULT_DAYS)
    )
    if start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if end - start > timedelta(days=DEFAULT_DAYS):
        raise Open311Error(400, _("start_date 到 end_date 不能超过 %(days)d 天。") % {"days": DEFAULT_DAYS})
    return cases.filter(reported_at__gte=start, reported_at__lte=end)


# --- POST requests ---------------------------------------------------------------------------------


def integration_user(api_key: str) -> Any:
    token = Token.objects.select_related("user").filter(key=api_key.strip()).first() if api_key.strip() else None
    if token is None or not token.user.is_active:
        raise Open311Error(403, _("api_key 缺失或无效。"))
    if not token.user.has_capability(Capability.REPORT_CASES):
        raise Open311Error(403, _("该 api_key 对应的账号没有上报事件的权限。"))
    return token.user


def number_param(query: dict[str, str], name: str, low: float, high: float) -> float:
    try:
        value = float(query[name])
    except ValueError as exc:
        raise Open311Error(400, _("%(name)s 须为数字（WGS-84 坐标）。") % {"name": name}) from exc
    if not low <= value <= high:
        raise Open311Error(400, _("%(name)s 超出范围。") % {"name": name})
    return value


def contact_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"  # Chinese order: family name first, no space
    return " ".join(part for part in (first, last) if part)


def create_request(query: dict[str, str]) -> JsonResponse:
    user = integration_user(query.get("api_key", ""))
    code = query.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = public_services().filter(code=code).first()
    if category is None:
        raise Open311Error(400, _("service_code“%(code)s”不存在。") % {"code": code})
    if not query.get("lat", "").strip() or not query.get("long", "").strip():
        if query.get("address_string", "").strip() or query.get("address_id", "").strip():
            raise Open311Error(
                400, _("本接口不做地址解析：请同时提供 lat 和 long（WGS-84 坐标），address_string 作为地址说明。")
            )
        raise Open311Error(400, _("缺少位置：请提供 lat 和 long（WGS-84 坐标）。"))
    lat = number_param(query, "lat", -90, 90)
    lng = number_param(query, "long", -180, 180)
    description = query.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            400,
            _("description 不能超过 %(max)d 字（现为 %(n)d 字）。") % {"max": MAX_DESCRIPTION, "n": len(description)},
        )
    priority = query.get("attribute[priority]", "").strip() or Priority.NORMAL
    if attributes(category) and priority not in Priority.values:
        raise Open311Error(400, _("attribute[priority] 只能是 %(values)s。") % {"values": "、".join(Priority.values)})
    if not attributes(category):
        priority = Priority.NORMAL
    title = description.splitlines()[0].strip()[:40] if description else ""
    address = query.get("address_string", "").strip()[:200] or _("坐标 %(lat).5f, %(lng).5f") % {"lat": lat, "lng": lng}
    try:
        case = report_case(
            user,
            category=category,
            title=title if len(title) >= 2 else category.name,
            description=description,
            source=Source.API,
            priority=priority,
            lng=lng,
            lat=lat,
            address=address,
            contact_name=contact_name(query.get("first_name", ""), query.get("last_name", "")),
            contact_phone=query.get("phone", ""),
        )
    except ActionError as exc:
        raise Open311Error(400, exc.message) from exc
    except PermissionDenied as exc:
        raise Open311Error(403, str(exc) or _("该 api_key 对应的账号不能在此位置上报事件。")) from exc
    except Http404 as exc:
        raise Open311Error(404, str(exc)) from exc
    notice = _("已收到，事件编号 %(number)s，由%(holder)s受理，受理时限 %(deadline)s。") % {
        "number": case.number,
        "holder": case.holder_label,
        "deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") if case.deadline else "",
    }
    row = {"service_request_id": case.number, "service_notice": notice, "token": None, "account_id": None}
    return JsonResponse([row], status=201, safe=False)


# --- views -----------------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, query: dict[str, str]) -> JsonResponse:
    base = reverse("open311:services").rsplit("services", 1)[0]
    return JsonResponse(
        {
            "changeset": CHANGESET,
            "contact": _("Linli 邻里平台管理员"),
            "key_service": _("向平台管理员申请接口账号（需有“上报事件”权限），用它的 API 令牌作为 api_key。"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": request.build_absolute_uri(base),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


@endpoint("GET")
def services(request: HttpRequest, query: dict[str, str]) -> JsonResponse:
    return JsonResponse([service_row(category) for category in public_services()], safe=False)


@endpoint("GET")
def service_definition(request: HttpRequest, query: dict[str, str], service_code: str) -> JsonResponse:
    category = public_service(service_code)
    return JsonResponse({"service_code": category.code, "attributes": attributes(category)})


@endpoint("GET", "POST")
def requests(request: HttpRequest, query: dict[str, str]) -> JsonResponse:
    if request.method == "POST":
        return create_request(query)
    rows = [request_row(case) for case in find_requests(query)[:MAX_REQUESTS]]
    return JsonResponse(rows, safe=False)


@endpoint("GET")
def request_detail(request: HttpRequest, query: dict[str, str], service_request_id: str) -> JsonResponse:
    case = public_requests().filter(number=service_request_id).first()
    if case is None:
        raise Open311Error(404, _("service_request_id“%(id)s”不存在。") % {"id": service_request_id})
    return JsonResponse([request_row(case)], safe=False)


@endpoint("GET")
def token(request: HttpRequest, query: dict[str, str], token: str) -> JsonResponse:
    number = public_requests().filter(number=token).values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, _("token“%(token)s”不存在。") % {"token": token})
    return JsonResponse([{"service_request_id": number, "token": token}], safe=False)

"""Pages of the case loop (事件): report, inboxes per level, the case page, the map, the whistle board.

Reads go through ``Case.objects.visible_to`` and ``get_visible_or_404`` (a case outside the user's
scope answers 404 like a missing one); every write is a ``linli.cases.workflow`` action. The case page
shows exactly the buttons ``workflow.allowed_verbs`` gives, each posting to ``cases:do`` with the
version the page was drawn from: a stale version answers 409 (someone else moved the case), a user the
action refuses 403, bad input 400 with the message beside its field. Photos are served by
``cases:attachment`` after the same visibility check, never from MEDIA_URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.roles import Capability, Role
from linli.cases import workflow as wf
from linli.cases.choices import OPEN_STATUSES, CaseStatus
from linli.cases.forms import (
    CaseFilterForm,
    ReportForm,
)
from linli.cases.models import Attachment, Case, Step, Summons, Whistle, acting_assignments
from linli.cases.verbs import VERBS
from linli.core import worktime
from linli.core.actions import ActionError
from linli.core.forms import show_refusal
from linli.core.masking import mask_phone
from linli.core.paging import DeferredJoinPaginator
from linli.core.scope import get_visible_or_404
from linli.places import geo

CASES_PER_PAGE = 20
MAP_LIMIT = 2000

View = Callable[..., HttpResponseBase]


def case_reader_required(view: View) -> View:
    """Staff who view cases, and those who report them (a resident sees only their own reports)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if not (user.has_capability(Capability.VIEW_CASES) or user.has_capability(Capability.REPORT_CASES)):
            raise PermissionDenied(_("您的角色不能查看事件。"))
        return view(request, *args, **kwargs)

    return wrapper


# --- the deadline clock ------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Remaining working time of the current stage, and its colour: ok (> half left), warn, overdue."""

    seconds: float
    level: str
    label: str


def format_working(seconds: float) -> str:
    """Working time in words: working days of ``worktime.DAY_SECONDS``, hours, minutes."""
    seconds = abs(seconds)
    days, rest = divmod(int(seconds), worktime.DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d 个工作日 %(hours)d 小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d 小时 %(minutes)d 分") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d 分") % {"minutes": minutes}


def stage_seconds(case: Case) -> float:
    """The working time the current stage was given (the category's limit; an extension included)."""
    category = case.category
    if case.status == CaseStatus.HANDLING and case.dispatched_at and case.due_at:
        return max(worktime.working_seconds_between(case.dispatched_at, case.due_at), 1.0)
    hours = {
        CaseStatus.REPORTED: category.accept_hours,
        CaseStatus.ACCEPTED: category.dispatch_hours,
        CaseStatus.REGISTERED: category.dispatch_hours,
        CaseStatus.HANDLING: category.handle_hours,
        CaseStatus.HANDLED: category.verify_hours,
        CaseStatus.VERIFIED: category.dispatch_hours,
    }.get(CaseStatus(case.status), 1.0)
    return max(hours * 3600, 1.0)


def deadline_clock(case: Case, now: datetime) -> Clock | None:
    if case.deadline is None or case.status not in OPEN_STATUSES:
        return None
    remaining = worktime.working_seconds_between(now, case.deadline)
    if now >= case.deadline or case.is_overdue:
        return Clock(remaining, "overdue", _("已超期 %(time)s") % {"time": format_working(remaining)})
    level = "ok" if remaining > stage_seconds(case) / 2 else "warn"
    return Clock(remaining, level, _("剩余 %(time)s") % {"time": format_working(remaining)})


# --- inboxes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any
    condition: Q


INBOX_TABS: list[Tab] = [
    Tab("reported", gettext_lazy("待受理"), Q(status=CaseStatus.REPORTED)),
    Tab("accepted", gettext_lazy("待立案"), Q(status=CaseStatus.ACCEPTED)),
    Tab("registered", gettext_lazy("待派遣"), Q(status=CaseStatus.REGISTERED)),
    Tab("handling", gettext_lazy("处置中"), Q(status=CaseStatus.HANDLING)),
    Tab("handled", gettext_lazy("待核查"), Q(status=CaseStatus.HANDLED)),
    Tab("verified", gettext_lazy("待结案"), Q(status=CaseStatus.VERIFIED)),
    Tab("overdue", gettext_lazy("超期"), Q(is_overdue=True)),
    Tab("supervised", gettext_lazy("督办"), Q(supervised=True)),
]
TABS_BY_KEY = {tab.key: tab for tab in INBOX_TABS}


def user_departments(user: Any) -> list[int]:
    return [d for role, _r, _k, _p, d in acting_assignments(user) if role == Role.DEPARTMENT_STAFF and d]


def held_cases(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user).held_by(user).filter(status__in=OPEN_STATUSES)


def summoned_cases(user: Any) -> QuerySet[Case]:
    """Open cases a department of the user was summoned to and has not yet reported its part on."""
    departments = user_departments(user)
    if not departments:
        return Case.objects.none()
    pending = Summons.objects.filter(department_id__in=departments, reported_at__isnull=True).values("case_id")
    return Case.objects.visible_to(user).filter(pk__in=pending, status__in=OPEN_STATUSES)


def inbox_counts(user: Any) -> dict[str, int]:
    """Every tab's count in one query over the held cases."""
    aggregates = {tab.key: Count("pk", filter=tab.condition) for tab in INBOX_TABS}
    return held_cases(user).aggregate(**aggregates)


def _filter_all(queryset: QuerySet[Case], form: CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data["q"]:
        text = data["q"].strip()
        queryset = queryset.filter(Q(number__startswith=text) | Q(title__icontains=text))
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["major"]:
        queryset = queryset.filter(category__parent=data["major"])
    if data["source"]:
        queryset = queryset.filter(source=data["source"])
    zone = timezone.get_current_timezone()
    if data["start"]:
        queryset = queryset.filter(reported_at__gte=datetime.combine(data["start"], time.min, zone))
    if data["end"]:
        queryset = queryset.filter(reported_at__lt=datetime.combine(data["end"] + timedelta(days=1), time.min, zone))
    if data["overdue"]:
        queryset = queryset.filter(is_overdue=True)
    return queryset


ROW_RELATED = ("category", "category__parent", "holder_region", "holder_department", "region")


@case_reader_required
def inbox(request: HttpRequest) -> HttpResponse:
    """/cases/: the tabs of the cases my level holds (with counts), 待报到 for departments, and 辖区全部."""
    user: Any = request.user
    counts = inbox_counts(user)
    departments = user_departments(user)
    summoned_count = summoned_cases(user).count() if departments else 0
    tab_key = request.GET.get("tab", "")
    valid = set(TABS_BY_KEY) | {"all"} | ({"summoned"} if departments else set())
    if tab_key not in valid:
        tab_key = next((t.key for t in INBOX_TABS if counts.get(t.key)), "")
        if not tab_key:
            tab_key = "summoned" if summoned_count else "all"
    filter_form = CaseFilterForm(request.GET or None)
    if tab_key == "all":
        queryset = _filter_all(Case.objects.visible_to(user), filter_form).order_by("-reported_at", "-pk")
    else:
        queryset = (
            summoned_cases(user) if tab_key == "summoned" else held_cases(user).filter(TABS_BY_KEY[tab_key].condition)
        )
        queryset = queryset.order_by(F("deadline").asc(nulls_last=True), "pk")
    page = DeferredJoinPaginator(queryset, CASES_PER_PAGE, related=ROW_RELATED).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(case, deadline_clock(case, now)) for case in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = tab_key
    tabs = [(t.key, t.label, counts.get(t.key, 0)) for t in INBOX_TABS]
    return render(
        request,
        "cases/inbox.html",
        {
            "tabs": tabs,
            "tab": tab_key,
            "departments": departments,
            "summoned_count": summoned_count,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filter_form": filter_form,
            "may_report": user.has_capability(Capability.REPORT_CASES),
        },
    )


# --- report --------------------------------------------------------------------------------------


def region_bounds(user: Any) -> str:
    """ "w,s,e,n" of the user's primary region, where the report map opens."""
    assignment = user.primary_assignment()
    if assignment is None or not assignment.region.boundary:
        return ""
    try:
        west, south, east, north = geo.geometry(assignment.region.boundary).bounds
    except (ValueError, TypeError, geo.GeometryError):
        return ""
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def _geojson_url(user: Any) -> str:
    assignment = user.primary_assignment()
    if assignment is None or not user.has_capability(Capability.VIEW_PLACES):
        return ""
    return reverse("places:region_geojson", kwargs={"pk": assignment.region_id})


@case_reader_required
def report(request: HttpRequest) -> HttpResponse:
    """上报问题 — what, where, photos; optionally 已现场自行处置 in the same transaction."""
    user: Any = request.user
    if not user.has_capability(Capability.REPORT_CASES):
        raise PermissionDenied(_("您的角色不能上报事件。"))
    form = ReportForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    case = wf.report_case(
                        user,
                        category=data["category"],
                        title=data["title"],
                        description=data["description"],
                        priority=data["priority"],
                        house=data["house"],
                        building=None if data["house"] else data["building"],
                        lng=data["lng"],
                        lat=data["lat"],
                        address=data["address"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                        photos=request.FILES.getlist("photos"),
                    )
                    if data["self_handled"]:
                        note = data["self_note"] or ""
                        try:
                            wf.self_handle_case(user, case, note=note)
                        except ActionError as error:
                            error.field = "self_note" if error.field == "note" else error.field
                            raise
                        except PermissionDenied as error:
                            raise ActionError(str(error), field="self_handled") from error
            except ActionError as error:
                form.add_action_error(error)
                status = 400
            else:
                if data["self_handled"]:
                    messages.success(request, _("事件 %(number)s 已上报并自行处置结案。") % {"number": case.number})
                else:
                    messages.success(request, _("事件 %(number)s 已上报。") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    may_self_handle = any(role == Role.GRID_WORKER for role, *_rest in acting_assignments(user))
    return render(
        request,
        "cases/report.html",
        {
            "form": form,
            "map_bounds": region_bounds(user),
            "geojson_url": _geojson_url(user),
            "may_self_handle": may_self_handle,
        },
        status=status,
    )


# --- the case page -------------------------------------------------------------------------------


def _case_for_page(user: Any, pk: int) -> Case:
    queryset = Case.objects.select_related(
        "category",
        "category__parent",
        "holder_region",
        "holder_department",
        "dispatcher_region",
        "handler_region",
        "handler_department",
        "region",
        "reporter_user",
        "merged_into",
    ).prefetch_related(
        Prefetch(
            "steps",
            queryset=Step.objects.select_related("actor", "department").prefetch_related("attachments"),
        ),
        Prefetch("whistles", queryset=Whistle.objects.select_related("blown_by", "region")),
        Prefetch("summonses", queryset=Summons.objects.select_related("department", "checked_in_by")),
        "extensions",
        "attachments",
    )
    return get_visible_or_404(queryset, user, pk=pk)


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    forms: dict[str, Any] | None = None,
    error: str = "",
    conflict: bool = False,
    open_verb: str = "",
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    now = timezone.now()
    verbs = wf.allowed_verbs(user, case)
    forms = forms or {}
    buttons = []
    for verb in verbs:
        form = forms.get(verb) or VERBS[verb].page_form(case, user)
        buttons.append(
            {
                "verb": verb,
                "label": VERBS[verb].label,
                "form": form,
                "primary": VERBS[verb].primary,
                "open": verb == open_verb,
                "multipart": "photos" in form.fields,
            }
        )
    summonses_by_whistle: dict[int, list[Summons]] = {}
    for summons in case.summonses.all():
        summonses_by_whistle.setdefault(summons.whistle_id, []).append(summons)
    whistles = [(w, summonses_by_whistle.get(w.pk, [])) for w in case.whistles.all()]
    steps = [(step, wf.verb_label(step.verb)) for step in case.steps.all()]
    years: list[int] = []
    if case.deadline is not None:
        years = worktime.fallback_years(timezone.localdate(now), timezone.localtime(case.deadline).date())
    report_photos = [a for a in case.attachments.all()]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "clock": deadline_clock(case, now),
            "contact_phone": mask_phone(case.contact_phone),
            "steps": steps,
            "whistles": whistles,
            "extensions": list(case.extensions.all()),
            "photos": report_photos,
            "buttons": buttons,
            "error": error,
            "conflict": conflict,
            "calendar_years": years,
            "now": now,
        },
        status=status,
    )


@case_reader_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _case_for_page(request.user, pk))


@case_reader_required
def case_do(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """POST one button of the case page: 409 for a stale version or a status that no longer allows it,
    403 for a user the action refuses, 400 for bad input; success redirects back to the case."""
    user: Any = request.user
    case = _case_for_page(user, pk)
    entry = VERBS.get(verb)
    if entry is None:
        raise Http404
    if request.method != "POST":
        return redirect("cases:detail", pk=case.pk)
    if not (user.has_capability(Capability.HANDLE_CASES) or user.has_capability(Capability.REPORT_CASES)):
        raise PermissionDenied(_("您的角色不能办理事件。"))
    raw_version = request.POST.get("expected_version", "")
    form = entry.page_form(case, user, request.POST, request.FILES)
    if not raw_version.isdigit():
        form.add_error(None, _("页面缺少版本信息，请刷新后再操作。"))
        return _render_case(request, case, forms={verb: form}, open_verb=verb, status=400)
    version = int(raw_version)
    if not form.is_valid():
        return _render_case(request, case, forms={verb: form}, open_verb=verb, status=400)
    try:
        entry.perform(user, case, form.cleaned_data, request.FILES.getlist(f"{verb}-photos"), version)
    except ActionError as error:
        fresh = _case_for_page(user, pk)
        if error.code in ("conflict", "state"):
            return _render_case(request, fresh, error=error.message, conflict=error.code == "conflict", status=409)
        show_refusal(form, error)
        return _render_case(request, fresh, forms={verb: form}, open_verb=verb, status=400)
    messages.success(request, _("已%(verb)s。") % {"verb": entry.label})
    return redirect("cases:detail", pk=case.pk)


@case_reader_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """A case photo, after the same visibility check as the case page."""
    case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
    try:
        photo = Attachment.objects.get(pk=attachment_id, case=case)
        handle = photo.file.open("rb")
    except (Attachment.DoesNotExist, FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- map and whistle board ---------------------------------------------------------------------


@case_reader_required
def case_map(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/map.html", {"map_bounds": region_bounds(request.user)})


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(x) for x in raw.split(","))
    except ValueError:
        return None
    if not (west < east and south < north):
        return None
    return west, south, east, north


@case_reader_required
def case_map_json(request: HttpRequest) -> JsonResponse:
    """Open cases visible to the user inside ``bbox=w,s,e,n`` (at most MAP_LIMIT, newest first) as GeoJSON."""
    queryset = Case.objects.visible_to(request.user).open().filter(lat__isnull=False, lng__isnull=False)
    box = _bbox(request.GET.get("bbox", ""))
    if box is not None:
        west, south, east, north = box
        queryset = queryset.filter(lng__gte=west, lng__lte=east, lat__gte=south, lat__lte=north)
    rows = list(
        queryset.order_by("-reported_at", "-pk").values_list(
            "pk", "number", "title", "status", "is_overdue", "lng", "lat"
        )[: MAP_LIMIT + 1]
    )
    truncated = len(rows) > MAP_LIMIT
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "number": number,
                "title": title,
                "status": str(CaseStatus(status).label),
                "overdue": overdue,
                "url": reverse("cases:detail", kwargs={"pk": pk}),
            },
        }
        for pk, number, title, status, overdue, lng, lat in rows[:MAP_LIMIT]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": truncated})


@case_reader_required
def whistle_board(request: HttpRequest) -> HttpResponse:
    """吹哨报到 — open whistles of the user's subtree, each summons' check-in, and this month's late check-ins."""
    user: Any = request.user
    now = timezone.now()
    visible = Case.objects.visible_to(user).values("pk")
    pending = Summons.objects.filter(reported_at__isnull=True).values("whistle_id")
    whistles = (
        Whistle.objects.filter(case_id__in=visible)
        .filter(Q(case__status__in=OPEN_STATUSES) | Q(pk__in=pending))
        .select_related("case", "region", "blown_by")
        .prefetch_related(Prefetch("summonses", queryset=Summons.objects.select_related("department")))
        .order_by("-blown_at", "-pk")
    )
    page = Paginator(whistles, CASES_PER_PAGE).get_page(request.GET.get("page"))
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    by_department = (
        Summons.objects.filter(case_id__in=visible, whistle__blown_at__gte=month_start)
        .values("department__name")
        .annotate(
            total=Count("pk"),
            late=Count("pk", filter=Q(late=True)),
            missing=Count("pk", filter=Q(checked_in_at__isnull=True, check_in_deadline__lt=now)),
        )
        .order_by("-late", "department__name")
    )
    return render(
        request,
        "cases/whistles.html",
        {"page": page, "by_department": list(by_department), "now": now, "month_start": month_start},
    )

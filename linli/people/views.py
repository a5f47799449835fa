"""Pages of the population registry (实有人口) for grid workers and community staff, phone first.

Reads go through ``visible_to`` and ``get_visible_or_404`` (another grid's person answers 404 like a
missing one); writes through linli.people.actions, whose ``ActionError`` is shown beside the field it
names. Sensitive fields are shown masked (``Person.id_masked``, ``mask_phone``); the clear value is
only ever returned by ``people:unmask``, which calls linli.core.masking.unmask (an audited action
that needs a reason) and answers with ``Cache-Control: no-store``. ``people:check_id`` validates an
ID number as it is typed and never echoes it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.exports import csv_response, record_export
from linli.core.idnumbers import IdNumberError, parse_resident_id
from linli.core.masking import mask_phone, may_unmask, unmask
from linli.core.scope import get_visible_or_404, scope_paths
from linli.people import actions, queries
from linli.people.actions import FamilyMemberError
from linli.people.choices import IdType, PersonStatus, Relation, ResidenceKind, Separation, Sex
from linli.people.filters import PersonFilterSet
from linli.people.forms import (
    CancelForm,
    DeathForm,
    FamilyForm,
    MemberFormSet,
    MoveInForm,
    MoveOutForm,
    PersonForm,
    RegisterPersonForm,
    UnmaskForm,
)
from linli.people.models import Household, Membership, Person, PersonTag, Residence
from linli.places.choices import RegionKind
from linli.places.models import House, Region

PERSONS_PER_PAGE = 30

View = Callable[..., HttpResponse]


def _capability_required(capability: str, message: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_capability(capability):  # type: ignore[union-attr]
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


people_viewer_required = _capability_required(Capability.VIEW_PEOPLE, _("您的角色不能查看实有人口数据。"))
people_editor_required = _capability_required(Capability.EDIT_PEOPLE, _("您的角色不能登记或修改实有人口数据。"))


# --- helpers -----------------------------------------------------------------------------------


def age_of(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _run_action(form: Any, perform: Callable[[], Any]) -> tuple[bool, Any]:
    """Call the action; its refusal goes beside the field it names. Returns (ok, result)."""
    try:
        return True, perform()
    except ActionError as error:
        form.add_action_error(error)
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("您没有权限执行该操作。"))
    return False, None


def _house_from_query(request: HttpRequest) -> House | None:
    raw = request.GET.get("house", "")
    if not raw.isdigit():
        return None
    return get_visible_or_404(House.objects.select_related("building"), request.user, pk=int(raw))


# --- the list ----------------------------------------------------------------------------------


def _filtered_persons(request: HttpRequest, data: QueryDict) -> PersonFilterSet:
    """The person list's FilterSet over ``data``, shared by the list and its export. The page opens on
    the persons in the register: no ``status`` in the URL means ``status=active`` (``status=`` is all)."""
    params = data.copy()
    if "status" not in params:
        params["status"] = PersonStatus.ACTIVE
    return PersonFilterSet(params, request=request)


@people_viewer_required
def person_list(request: HttpRequest) -> HttpResponse:
    """Persons of my grid/community with filters (kind, tag, age band, status, building) and search."""
    user = request.user
    today = timezone.localdate()
    filterset = _filtered_persons(request, request.GET)
    chosen = filterset.chosen()
    persons = filterset.qs
    tag_ids = {t.pk for t in filterset.visible_tags}
    current_kind = Residence.objects.filter(person=OuterRef("pk"), ended_on__isnull=True).values("kind")[:1]
    persons = (
        persons.select_related("house")
        .defer("id_number_encrypted")  # lists show id_masked; the ciphertext stays in the database
        .annotate(residence_kind=Subquery(current_kind))
        .prefetch_related(
            Prefetch(
                "tags",
                queryset=PersonTag.objects.current().filter(tag_id__in=tag_ids).select_related("tag"),
                to_attr="current_tags",
            )
        )
    )
    page = Paginator(persons, PERSONS_PER_PAGE).get_page(request.GET.get("page"))
    kinds = dict(ResidenceKind.choices)
    rows = [
        {
            "person": person,
            "age": age_of(person.birth_date, today),
            "phone": mask_phone(person.phone) if person.phone else "",
            "kind": kinds.get(getattr(person, "residence_kind", None) or "", ""),
        }
        for person in page.object_list
    ]
    regions = list(Region.objects.filter(path__in=scope_paths(user)).only("pk", "name", "kind", "path"))
    return render(
        request,
        "people/list.html",
        {
            "filters": filterset.page_form(),
            "page": page,
            "rows": rows,
            "q": chosen.get("q", ""),
            "filtered": bool(set(chosen) - {"status", "q"}) or chosen.get("status") != PersonStatus.ACTIVE,
            "quality_regions": regions,
            "can_edit": user.has_capability(Capability.EDIT_PEOPLE),  # type: ignore[union-attr]
        },
    )


EXPORT_LIMIT = 50_000


@people_viewer_required
@require_POST
def person_export(request: HttpRequest) -> HttpResponse:
    """The filtered person list as CSV: masked, with a stated reason, audited before a byte is sent."""
    user = request.user
    today = timezone.localdate()
    filterset = _filtered_persons(request, request.POST)
    chosen = filterset.chosen()
    persons = filterset.qs.select_related("house").defer("id_number_encrypted").order_by("region_path", "name", "pk")
    rows = list(persons[:EXPORT_LIMIT])
    try:
        record_export(
            user, object_type="people.person", count=len(rows), reason=request.POST.get("reason", ""), filters=chosen
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("people:list")
    sexes = dict(Sex.choices)
    statuses = dict(PersonStatus.choices)
    return csv_response(
        f"persons-{today:%Y%m%d}.csv",
        [_("姓名"), _("性别"), _("出生日期"), _("证件号码"), _("联系电话"), _("现住地详址"), _("状态")],
        (
            [
                p.name,
                sexes.get(p.sex, ""),
                p.birth_date or "",
                p.id_masked,
                mask_phone(p.phone) if p.phone else "",
                p.current_address,
                statuses.get(p.status, ""),
            ]
            for p in rows
        ),
    )


# --- one person ---------------------------------------------------------------------------------

HISTORY_LIMIT = 200

VERB_LABELS: dict[str, Any] = {
    "register_person": gettext_lazy("登记"),
    "update_person": gettext_lazy("修改信息"),
    "confirm_person": gettext_lazy("核实"),
    "move_in": gettext_lazy("迁入"),
    "move_out": gettext_lazy("迁出"),
    "record_death": gettext_lazy("登记死亡"),
    "cancel_person": gettext_lazy("注销"),
    "create_household": gettext_lazy("立户"),
    "add_member": gettext_lazy("入户"),
    "remove_member": gettext_lazy("离户"),
    "set_head": gettext_lazy("变更户主"),
    "split_household": gettext_lazy("分户"),
    "merge_households": gettext_lazy("并户"),
    "tag_person": gettext_lazy("添加标签"),
    "untag_person": gettext_lazy("撤销标签"),
    "unmask": gettext_lazy("查看原文"),
}

# Audit ``changes`` keys shown in the timeline, with their labels; others (internal ids) are left out.
CHANGE_LABELS: dict[str, Any] = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("证件号码"),
    "id_type": gettext_lazy("证件类型"),
    "sex": gettext_lazy("性别"),
    "birth_date": gettext_lazy("出生日期"),
    "phone": gettext_lazy("联系电话"),
    "house": gettext_lazy("房屋"),
    "kind": gettext_lazy("人口类型"),
    "status": gettext_lazy("状态"),
    "status_on": gettext_lazy("状态日期"),
    "relation": gettext_lazy("与户主关系"),
    "separation": gettext_lazy("人户关系"),
    "tag": gettext_lazy("标签"),
    "field": gettext_lazy("字段"),
    "region": gettext_lazy("区域"),
    "number": gettext_lazy("户号"),
    "current_address": gettext_lazy("现住地详址"),
    "registered_address": gettext_lazy("户籍地详址"),
    "occupation": gettext_lazy("职业"),
    "employer": gettext_lazy("服务处所"),
}


@dataclass
class HistoryEntry:
    at: Any
    label: str
    actor: str
    summary: str
    reason: str


# Coded values in audit ``changes`` shown by their labels.
CHANGE_CODES: dict[str, dict[str, Any]] = {
    "relation": dict(Relation.choices),
    "kind": dict(ResidenceKind.choices),
    "id_type": dict(IdType.choices),
    "sex": dict(Sex.choices),
    "status": dict(PersonStatus.choices),
    "separation": dict(Separation.choices),
    "field": {"id_number": gettext_lazy("证件号码"), "phone": gettext_lazy("联系电话")},
}


def _display(key: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    return str(CHANGE_CODES.get(key, {}).get(str(value), value))


def _change_text(key: str, value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        old, new = (_display(key, v) for v in value)
        return f"{CHANGE_LABELS[key]}：{new}" if old == "—" else f"{CHANGE_LABELS[key]}：{old} → {new}"
    return f"{CHANGE_LABELS[key]}：{_display(key, value)}"


def history_entries(events: Any) -> list[HistoryEntry]:
    """Audit events as timeline lines. The changes were masked when recorded; only known keys are shown."""
    entries = []
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        summary = "；".join(_change_text(k, v) for k, v in changes.items() if k in CHANGE_LABELS)
        entries.append(
            HistoryEntry(
                at=event.at,
                label=str(VERB_LABELS.get(event.verb, event.verb)),
                actor=event.actor_name,
                summary=summary,
                reason=event.reason,
            )
        )
    return entries


# --- one person (pages) --------------------------------------------------------------------------------


def _sensitive_rows(user: Any, person: Person) -> list[dict[str, Any]]:
    rows = []
    if person.id_masked or person.id_number_encrypted:
        rows.append(
            {
                "field": "id_number",
                "label": _("证件号码"),
                "masked": person.id_masked,
                "may_unmask": may_unmask(user, person, "id_number"),
            }
        )
    if person.phone:
        rows.append(
            {
                "field": "phone",
                "label": _("联系电话"),
                "masked": mask_phone(person.phone),
                "may_unmask": may_unmask(user, person, "phone"),
            }
        )
    return rows


@people_viewer_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_visible_or_404(Person.objects.select_related("house", "house__building", "region"), user, pk=pk)
    today = timezone.localdate()
    membership = (
        Membership.objects.visible_to(user)
        .current()
        .filter(person=person)
        .select_related("household", "household__head", "household__house")
        .first()
    )
    residences = list(
        Residence.objects.visible_to(user).filter(person=person).select_related("house").order_by("-started_on", "-pk")
    )
    tags = list(
        queries.person_tags_visible_to(user)
        .filter(person=person)
        .select_related("tag", "tag__category")
        .order_by("-starts_on")
    )
    current_residence = next((r for r in residences if r.ended_on is None), None)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "age": age_of(person.birth_date, today),
            "sensitive": _sensitive_rows(user, person),
            "membership": membership,
            "residences": residences,
            "current_residence": current_residence,
            "tags": tags,
            "today": today,
            "history": history_entries(queries.person_history(person, user).order_by("-seq")[:HISTORY_LIMIT]),
            "can_edit": user.has_capability(Capability.EDIT_PEOPLE),  # type: ignore[union-attr]
            "unmask_form": UnmaskForm(),
        },
    )


@people_viewer_required
@require_POST
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one sensitive field in clear, once: an audited action that needs a reason.

    Answers JSON to people.js (``Accept: application/json``) and a small page without JavaScript;
    both are marked never to be cached.
    """
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = UnmaskForm(request.POST)
    value: str | None = None
    error, status = "", 200
    if not form.is_valid():
        error, status = (_("请填写查看理由。") if "reason" in form.errors else _("无法查看该字段。")), 400
    else:
        try:
            value = unmask(request.user, person, form.cleaned_data["field"], reason=form.cleaned_data["reason"])
        except ActionError as exc:
            error, status = exc.message, 400
        except PermissionDenied as exc:
            error, status = (str(exc) or _("您的角色不能查看该字段的原文。")), 403
    if wants_json:
        payload = {"ok": True, "value": value} if value is not None else {"ok": False, "message": error}
        response: HttpResponse = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(
            request,
            "people/unmasked.html",
            {"person": person, "value": value, "error": error, "field": form.cleaned_data.get("field", "")},
            status=status,
        )
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


@people_editor_required
@require_POST
def check_id(request: HttpRequest) -> JsonResponse:
    """Live validation of a resident ID as it is typed: {ok, message, birth_date, sex}. Never echoes the number."""
    raw = request.POST.get("id_number", "")[:64]
    try:
        parsed = parse_resident_id(raw)
    except IdNumberError as error:
        payload: dict[str, Any] = {"ok": False, "message": error.message, "birth_date": None, "sex": None}
    else:
        payload = {
            "ok": True,
            "message": _("号码有效：%(born)s 出生，%(sex)s。")
            % {"born": parsed.birth_date.isoformat(), "sex": Sex(parsed.sex).label},
            "birth_date": parsed.birth_date.isoformat(),
            "sex": parsed.sex,
        }
        if parsed.converted_from_15:
            payload["message"] += " " + _("已由 15 位旧号转换为 18 位。")
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response


@people_editor_required
def person_create(request: HttpRequest) -> HttpResponse:
    """登记人员, optionally straight into a house (``?house=<pk>`` from the house page)."""
    house = _house_from_query(request)
    form = RegisterPersonForm(request.POST or None, user=request.user, house=house)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen_house = data.get("house")
        fields = form.person_fields()

        # Without a house the person is registered in the worker's own region (their grid).
        tops = [] if chosen_house is not None else list(Region.objects.filter(path__in=scope_paths(request.user)))
        region = tops[0] if len(tops) == 1 else None
        ok, person = _run_action(
            form,
            lambda: actions.register_person(
                request.user, house=chosen_house, region=region, residence_kind=data["residence_kind"], **fields
            ),
        )
        if ok:
            messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "person": None, "house": house}, status=status)


@people_editor_required
@require_POST
def person_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """核实: the worker has checked the record with the person; resets the 12-month staleness clock."""
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    try:
        actions.confirm_person(request.user, person)
    except (ActionError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error) or _("您没有权限执行该操作。"))
    else:
        messages.success(request, _("已核实 %(name)s 的信息。") % {"name": person.name})
    return redirect("people:detail", pk=person.pk)


@people_editor_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    initial = {name: getattr(person, name) for name in PersonForm.PERSON_FIELDS}
    form = PersonForm(request.POST or None, user=request.user, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, _result = _run_action(form, lambda: actions.update_person(request.user, person, **form.person_fields()))
        if ok:
            messages.success(request, _("已保存 %(name)s 的信息。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "person": person}, status=status)


# --- households, families, moves ---------------------------------------------------------------


@people_viewer_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_visible_or_404(
        Household.objects.select_related("house", "house__building", "head", "region"), request.user, pk=pk
    )
    memberships = list(
        Membership.objects.visible_to(request.user)
        .filter(household=household)
        .select_related("person")
        .order_by("left_on", "relation", "joined_on", "pk")
    )
    today = timezone.localdate()
    current = [{"membership": m, "age": age_of(m.person.birth_date, today)} for m in memberships if m.left_on is None]
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "members": current,
            "former": [m for m in memberships if m.left_on is not None],
            "can_edit": request.user.has_capability(Capability.EDIT_PEOPLE),  # type: ignore[union-attr]
        },
    )


def _member_error(formset: Any, error: ActionError) -> bool:
    """Put a refusal about one member (``FamilyMemberError.index``) beside the field on that member's row."""
    if not isinstance(error, FamilyMemberError):
        return False
    rows = [form for form in formset.forms if form.has_changed()]
    if error.index >= len(rows):
        return False
    row = rows[error.index]
    row.add_error(error.field if error.field in row.fields else None, error.message)
    return True


@people_editor_required
def register_family(request: HttpRequest) -> HttpResponse:
    """新迁入家庭: a house of my grid, the household, then one row per member — one transaction."""
    house = _house_from_query(request)
    form = FamilyForm(request.POST or None, user=request.user, house=house)
    formset = MemberFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [row.member() for row in formset.forms if row.has_changed()]
        try:
            household = actions.register_family(
                request.user,
                house=form.cleaned_data["house"],
                kind=form.cleaned_data["kind"],
                household_kind=form.cleaned_data["household_kind"],
                household_number=form.cleaned_data["household_number"],
                started_on=form.cleaned_data.get("started_on"),
                members=members,
            )
        except ActionError as error:
            if not _member_error(formset, error):
                form.add_action_error(error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您没有权限执行该操作。"))
        else:
            messages.success(
                request,
                _("已登记 %(n)d 人，户号 %(number)s。") % {"n": len(members), "number": household.number},
            )
            return redirect("people:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/family.html", {"form": form, "formset": formset}, status=status)


@people_editor_required
def move_in(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = MoveInForm(request.POST or None, user=request.user, house=_house_from_query(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _result = _run_action(
            form,
            lambda: actions.move_in(
                request.user,
                person,
                house=data["house"],
                kind=data["kind"],
                started_on=data.get("started_on"),
                separation=data["separation"],
                **form.details(),
            ),
        )
        if ok:
            messages.success(request, _("%(name)s 已迁入 %(house)s。") % {"name": person.name, "house": data["house"]})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/move.html", {"form": form, "person": person, "title": _("迁入")}, status=status)


@people_editor_required
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _result = _run_action(
            form, lambda: actions.move_out(request.user, person, on=data.get("on"), note=data.get("note", ""))
        )
        if ok:
            messages.success(request, _("%(name)s 已迁出。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/move.html",
        {"form": form, "person": person, "title": _("迁出"), "moving_out": True},
        status=status,
    )


def _status_page(
    request: HttpRequest, person: Person, form: Any, *, title: str, confirm: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "people/move.html",
        {"form": form, "person": person, "title": title, "confirm": confirm, "danger": True},
        status=status,
    )


@people_editor_required
def record_death(request: HttpRequest, pk: int) -> HttpResponse:
    """登记死亡: a page with the date and a note, then a confirmation before the POST."""
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = DeathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _result = _run_action(
            form,
            lambda: actions.record_death(request.user, person, died_on=data["died_on"], note=data.get("note", "")),
        )
        if ok:
            messages.success(request, _("已登记 %(name)s 死亡。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    confirm = _("确认登记%(name)s死亡？其居住登记和户成员关系将于该日结束；此操作不能撤销。") % {"name": person.name}
    return _status_page(
        request, person, form, title=_("登记死亡"), confirm=confirm, status=400 if request.method == "POST" else 200
    )


@people_editor_required
def cancel_person(request: HttpRequest, pk: int) -> HttpResponse:
    """注销: a page with the date and the reason, then a confirmation before the POST."""
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _result = _run_action(
            form, lambda: actions.cancel_person(request.user, person, on=data["on"], reason=data["reason"])
        )
        if ok:
            messages.success(request, _("已注销 %(name)s 的人员记录。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    confirm = _("确认注销%(name)s的人员记录？其居住登记和户成员关系将于该日结束；此操作不能撤销。") % {
        "name": person.name
    }
    return _status_page(
        request, person, form, title=_("注销"), confirm=confirm, status=400 if request.method == "POST" else 200
    )


# --- 活户籍 quality ----------------------------------------------------------------------------


QUALITY_LIST_LIMIT = 50


@dataclass
class QualityCheck:
    key: str
    title: str
    hint: str
    queryset: Any
    count: int = 0
    items: list[Any] = field(default_factory=list)


@people_viewer_required
def quality_home(request: HttpRequest) -> HttpResponse:
    """Straight to the quality page of the user's region (a grid worker's grid)."""
    regions = list(Region.objects.filter(path__in=scope_paths(request.user)).only("pk"))
    if len(regions) == 1:
        return redirect("people:quality", pk=regions[0].pk)
    return redirect("people:list")


@people_viewer_required
def quality(request: HttpRequest, pk: int) -> HttpResponse:
    """活户籍: what in this grid's registry needs a worker's attention, counts then lists."""
    region = get_visible_or_404(Region.objects.defer("boundary"), request.user, pk=pk)
    user = request.user
    checks = [
        QualityCheck(
            "no_house",
            _("未关联房屋的人员"),
            _("在册但没有现住房屋：请核实后办理迁入，或已离开的办理迁出。"),
            queries.persons_without_house(user, region).select_related("region"),
        ),
        QualityCheck(
            "vacant",
            _("无人居住的房屋"),
            _("住宅类房屋没有任何现住人员：是空置房，还是漏登？"),
            queries.houses_without_residents(user, region),
        ),
        QualityCheck(
            "no_head",
            _("无户主的户"),
            _("户内没有现任户主：请在户页面变更户主。"),
            queries.households_without_head(user, region).select_related("house"),
        ),
        QualityCheck(
            "duplicates",
            _("疑似重复登记"),
            _("证件号码相同的多条人员记录（另一条可能在辖区外）。"),
            queries.suspected_duplicates(user, region).select_related("house"),
        ),
        QualityCheck(
            "stale",
            _("超过 12 个月未核实"),
            _("请入户或电话核实后点“核实”。"),
            queries.stale_records(user, region).select_related("house"),
        ),
    ]
    for check in checks:
        check.count = check.queryset.count()
        check.items = list(check.queryset[:QUALITY_LIST_LIMIT]) if check.count else []
    grids = []
    if region.kind != RegionKind.GRID:
        grids = list(
            Region.objects.visible_to(user)
            .filter(path__subtree=region.path, kind=RegionKind.GRID)
            .only("pk", "name", "path")
        )
    return render(
        request,
        "people/quality.html",
        {"region": region, "checks": checks, "grids": grids, "limit": QUALITY_LIST_LIMIT},
    )

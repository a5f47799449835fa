"""The person pages: the list (with its filters and search), one person, editing, 核实 and unmasking.

Reads go through ``visible_to`` and ``get_visible_or_404`` (another grid's person answers 404 like a
missing one). Sensitive fields are shown masked (``Person.id_masked``, ``mask_phone``); the clear value is
only ever returned by ``people:unmask``, which calls linli.core.masking.unmask (an audited action
that needs a reason) and answers with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.forms import run_action
from linli.core.masking import mask_phone, may_unmask, unmask
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404, scope_paths
from linli.people import actions, queries
from linli.people.actions import acting_user
from linli.people.choices import PersonStatus, ResidenceKind
from linli.people.filters import PersonFilterSet
from linli.people.forms import PersonForm, UnmaskForm
from linli.people.models import Membership, Person, PersonTag, Residence, age_on
from linli.people.views._common import EDIT_REFUSED, VIEW_REFUSED
from linli.people.views.history import history_entries
from linli.places.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.models import User

# --- the list ----------------------------------------------------------------------------------


PERSONS_PER_PAGE = 30


def filtered_persons(request: HttpRequest, data: QueryDict) -> PersonFilterSet:
    """The person list's FilterSet over ``data``, shared by the list and its export. The page opens on
    the persons in the register: no ``status`` in the URL means ``status=active`` (``status=`` is all)."""
    params = data.copy()
    if "status" not in params:
        params["status"] = PersonStatus.ACTIVE
    return PersonFilterSet(params, request=request)


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
def person_list(request: HttpRequest) -> HttpResponse:
    """Persons of my grid/community with filters (kind, tag, age band, status, building) and search."""
    user = request.user
    today = timezone.localdate()
    filterset = filtered_persons(request, request.GET)
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
            "age": age_on(person.birth_date, today),
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


# --- one person --------------------------------------------------------------------------------

HISTORY_LIMIT = 200


def _sensitive_rows(user: User | AnonymousUser | None, person: Person) -> list[dict[str, Any]]:
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


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
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
            "age": age_on(person.birth_date, today),
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


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
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


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("house"), request.user, pk=pk)
    initial = {name: getattr(person, name) for name in PersonForm.PERSON_FIELDS}
    form = PersonForm(request.POST or None, user=request.user, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        attempt = run_action(
            request, lambda: actions.update_person(acting_user(request.user), person, **form.person_fields()), form=form
        )
        if attempt.ok:
            messages.success(request, _("已保存 %(name)s 的信息。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "person": person}, status=status)


@capability_required(Capability.EDIT_PEOPLE, message=EDIT_REFUSED)
@require_POST
def person_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """核实: the worker has checked the record with the person; resets the 12-month staleness clock."""
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    if run_action(request, lambda: actions.confirm_person(acting_user(request.user), person)).ok:
        messages.success(request, _("已核实 %(name)s 的信息。") % {"name": person.name})
    return redirect("people:detail", pk=person.pk)

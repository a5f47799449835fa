"""The dispute page /cases/<pk>/dispute/: the read-only record (cases/includes/dispute.html) and, for the
holding or dispatching level, three forms — 纠纷情况 (with the parties), 调解, 回访 — posting to the same URL
with ``which``. Every write goes through linli/cases/disputes.py; its refusals land on the field they name."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.cases import disputes
from linli.cases.choices import DisputeScale, MediationMethod, PartyRole
from linli.cases.forms import (
    EMPTY_PARTY_ROWS,
    MAX_PERSON_CHOICES,
    DisputeForm,
    FollowUpForm,
    MediationForm,
    make_party_formset,
)
from linli.cases.models import Case, CaseParty, Dispute
from linli.cases.views.inbox import case_reader_required
from linli.core.actions import ActionError
from linli.core.forms import show_refusal
from linli.core.masking import masked_value
from linli.core.scope import get_visible_or_404
from linli.people.models import Person


def _actor(request: HttpRequest) -> User:
    """The signed-in user (pages are deny-by-default for anonymous visitors: core.middleware)."""
    assert isinstance(request.user, User)
    return request.user


def _person_choices(user: Any, case: Case) -> list[tuple[str, str]]:
    """Registry persons to pick as parties: those living in the case's building (or house), as the
    user may see them, and those already recorded as parties."""
    visible = Person.objects.visible_to(user)
    place = None
    if case.building_id is not None:
        place = visible.filter(house__building_id=case.building_id)
    elif case.house_id is not None:
        place = visible.filter(house_id=case.house_id)
    ids = set(case.parties.exclude(person=None).values_list("person_id", flat=True))
    chosen = list(visible.filter(pk__in=ids)) if ids else []
    nearby = list(place.order_by("name", "pk")[:MAX_PERSON_CHOICES]) if place is not None else []
    persons = {p.pk: p for p in [*chosen, *nearby]}
    return [
        (str(p.pk), f"{p.name}（{p.id_masked}）" if p.id_masked else p.name)
        for p in sorted(persons.values(), key=lambda p: (p.name, p.pk))
    ]


def _party_initial(case: Case) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "party_id": p.pk,
            "person_id": str(p.person_id or ""),
            "name": p.name,
            "role": p.role,
            "phone": "",  # never the stored number: blank keeps it
            "phone_masked": masked_value(p, "phone"),
        }
        for p in case.parties.all()
    ]
    return rows + [{"role": PartyRole.OTHER} for _i in range(EMPTY_PARTY_ROWS)]


def _page(
    request: HttpRequest,
    case: Case,
    *,
    dispute_form: DisputeForm | None = None,
    party_formset: Any = None,
    parties_error: str = "",
    mediation_form: MediationForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    dispute = Dispute.objects.filter(case=case).first()
    parties = list(CaseParty.objects.filter(case=case).select_related("person").order_by("pk"))
    editable = disputes.may_record(user, case)
    context: dict[str, Any] = {
        "case": case,
        "dispute": dispute,
        "parties": parties,
        "editable": editable,
        "error": error,
        "parties_error": parties_error,
    }
    if editable:
        can_record = case.status in disputes.RECORD_STATUSES
        can_follow_up = (
            case.status in disputes.FOLLOW_UP_STATUSES and dispute is not None and dispute.success is not None
        )
        choices = _person_choices(user, case)
        if can_record:
            initial = (
                {"scale": dispute.scale, "people_involved": dispute.people_involved, "amount": dispute.amount or ""}
                if dispute
                else {"scale": DisputeScale.SMALL, "people_involved": 2}
            )
            context["dispute_form"] = dispute_form or DisputeForm(initial=initial, prefix="d")
            if party_formset is None:
                party_formset = make_party_formset(initial=_party_initial(case), person_choices=choices)
            context["party_formset"] = party_formset
            if dispute is not None:
                context["mediation_form"] = mediation_form or MediationForm(
                    prefix="m",
                    initial={
                        "mediating_org": dispute.mediating_org,
                        "method": dispute.method or MediationMethod.PEOPLE,
                        "mediator": dispute.mediator,
                        "agreement": dispute.agreement,
                        "success": None if dispute.success is None else "yes" if dispute.success else "no",
                        "follow_up_on": dispute.follow_up_on,
                    },
                )
        if can_follow_up:
            context["follow_up_form"] = follow_up_form or FollowUpForm(
                prefix="f", initial={"result": dispute.follow_up_result if dispute else ""}
            )
    return render(request, "cases/dispute_form.html", context, status=status)


@case_reader_required
def dispute_page(request: HttpRequest, pk: int) -> HttpResponse:
    """矛盾纠纷 — the record of a dispute case, and the forms to keep it for those who handle it."""
    user: Any = request.user
    case = get_visible_or_404(
        Case.objects.select_related("category", "holder_region", "holder_department", "dispatcher_region"),
        user,
        pk=pk,
    )
    if not disputes.is_dispute(case):
        raise Http404(_("事件 %(number)s 不是矛盾纠纷。") % {"number": case.number})
    if request.method != "POST":
        return _page(request, case)
    if not disputes.may_record(user, case):
        raise PermissionDenied(
            _("只有事件 %(number)s 的承办层级或派遣层级可以登记纠纷情况。") % {"number": case.number}
        )
    which = request.POST.get("which", "")
    # The page sends the version it was drawn from; a stale one answers 409 like the case page's buttons.
    raw_version = request.POST.get("expected_version", "")
    version = int(raw_version) if raw_version.isdigit() else None
    try:
        if which == "dispute":
            return _post_dispute(request, case, version)
        if which == "mediation":
            return _post_mediation(request, case, version)
        if which == "follow_up":
            return _post_follow_up(request, case, version)
    except ActionError as refused:
        if refused.code in ("state", "conflict"):
            return _page(request, case, error=refused.message, status=409)
        raise
    return _page(request, case, error=_("请选择要保存的表单。"), status=400)


def _post_dispute(request: HttpRequest, case: Case, version: int | None) -> HttpResponse:
    form = DisputeForm(request.POST, prefix="d")
    formset = make_party_formset(request.POST, person_choices=_person_choices(request.user, case))
    if not (form.is_valid() and formset.is_valid()):
        return _page(request, case, dispute_form=form, party_formset=formset, status=400)
    # a row with neither a name nor a registry person is left out: an empty row, or a party removed
    parties = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name") or f.cleaned_data.get("person_id")]
    try:
        disputes.record_dispute(
            _actor(request),
            case,
            scale=form.cleaned_data["scale"],
            people_involved=form.cleaned_data["people_involved"],
            amount=form.cleaned_data["amount"],
            parties=parties,
            expected_version=version,
        )
    except ActionError as refused:
        if refused.code in ("state", "conflict"):
            raise
        if refused.field == "parties":
            return _page(
                request, case, dispute_form=form, party_formset=formset, parties_error=refused.message, status=400
            )
        show_refusal(form, refused)
        return _page(request, case, dispute_form=form, party_formset=formset, status=400)
    messages.success(request, _("纠纷情况已保存。"))
    return redirect("cases:dispute", pk=case.pk)


def _post_mediation(request: HttpRequest, case: Case, version: int | None) -> HttpResponse:
    form = MediationForm(request.POST, prefix="m")
    if not form.is_valid():
        return _page(request, case, mediation_form=form, status=400)
    try:
        disputes.record_mediation(_actor(request), case, **form.cleaned_data, expected_version=version)
    except ActionError as refused:
        if refused.code in ("state", "conflict"):
            raise
        show_refusal(form, refused)
        return _page(request, case, mediation_form=form, status=400)
    messages.success(request, _("调解情况已保存。"))
    return redirect("cases:dispute", pk=case.pk)


def _post_follow_up(request: HttpRequest, case: Case, version: int | None) -> HttpResponse:
    form = FollowUpForm(request.POST, prefix="f")
    if not form.is_valid():
        return _page(request, case, follow_up_form=form, status=400)
    try:
        disputes.record_follow_up(_actor(request), case, result=form.cleaned_data["result"], expected_version=version)
    except ActionError as refused:
        if refused.code in ("state", "conflict"):
            raise
        show_refusal(form, refused)
        return _page(request, case, follow_up_form=form, status=400)
    messages.success(request, _("回访结果已保存。"))
    return redirect("cases:dispute", pk=case.pk)

"""矛盾纠纷 — a dispute is a case whose category is of kind "dispute" (L0201–L0205), with the GB/T 31000
module-7 fields on its ``Dispute`` row and its parties as ``CaseParty`` rows.

Three actions, each by the level that holds the case or the level that dispatched it (it verifies):

- ``record_dispute`` — 登记纠纷情况: scale, people involved, amount, and the parties (the whole list,
  replacing the previous one): a person from the registry (visible to the actor) or a name;
- ``record_mediation`` — 调解: mediating organisation, method, mediator, agreement, success, the
  follow-up visit date;
- ``record_follow_up`` — 回访: the result of the follow-up visit (also after the case has closed).

None of them changes the case's status or holder: each writes one ``Step`` and one audit event through
``workflow.add_note_step`` (version + 1, like every transition), and each refuses a stale
``expected_version`` as the transitions do (``workflow.refuse_stale``). Party phones are sensitive
(``CaseParty.SENSITIVE_FIELDS``): audit events and pages carry them masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.cases import workflow
from linli.cases.choices import OPEN_STATUSES, CaseStatus, CategoryKind, DisputeScale, MediationMethod, PartyRole
from linli.cases.models import Case, CaseParty, Dispute
from linli.core.actions import ActionError, action, require
from linli.core.masking import mask_phone
from linli.core.phones import validate_phone
from linli.core.scope import ensure_in_scope, get_visible_or_404
from linli.people.models import Person

__all__ = [
    "FOLLOW_UP_STATUSES",
    "MAX_PARTIES",
    "RECORD_STATUSES",
    "STEP_LABELS",
    "is_dispute",
    "may_record",
    "record_dispute",
    "record_follow_up",
    "record_mediation",
    "scale_for",
]

# The timeline's labels of the three steps (their verbs are not transitions in workflow.RULES).
STEP_LABELS: dict[str, Any] = {verb: workflow.NOTE_STEP_LABELS[verb] for verb in ("dispute", "mediation", "follow_up")}
MAX_PARTIES = 50
MAX_AMOUNT = Decimal("999999999999.99")  # the column holds 14 digits, 2 after the point
RECORD_STATUSES = frozenset(OPEN_STATUSES)
FOLLOW_UP_STATUSES = frozenset(OPEN_STATUSES | {CaseStatus.CLOSED})


def is_dispute(case: Case) -> bool:
    return case.category.kind == CategoryKind.DISPUTE


def may_record(user: Any, case: Case) -> bool:
    """The holding level (or department) or the dispatching level may record the dispute's facts."""
    return (
        user is not None
        and user.is_authenticated
        and user.has_capability(Capability.HANDLE_CASES)
        and (workflow.holds(user, case) or workflow.is_verifier(user, case))
    )


def scale_for(people_involved: int) -> str:
    """The scale that GB/T 31000's bands give a number of people: 2 一般, 3–9 较大, 10+ 群体性."""
    if people_involved >= 10:
        return DisputeScale.LARGE
    if people_involved >= 3:
        return DisputeScale.MEDIUM
    return DisputeScale.SMALL


# --- the common part -------------------------------------------------------------------------------


def _lock(actor: User | None, case: Case, statuses: frozenset[str], what: Any, expected_version: int | None) -> Case:
    require(actor is not None and actor.has_capability(Capability.HANDLE_CASES), _("您的角色不能办理事件。"))
    workflow.lock_case_row(case.pk)  # the bare row: see its docstring for PostgreSQL
    queryset = Case.objects.select_related("category", "holder_region", "dispatcher_region")
    fresh = get_visible_or_404(queryset, actor, pk=case.pk)
    workflow.refuse_stale(fresh, expected_version)
    if not is_dispute(fresh):
        raise ActionError(
            _("事件 %(number)s 的分类“%(category)s”不是矛盾纠纷，不能%(what)s。")
            % {"number": fresh.number, "category": fresh.category.name, "what": what},
            code="state",
        )
    if fresh.status not in statuses:
        raise ActionError(
            _("事件 %(number)s 当前为“%(status)s”，不能%(what)s。")
            % {"number": fresh.number, "status": fresh.get_status_display(), "what": what},
            code="state",
        )
    require(
        may_record(actor, fresh),
        _("只有事件 %(number)s 的承办层级或派遣层级可以%(what)s。") % {"number": fresh.number, "what": what},
    )
    return fresh


def _text(value: Any, *, what: str, field: str, required: bool, max_length: int) -> str:
    text = str(value or "").strip()
    if required and len(text) < 2:
        raise ActionError(_("请填写%(what)s（至少 2 个字）。") % {"what": what}, field=field)
    if len(text) > max_length:
        raise ActionError(
            _("%(what)s不能超过 %(max)d 个字。") % {"what": what, "max": max_length},
            field=field,
        )
    return text


def _phone(value: Any, *, field: str, who: str) -> str:
    return validate_phone(str(value or ""), field=field, who=who)


def _date(value: Any, *, what: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ActionError(
            _("%(what)s“%(value)s”不是有效日期（例如 2026-03-02）。") % {"what": what, "value": value},
            field=field,
        ) from exc


def _party_label(name: str, role: str, phone: str) -> str:
    label = f"{name}（{PartyRole(role).label}）"
    return f"{label} {mask_phone(phone)}" if phone else label


# --- 登记纠纷情况 ------------------------------------------------------------------------------------


def _clean_parties(actor: User | None, case: Case, parties: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    existing = {p.pk: p for p in case.parties.all()}
    cleaned: list[dict[str, Any]] = []
    for index, raw in enumerate(parties, start=1):
        who = _("第 %(n)d 位当事人") % {"n": index}
        person = None
        person_id = raw.get("person_id")
        if person_id not in (None, ""):
            try:
                person = Person.objects.visible_to(actor).get(pk=int(person_id))
            except (Person.DoesNotExist, TypeError, ValueError) as exc:
                raise ActionError(
                    _("%(who)s：找不到该人员，或他不在您的管辖范围内。") % {"who": who}, field="parties"
                ) from exc
        name = str(raw.get("name") or "").strip() or (person.name if person is not None else "")
        if not name:
            raise ActionError(_("%(who)s：请填写姓名或名称，或从人口库选择。") % {"who": who}, field="parties")
        if len(name) > 100:
            raise ActionError(_("%(who)s：姓名或名称不能超过 100 个字。") % {"who": who}, field="parties")
        role = str(raw.get("role") or PartyRole.OTHER)
        if role not in PartyRole.values:
            raise ActionError(_("%(who)s：身份“%(value)s”不存在。") % {"who": who, "value": role}, field="parties")
        phone = _phone(raw.get("phone"), field="parties", who=who)
        party_id = raw.get("party_id")
        previous = existing.get(int(party_id)) if party_id not in (None, "") and str(party_id).isdigit() else None
        if previous is not None and not phone:
            phone = previous.phone  # an edit form never shows the stored phone: blank keeps it
        cleaned.append({"person": person, "name": name, "role": role, "phone": phone})
    if not cleaned:
        raise ActionError(_("请至少填写一位当事人。"), field="parties")
    if len(cleaned) > MAX_PARTIES:
        raise ActionError(_("当事人不能超过 %(max)d 位。") % {"max": MAX_PARTIES}, field="parties")
    return cleaned


@action
def record_dispute(
    actor: User | None,
    case: Case,
    *,
    scale: str,
    people_involved: int,
    amount: Any = None,
    parties: Iterable[Mapping[str, Any]],
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Dispute:
    """登记纠纷情况 — the dispute's scale, people, amount and parties (the list replaces the previous one).

    A party is ``{"name", "role", "person_id"?, "phone"?, "party_id"?}``: ``person_id`` picks a registry
    person the actor can see (the name defaults to theirs); ``party_id`` names an already recorded party,
    whose stored phone is kept when ``phone`` is blank."""
    what = _("登记纠纷情况")
    case = _lock(actor, case, RECORD_STATUSES, what, expected_version)
    if scale not in DisputeScale.values:
        raise ActionError(_("纠纷规模“%(value)s”不存在。") % {"value": scale}, field="scale")
    try:
        people = int(people_involved)
    except (TypeError, ValueError) as exc:
        raise ActionError(_("涉及人数必须是整数。"), field="people_involved") from exc
    if people < 2:
        raise ActionError(_("涉及人数至少为 2 人（纠纷至少有两方）。"), field="people_involved")
    if people > 100000:
        raise ActionError(_("涉及人数不能超过 100000 人。"), field="people_involved")
    if scale != scale_for(people):
        raise ActionError(
            _("纠纷规模“%(scale)s”与涉及人数 %(people)d 人不符，应为“%(expected)s”。")
            % {
                "scale": DisputeScale(scale).label,
                "people": people,
                "expected": DisputeScale(scale_for(people)).label,
            },
            field="scale",
        )
    money: Decimal | None = None
    if amount not in (None, ""):
        try:
            money = Decimal(str(amount).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ActionError(_("涉及金额必须是数字（元）。"), field="amount") from exc
        if not money.is_finite():
            raise ActionError(_("涉及金额必须是数字（元）。"), field="amount")
        if money < 0:
            raise ActionError(_("涉及金额不能为负数。"), field="amount")
        if money > MAX_AMOUNT:
            raise ActionError(_("涉及金额过大（不能超过一万亿元）。"), field="amount")
        money = money.quantize(Decimal("0.01"))
    cleaned = _clean_parties(actor, case, parties)
    if len(cleaned) > people:
        raise ActionError(
            _("填写了 %(parties)d 位当事人，多于涉及人数 %(people)d 人。")
            % {"parties": len(cleaned), "people": people},
            field="people_involved",
        )

    dispute, created = Dispute.objects.get_or_create(case=case)
    before = {
        "scale": "" if created else dispute.scale,
        "people_involved": None if created else dispute.people_involved,
        "amount": None if created or dispute.amount is None else str(dispute.amount),
    }
    old_parties = [_party_label(p.name, p.role, p.phone) for p in case.parties.all()]
    dispute.scale = scale
    dispute.people_involved = people
    dispute.amount = money
    dispute.save(update_fields=["scale", "people_involved", "amount"])
    case.parties.all().delete()
    CaseParty.objects.bulk_create(
        [CaseParty(case=case, person=p["person"], name=p["name"], role=p["role"], phone=p["phone"]) for p in cleaned]
    )
    after = {"scale": scale, "people_involved": people, "amount": None if money is None else str(money)}
    changes: dict[str, Any] = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    new_parties = [_party_label(p["name"], p["role"], p["phone"]) for p in cleaned]
    if new_parties != old_parties:
        changes["parties"] = [old_parties, new_parties]  # phones masked
    note = _("%(scale)s，涉及 %(people)d 人；当事人：%(parties)s") % {
        "scale": DisputeScale(scale).label,
        "people": people,
        "parties": "、".join(f"{p['name']}（{PartyRole(p['role']).label}）" for p in cleaned),
    }
    workflow.add_note_step(actor, case, "dispute", at=at, note=note[:2000], changes=changes)
    ensure_in_scope(actor, case.region_path)
    return dispute


# --- 调解 --------------------------------------------------------------------------------------------


def _dispute_of(case: Case) -> Dispute:
    dispute = Dispute.objects.select_for_update().filter(case=case).first()
    if dispute is None:
        raise ActionError(
            _("请先登记事件 %(number)s 的纠纷情况（当事人、规模），再记录调解。") % {"number": case.number},
            code="state",
        )
    return dispute


@action
def record_mediation(
    actor: User | None,
    case: Case,
    *,
    mediating_org: str,
    method: str,
    mediator: str,
    agreement: str = "",
    success: bool,
    follow_up_on: Any = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Dispute:
    """调解 — who mediated how, the agreement, whether it succeeded, and when to visit again."""
    what = _("记录调解")
    case = _lock(actor, case, RECORD_STATUSES, what, expected_version)
    dispute = _dispute_of(case)
    mediating_org = _text(mediating_org, what=_("调解组织"), field="mediating_org", required=True, max_length=100)
    if method not in MediationMethod.values:
        raise ActionError(
            _("调解方式“%(value)s”不存在，请选择人民调解、行业调解、律师调解或司法调解。") % {"value": method},
            field="method",
        )
    mediator = _text(mediator, what=_("调解员"), field="mediator", required=True, max_length=50)
    if not isinstance(success, bool):
        raise ActionError(_("请选择调解是否成功。"), field="success")
    agreement = _text(agreement, what=_("协议内容"), field="agreement", required=success, max_length=2000)
    follow_up = _date(follow_up_on, what=_("回访日期"), field="follow_up_on")
    reported_on = timezone.localtime(case.reported_at).date()
    if follow_up is not None and follow_up < reported_on:
        raise ActionError(
            _("回访日期 %(date)s 早于事件上报日期 %(reported)s。")
            % {"date": follow_up.isoformat(), "reported": reported_on.isoformat()},
            field="follow_up_on",
        )
    fields = {
        "mediating_org": mediating_org,
        "method": method,
        "mediator": mediator,
        "agreement": agreement,
        "success": success,
        "follow_up_on": follow_up,
    }
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(dispute, name)
        if old != value:
            changes[name] = [
                old.isoformat() if isinstance(old, date) else old,
                value.isoformat() if isinstance(value, date) else value,
            ]
        setattr(dispute, name, value)
    dispute.save(update_fields=list(fields))
    outcome = _("调解成功") if success else _("调解未成功")
    note = f"{MediationMethod(method).label} · {mediating_org} · {mediator}：{outcome}"
    if agreement:
        note += f"。{agreement}"
    workflow.add_note_step(actor, case, "mediation", at=at, note=note[:2000], changes=changes)
    ensure_in_scope(actor, case.region_path)
    return dispute


# --- 回访 --------------------------------------------------------------------------------------------


@action
def record_follow_up(
    actor: User | None, case: Case, *, result: str, expected_version: int | None = None, at: datetime | None = None
) -> Dispute:
    """回访 — the result of visiting the parties again after the mediation (also once the case is closed)."""
    what = _("记录回访")
    case = _lock(actor, case, FOLLOW_UP_STATUSES, what, expected_version)
    dispute = _dispute_of(case)
    if dispute.success is None:
        raise ActionError(
            _("事件 %(number)s 尚未记录调解，不能回访。") % {"number": case.number},
            code="state",
        )
    result = _text(result, what=_("回访结果"), field="result", required=True, max_length=300)
    moment = at if at is not None else timezone.now()
    changes: dict[str, Any] = {"follow_up_result": [dispute.follow_up_result, result]}
    if dispute.follow_up_on is None:
        dispute.follow_up_on = timezone.localtime(moment).date()
        changes["follow_up_on"] = [None, dispute.follow_up_on.isoformat()]
    dispute.follow_up_result = result
    dispute.save(update_fields=["follow_up_result", "follow_up_on"])
    workflow.add_note_step(actor, case, "follow_up", at=moment, note=result, changes=changes)
    ensure_in_scope(actor, case.region_path)
    return dispute

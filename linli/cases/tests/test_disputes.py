"""矛盾纠纷: parties from the registry or by name, mediation, follow-up — by the holder or dispatcher only."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from linli.cases import workflow as wf
from linli.cases.choices import CaseStatus, DisputeScale, MediationMethod, PartyRole
from linli.cases.disputes import may_record, record_dispute, record_follow_up, record_mediation, scale_for
from linli.cases.models import Case, CaseParty, Category, Dispute, Step
from linli.cases.tests.conftest import MONDAY, rubbish
from linli.core.actions import ActionError
from linli.core.models import AuditEvent
from linli.testing import TestCity, TestPeople, add_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


@pytest.fixture
def leak(city: TestCity) -> Case:
    """A neighbours' dispute (邻里纠纷) reported by the grid worker; the community holds it."""
    return rubbish(
        city,
        category=Category.objects.get(code="L0201"),
        title="楼上漏水纠纷",
        description="楼上卫生间漏水，楼下住户与楼上住户多次争吵。",
    )


def parties(people: TestPeople) -> list[dict[str, Any]]:
    return [
        {"person_id": people.persons["张伟"].pk, "role": PartyRole.APPLICANT, "phone": "13800138000"},
        {"person_id": people.persons["王芳"].pk, "role": PartyRole.RESPONDENT},
        {"name": "锦华物业公司", "role": PartyRole.OTHER, "phone": "028-8888 6666".replace(" ", "")},
    ]


def record(city: TestCity, case: Case, people: TestPeople, **overrides: Any) -> Dispute:
    fields: dict[str, Any] = {
        "scale": DisputeScale.MEDIUM,
        "people_involved": 3,
        "amount": "1500.5",
        "parties": parties(people),
        "at": MONDAY + timedelta(minutes=30),
    }
    fields.update(overrides)
    actor = fields.pop("actor", city.users["community_worker"])
    return record_dispute(actor, case, **fields)


def test_record_a_dispute_with_registry_and_free_parties(city: TestCity, people: TestPeople, leak: Case) -> None:
    version = leak.version
    dispute = record(city, leak, people)
    assert (dispute.scale, dispute.people_involved, dispute.amount) == ("medium", 3, Decimal("1500.50"))
    rows = list(CaseParty.objects.filter(case=leak).order_by("pk"))
    assert [(p.name, p.role, p.person_id) for p in rows] == [
        ("张伟", "applicant", people.persons["张伟"].pk),  # the registry's name
        ("王芳", "respondent", people.persons["王芳"].pk),
        ("锦华物业公司", "other", None),
    ]
    leak.refresh_from_db()
    assert leak.status == CaseStatus.REPORTED and leak.version == version + 1  # a step, not a transition
    step = Step.objects.get(case=leak, verb="dispute")
    assert step.status_before == step.status_after == CaseStatus.REPORTED
    assert "张伟（申请方）" in step.note and "较大" in step.note
    event = AuditEvent.objects.get(verb="case_dispute", object_id=str(leak.pk))
    assert event.actor == city.users["community_worker"]
    dumped = json.dumps(event.changes, ensure_ascii=False)
    assert "138****8000" in dumped and "13800138000" not in dumped  # phones masked in the audit trail
    assert event.changes["amount"] == [None, "1500.50"]

    # recorded again: the list replaces the parties; a known party's blank phone keeps the stored one
    first = rows[0]
    record(
        city,
        leak,
        people,
        scale=DisputeScale.SMALL,
        people_involved=2,
        parties=[
            {"party_id": first.pk, "person_id": first.person_id, "role": PartyRole.APPLICANT, "phone": ""},
            {"name": "楼上住户", "role": PartyRole.RESPONDENT},
        ],
    )
    assert list(CaseParty.objects.filter(case=leak).values_list("name", "phone")) == [
        ("张伟", "13800138000"),
        ("楼上住户", ""),
    ]
    assert Dispute.objects.filter(case=leak).count() == 1


def test_a_registry_party_must_be_visible_to_the_actor(city: TestCity, people: TestPeople, leak: Case) -> None:
    outsider_person = people.persons["陈静"]  # 青羊区: outside the community worker's scope
    with pytest.raises(ActionError) as refused:
        record(
            city,
            leak,
            people,
            people_involved=2,
            scale=DisputeScale.SMALL,
            parties=[{"name": "张伟", "role": "applicant"}, {"person_id": outsider_person.pk, "role": "respondent"}],
        )
    assert refused.value.field == "parties"
    assert "第 2 位当事人" in refused.value.message and "找不到该人员" in refused.value.message
    assert not Dispute.objects.exists() and not CaseParty.objects.exists()
    assert not Step.objects.filter(verb="dispute").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"amount": "-20"}, "amount", "涉及金额不能为负数"),
        ({"amount": "一千元"}, "amount", "涉及金额必须是数字"),
        ({"people_involved": 1, "scale": DisputeScale.SMALL}, "people_involved", "涉及人数至少为 2 人"),
        ({"people_involved": 12}, "scale", "与涉及人数 12 人不符"),
        ({"scale": "huge"}, "scale", "纠纷规模“huge”不存在"),
        ({"parties": []}, "parties", "请至少填写一位当事人"),
        ({"parties": [{"role": "applicant"}]}, "parties", "第 1 位当事人：请填写姓名"),
        ({"parties": [{"name": "甲", "role": "judge"}]}, "parties", "身份“judge”不存在"),
        ({"parties": [{"name": "甲", "role": "other", "phone": "call me"}]}, "parties", "联系电话只能包含数字"),
        (
            {"people_involved": 2, "scale": DisputeScale.SMALL},
            "people_involved",
            "填写了 3 位当事人，多于涉及人数 2 人",
        ),
    ],
)
def test_dispute_refusals_name_the_field(
    city: TestCity, people: TestPeople, leak: Case, overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ActionError) as refused:
        record(city, leak, people, **overrides)
    assert refused.value.field == field and words in refused.value.message
    assert not Dispute.objects.exists()


def test_scale_bands() -> None:
    assert [scale_for(n) for n in (2, 3, 9, 10, 500)] == ["small", "medium", "medium", "large", "large"]


def test_only_dispute_cases(city: TestCity, people: TestPeople, reported: Case) -> None:
    with pytest.raises(ActionError) as refused:
        record(city, reported, people)
    assert refused.value.code == "state" and "不是矛盾纠纷" in refused.value.message


def test_only_the_holder_or_the_dispatcher_records(city: TestCity, people: TestPeople, leak: Case) -> None:
    u = city.users
    assert may_record(u["community_worker"], leak) and not may_record(u["grid_worker"], leak)
    for user in ("grid_worker", "subdistrict_staff", "district_leader"):  # visible, but not theirs to record
        with pytest.raises(PermissionDenied):
            record(city, leak, people, actor=u[user])
    for user in ("outsider", "department_staff"):  # not visible at all
        with pytest.raises(Http404):
            record(city, leak, people, actor=u[user])
    for user in ("auditor", "resident"):
        with pytest.raises(PermissionDenied):
            record(city, leak, people, actor=u[user])
    assert not Dispute.objects.exists()
    # dispatched to the grid: the grid worker holds it, the community (dispatcher) still may record
    t = MONDAY + timedelta(minutes=10)
    case = wf.accept_case(u["community_worker"], leak, at=t)
    case = wf.register_case(u["community_worker"], case, at=t)
    case = wf.dispatch_case(u["community_worker"], case, to_region=case.region, at=t)
    record(city, case, people, actor=u["grid_worker"])
    record(city, case, people, actor=u["community_worker"])
    assert Step.objects.filter(case=case, verb="dispute").count() == 2


def test_mediation_and_follow_up(city: TestCity, people: TestPeople, leak: Case) -> None:
    u = city.users
    mediation: dict[str, Any] = {
        "mediating_org": "红星路社区人民调解委员会",
        "method": MediationMethod.PEOPLE,
        "mediator": "赵调解",
        "agreement": "楼上住户一周内维修防水层，赔偿楼下 800 元。",
        "success": True,
        "follow_up_on": "2026-03-16",
        "at": MONDAY + timedelta(hours=2),
    }
    with pytest.raises(ActionError) as refused:
        record_mediation(u["community_worker"], leak, **mediation)
    assert refused.value.code == "state" and "请先登记" in refused.value.message
    record(city, leak, people)
    with pytest.raises(ActionError) as refused:
        record_follow_up(u["community_worker"], leak, result="双方满意")
    assert "尚未记录调解" in refused.value.message

    dispute = record_mediation(u["community_worker"], leak, **mediation)
    assert dispute.method == "people" and dispute.success is True and dispute.follow_up_on == date(2026, 3, 16)
    step = Step.objects.get(case=leak, verb="mediation")
    assert "人民调解" in step.note and "调解成功" in step.note
    event = AuditEvent.objects.get(verb="case_mediation", object_id=str(leak.pk))
    assert event.changes["method"] == ["", "people"] and event.changes["follow_up_on"] == [None, "2026-03-16"]

    # the loop closes; the follow-up visit is recorded afterwards by the level that closed it
    t = MONDAY + timedelta(hours=3)
    case = wf.accept_case(u["community_worker"], leak, at=t)
    case = wf.register_case(u["community_worker"], case, at=t)
    case = wf.dispatch_case(u["community_worker"], case, to_region=case.region, at=t)
    case = wf.report_back(u["grid_worker"], case, note="已调解，双方签订协议", at=t + timedelta(hours=1))
    case = wf.verify_case(u["community_worker"], case, passed=True, at=t + timedelta(hours=2))
    case = wf.close_case(u["community_worker"], case, at=t + timedelta(hours=2))
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(ActionError) as refused:
        record_mediation(u["community_worker"], case, **mediation)  # the mediation belongs to the open case
    assert refused.value.code == "state"
    with pytest.raises(PermissionDenied):
        record_follow_up(u["grid_worker"], case, result="双方满意")  # the grid no longer holds it
    dispute = record_follow_up(
        u["community_worker"], case, result="防水已修好，双方关系缓和", at=MONDAY + timedelta(days=7)
    )
    assert dispute.follow_up_result == "防水已修好，双方关系缓和" and dispute.follow_up_on == date(2026, 3, 16)
    assert Step.objects.filter(case=case).last().verb == "follow_up"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"method": "arbitration"}, "method", "调解方式“arbitration”不存在"),
        ({"follow_up_on": date(2026, 3, 1)}, "follow_up_on", "回访日期 2026-03-01 早于事件上报日期 2026-03-02"),
        ({"follow_up_on": "下周一"}, "follow_up_on", "不是有效日期"),
        ({"mediating_org": ""}, "mediating_org", "请填写调解组织"),
        ({"mediator": " "}, "mediator", "请填写调解员"),
        ({"agreement": ""}, "agreement", "请填写协议内容"),
    ],
)
def test_mediation_refusals_name_the_field(
    city: TestCity, people: TestPeople, leak: Case, overrides: dict[str, Any], field: str, words: str
) -> None:
    record(city, leak, people)
    fields: dict[str, Any] = {
        "mediating_org": "红星路社区人民调解委员会",
        "method": MediationMethod.PEOPLE,
        "mediator": "赵调解",
        "agreement": "维修并赔偿",
        "success": True,
        "follow_up_on": None,
    }
    fields.update(overrides)
    with pytest.raises(ActionError) as refused:
        record_mediation(city.users["community_worker"], leak, **fields)
    assert refused.value.field == field and words in refused.value.message
    assert Dispute.objects.get(case=leak).method == ""


def test_a_failed_mediation_needs_no_agreement(city: TestCity, people: TestPeople, leak: Case) -> None:
    record(city, leak, people)
    dispute = record_mediation(
        city.users["community_worker"],
        leak,
        mediating_org="锦江区律师调解工作室",
        method=MediationMethod.LAWYER,
        mediator="钱律师",
        agreement="",
        success=False,
    )
    assert dispute.success is False and dispute.agreement == ""


# --- the page ------------------------------------------------------------------------------------------


def test_the_dispute_page_records_with_masked_phones(city: TestCity, people: TestPeople, leak: Case) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(city.users["community_worker"])
    url = reverse("cases:dispute", kwargs={"pk": leak.pk})
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="which" value="dispute"' in html and "张伟" in html  # residents of the building to pick
    form = {
        "which": "dispute",
        "d-scale": "small",
        "d-people_involved": "2",
        "d-amount": "-5",
        "p-TOTAL_FORMS": "2",
        "p-INITIAL_FORMS": "0",
        "p-0-person_id": str(people.persons["张伟"].pk),
        "p-0-name": "",
        "p-0-role": "applicant",
        "p-0-phone": "13800138000",
        "p-1-person_id": "",
        "p-1-name": "楼上住户",
        "p-1-role": "respondent",
        "p-1-phone": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "涉及金额不能为负数" in refused.content.decode() and not Dispute.objects.exists()
    done = client.post(url, {**form, "d-amount": "300"})
    assert done.status_code == 302 and done["Location"] == url
    html = client.get(url).content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert 'name="which" value="mediation"' in html
    mediation = {
        "which": "mediation",
        "m-mediating_org": "红星路社区人民调解委员会",
        "m-method": "people",
        "m-mediator": "赵调解",
        "m-success": "yes",
        "m-agreement": "维修并赔偿",
        "m-follow_up_on": "2026-03-01",
    }
    refused = client.post(url, mediation)
    assert refused.status_code == 400 and "早于事件上报日期" in refused.content.decode()
    refused = client.post(url, {**mediation, "m-agreement": "", "m-follow_up_on": ""})
    assert refused.status_code == 400 and "请填写协议内容" in refused.content.decode()
    assert client.post(url, {**mediation, "m-follow_up_on": ""}).status_code == 302
    assert Dispute.objects.get(case=leak).success is True
    assert client.post(url, {"which": "follow_up", "f-result": "双方满意"}).status_code == 302
    assert Dispute.objects.get(case=leak).follow_up_result == "双方满意"


def test_the_dispute_page_is_read_only_above_and_absent_elsewhere(
    city: TestCity, people: TestPeople, leak: Case, reported: Case
) -> None:
    from django.test import Client
    from django.urls import reverse

    record(city, leak, people)
    client = Client()
    client.force_login(city.users["subdistrict_staff"])
    url = reverse("cases:dispute", kwargs={"pk": leak.pk})
    page = client.get(url)
    assert page.status_code == 200 and "data-dispute" in page.content.decode()
    assert 'name="which"' not in page.content.decode()
    assert client.post(url, {"which": "follow_up", "f-result": "好"}).status_code == 403
    assert client.get(reverse("cases:dispute", kwargs={"pk": reported.pk})).status_code == 404  # not a dispute
    client.force_login(city.users["outsider"])
    assert client.get(url).status_code == 404


def test_a_stale_version_is_refused_on_every_dispute_step_and_on_the_page(
    city: TestCity, people: TestPeople, leak: Case
) -> None:
    """Two people keep the same dispute: the one who saves second is told the case changed (409 on the page)."""
    from django.test import Client
    from django.urls import reverse

    cw = city.users["community_worker"]
    stale = Case.objects.get(pk=leak.pk).version
    record(city, leak, people)
    steps = Step.objects.filter(case=leak).count()
    with pytest.raises(ActionError) as refused:
        record(city, leak, people, expected_version=stale)
    assert refused.value.code == "conflict"
    with pytest.raises(ActionError):
        record_mediation(
            cw,
            leak,
            mediating_org="社区调委会",
            method=MediationMethod.PEOPLE,
            mediator="李调解",
            success=True,
            expected_version=stale,
        )
    client = Client()
    client.force_login(cw)
    response = client.post(
        reverse("cases:dispute", kwargs={"pk": leak.pk}),
        {"which": "follow_up", "f-result": "双方满意", "expected_version": str(stale)},
    )
    assert response.status_code == 409
    assert Step.objects.filter(case=leak).count() == steps

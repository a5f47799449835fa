from __future__ import annotations

from django.test import Client
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.testing import TEST_PASSWORD, TestCity, add_people


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def test_the_export_is_masked_and_audited_with_its_reason(city: TestCity) -> None:
    people = add_people(city)
    response = _client("grid_worker").post(reverse("people:export"), {"reason": "六必访走访名单"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "张伟" in body and "王芳" in body
    assert "陈静" not in body  # 青羊区, outside the grid worker's scope
    for name, number in people.id_numbers.items():
        assert number not in body
        if name in ("张伟", "李娜", "张子涵", "王芳"):  # the grid worker's grid
            assert number[:6] + "*" * 8 + number[-4:] in body
    for person in people.persons.values():
        if person.phone:
            assert person.phone not in body
    event = AuditEvent.objects.filter(verb="export").get()
    assert event.reason == "六必访走访名单"
    assert event.changes["count"] == body.count("\n") - 1


def test_an_export_without_a_reason_sends_nothing_and_records_nothing(city: TestCity) -> None:
    add_people(city)
    response = _client("grid_worker").post(reverse("people:export"), {"reason": " "})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(verb="export").exists()


def test_the_outsider_exports_no_one_of_another_district(city: TestCity) -> None:
    add_people(city)
    body = _client("outsider").post(reverse("people:export"), {"reason": "核对名单"}).content.decode("utf-8-sig")
    assert "张伟" not in body and "王芳" not in body

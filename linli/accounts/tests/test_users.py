"""Account administration: who sees whom, assignments within scope and role kinds, audited writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts import actions, lockout
from linli.accounts.models import Assignment, Department, LoginFailure, User
from linli.accounts.roles import Role
from linli.core.actions import ActionError
from linli.core.models import AuditEvent
from linli.places.models import House
from linli.testing import TEST_PASSWORD, TestCity

NEW_PASSWORD = "Brand-new-pass-2026"


def _client(city: TestCity, who: str) -> Client:
    client = Client()
    client.force_login(city.users[who])
    return client


def _district_admin(city: TestCity) -> User:
    """An administrator of 锦江区 only (the standard cast's administrator is city-wide)."""
    admin = User.objects.create_user(username="jj_admin", password=TEST_PASSWORD)
    district = city.region("510104")
    Assignment.objects.create(user=admin, role=Role.ADMINISTRATOR, region=district, region_path=district.path)
    return admin


def test_only_user_administrators_reach_the_pages(city: TestCity) -> None:
    target = city.users["grid_worker"]
    urls = [
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", args=[target.pk]),
    ]
    for who in ("grid_worker", "community_worker", "district_leader", "auditor", "outsider"):
        client = _client(city, who)
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
        response = client.post(reverse("accounts:user_deactivate", args=[target.pk]))
        assert response.status_code == 403
    assert User.objects.get(pk=target.pk).is_active


def test_the_list_shows_users_with_roles_and_searches(city: TestCity) -> None:
    client = _client(city, "administrator")
    response = client.get(reverse("accounts:user_list"))
    body = response.content.decode()
    assert "grid_worker" in body and "网格员" in body and "红星路社区第1网格" in body
    found = client.get(reverse("accounts:user_list"), {"q": "community"}).context["page"]
    assert [u.username for u in found] == ["community_worker"]


def test_a_district_admin_sees_only_users_of_their_district(city: TestCity) -> None:
    admin = _district_admin(city)
    visible = set(actions.manageable_users(admin).values_list("username", flat=True))
    assert {"grid_worker", "community_worker", "district_leader", "auditor", "jj_admin"} <= visible
    assert "outsider" not in visible and "administrator" not in visible
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("accounts:user_detail", args=[city.users["outsider"].pk])).status_code == 404
    assert client.get(reverse("accounts:user_detail", args=[10**9])).status_code == 404


def test_a_new_user_without_assignment_is_visible_to_its_creator_and_city_admins(city: TestCity) -> None:
    admin = _district_admin(city)
    newcomer = actions.create_user(admin, username="newcomer", password=NEW_PASSWORD, display_name="新人")
    assert actions.manageable_users(admin).filter(pk=newcomer.pk).exists()
    assert actions.manageable_users(city.users["administrator"]).filter(pk=newcomer.pk).exists()
    other = User.objects.create_user(username="other_admin", password=TEST_PASSWORD)
    district = city.region("510105")
    Assignment.objects.create(user=other, role=Role.ADMINISTRATOR, region=district, region_path=district.path)
    assert not actions.manageable_users(other).filter(pk=newcomer.pk).exists()


def test_creating_a_user_through_the_page_is_audited_without_the_password(city: TestCity) -> None:
    client = _client(city, "administrator")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "wang",
            "display_name": "王五",
            "phone": "13812345678",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="wang")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(verb="create_user", object_id=str(user.pk))
    assert event.actor_id == city.users["administrator"].pk
    dump = str(event.changes) + event.reason
    assert NEW_PASSWORD not in dump and "13812345678" not in dump and "138****5678" in dump


def test_create_user_refuses_duplicates_and_weak_passwords_beside_the_field(city: TestCity) -> None:
    client = _client(city, "administrator")
    url = reverse("accounts:user_create")
    response = client.post(url, {"username": "grid_worker", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "已被使用" in str(response.context["form"].errors["username"])
    response = client.post(url, {"username": "weak", "password1": "12345678", "password2": "12345678"})
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(username="weak").exists()


def test_adding_an_assignment_checks_scope_and_region_kind(city: TestCity) -> None:
    admin = _district_admin(city)
    user = actions.create_user(admin, username="zhao", password=NEW_PASSWORD)
    grid = city.region("510104001001001")
    with pytest.raises(ActionError) as wrong_kind:
        actions.add_assignment(admin, user, role=Role.COMMUNITY_WORKER, region=grid)
    assert wrong_kind.value.field == "region" and "社区" in wrong_kind.value.message
    with pytest.raises(ActionError) as outside:
        actions.add_assignment(admin, user, role=Role.GRID_WORKER, region=city.region("510105001001001"))
    assert outside.value.field == "region" and "不在您的管辖范围内" in outside.value.message
    with pytest.raises(ActionError) as no_department:
        actions.add_assignment(admin, user, role=Role.DEPARTMENT_STAFF, region=city.region("510104"))
    assert no_department.value.field == "department"
    assignment = actions.add_assignment(admin, user, role=Role.GRID_WORKER, region=grid)
    assert assignment.region_path == grid.path
    with pytest.raises(ActionError, match="无需重复授权"):
        actions.add_assignment(admin, user, role=Role.GRID_WORKER, region=grid)
    assert Assignment.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(verb="add_assignment", object_id=str(assignment.pk)).exists()


def test_the_assignment_form_shows_errors_beside_the_field(city: TestCity) -> None:
    client = _client(city, "administrator")
    target = city.users["resident"]
    url = reverse("accounts:assignment_add", args=[target.pk])
    response = client.post(url, {"role": Role.GRID_WORKER, "region": "510104001001"})
    assert response.status_code == 400
    assert "网格员" in str(response.context["assignment_form"].errors["region"])
    response = client.post(url, {"role": Role.GRID_WORKER, "region": "999999999"})
    assert "找不到代码为“999999999”的区域" in str(response.context["assignment_form"].errors["region"])
    department = Department.objects.get(code="cg")
    response = client.post(url, {"role": Role.DEPARTMENT_STAFF, "region": "510104001", "department": department.pk})
    assert response.status_code == 302
    assert Assignment.objects.active().filter(user=target, role=Role.DEPARTMENT_STAFF).exists()


def test_ending_an_assignment_takes_effect_today_and_keeps_history(city: TestCity) -> None:
    client = _client(city, "administrator")
    worker = city.users["grid_worker"]
    assignment = Assignment.objects.get(user=worker)
    page = client.get(reverse("accounts:user_detail", args=[worker.pk])).content.decode()
    assert "data-confirm" in page
    response = client.post(reverse("accounts:assignment_end", args=[assignment.pk]))
    assert response.status_code == 302
    assert not Assignment.objects.active().filter(user=worker).exists()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(verb="end_assignment", object_id=str(assignment.pk)).exists()
    # The grid worker no longer sees anything.
    worker = User.objects.get(pk=worker.pk)

    assert not House.objects.visible_to(worker).exists()


def test_the_outsider_admin_cannot_end_our_assignments(city: TestCity) -> None:
    other = User.objects.create_user(username="qy_admin", password=TEST_PASSWORD)
    district = city.region("510105")
    Assignment.objects.create(user=other, role=Role.ADMINISTRATOR, region=district, region_path=district.path)
    client = Client()
    client.force_login(other)
    assignment = Assignment.objects.get(user=city.users["grid_worker"])
    assert client.post(reverse("accounts:assignment_end", args=[assignment.pk])).status_code == 404
    assert Assignment.objects.active().filter(pk=assignment.pk).exists()


def test_deactivation_stops_sign_in_and_is_audited_with_reason(city: TestCity) -> None:
    client = _client(city, "administrator")
    worker = city.users["grid_worker"]
    response = client.post(reverse("accounts:user_deactivate", args=[worker.pk]), {"reason": "离职"})
    assert response.status_code == 302
    assert not User.objects.get(pk=worker.pk).is_active
    event = AuditEvent.objects.get(verb="deactivate_user", object_id=str(worker.pk))
    assert event.reason == "离职" and event.region_path == worker.assignments.get().region_path
    assert not Client().login(username="grid_worker", password=TEST_PASSWORD)
    client.post(reverse("accounts:user_activate", args=[worker.pk]))
    assert User.objects.get(pk=worker.pk).is_active


def test_an_admin_cannot_deactivate_themselves(city: TestCity) -> None:
    admin = city.users["administrator"]
    with pytest.raises(ActionError, match="不能停用自己的账号"):
        actions.deactivate_user(admin, admin)


def test_a_district_admin_cannot_touch_an_account_with_authority_beyond_theirs(city: TestCity) -> None:
    admin = _district_admin(city)
    # A city-wide administrator who also works in the district stays out of the district admin's reach.
    boss = city.users["administrator"]
    district = city.region("510104")
    Assignment.objects.create(user=boss, role=Role.AUDITOR, region=district, region_path=district.path)
    assert actions.manageable_users(admin).filter(pk=boss.pk).exists()
    with pytest.raises(ActionError, match="管辖范围之外还有授权"):
        actions.reset_password(admin, boss, new_password=NEW_PASSWORD)
    with pytest.raises(ActionError, match="管辖范围之外还有授权"):
        actions.deactivate_user(admin, boss)
    assert User.objects.get(pk=boss.pk).check_password(TEST_PASSWORD)


def test_password_reset_sets_the_password_lifts_lockout_and_never_logs_it(city: TestCity) -> None:
    worker = city.users["grid_worker"]
    for _ in range(5):
        lockout.note_failure("grid_worker", "10.0.0.1")
    client = _client(city, "administrator")
    url = reverse("accounts:user_password", args=[worker.pk])
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 400 and "new_password1" in response.context["password_form"].errors
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=worker.pk).check_password(NEW_PASSWORD)
    assert not LoginFailure.objects.filter(username="grid_worker").exists()
    event = AuditEvent.objects.get(verb="reset_password", object_id=str(worker.pk))
    assert NEW_PASSWORD not in str(event.changes)


def test_the_list_page_query_count_does_not_grow_with_users(
    city: TestCity,
    django_assert_max_num_queries: Any,
) -> None:
    admin = city.users["administrator"]
    for i in range(20):
        user = actions.create_user(admin, username=f"bulk{i}", password=NEW_PASSWORD)
        actions.add_assignment(admin, user, role=Role.GRID_WORKER, region=city.region("510104001001001"))
    client = _client(city, "administrator")
    client.get(reverse("accounts:user_list"))
    with django_assert_max_num_queries(12):
        client.get(reverse("accounts:user_list"))

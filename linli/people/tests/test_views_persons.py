"""The person pages (people.views.persons): scope (another grid's person is 404), masking in HTML,
unmask, the list's filters and its query count, the timeline, editing and 核实.

Moved from test_views.py when people/views.py became a package of rooms."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.people.actions import register_person
from linli.people.models import Household, Person
from linli.people.tests.pages import NEIGHBOUR_GRID, OUR_GRID, client_for, listed_names, page_text, person_post
from linli.testing import TestCity, TestPeople, grid_houses, resident_id

# --- scope ------------------------------------------------------------------------------------


def test_the_grid_worker_lists_the_persons_of_their_grid_only(city: TestCity, people: TestPeople) -> None:
    html = page_text(client_for(city, "grid_worker"), reverse("people:list"))
    assert listed_names(html) == {"张伟", "李娜", "张子涵", "王芳"}


def test_the_community_worker_lists_both_grids_of_the_community(city: TestCity, people: TestPeople) -> None:
    html = page_text(client_for(city, "community_worker"), reverse("people:list"))
    assert listed_names(html) == {"张伟", "李娜", "张子涵", "王芳", "刘洋"}


@pytest.mark.parametrize("route", ["people:detail", "people:edit", "people:move_in", "people:move_out"])
def test_a_person_of_another_grid_is_404_to_the_grid_worker(city: TestCity, people: TestPeople, route: str) -> None:
    client = client_for(city, "grid_worker")
    url = reverse(route, args=[people.persons["刘洋"].pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"on": "2025-01-01", "house": grid_houses(OUR_GRID)[3].pk, "kind": "floating"}).status_code
        == 404
    )
    assert Person.objects.get(pk=people.persons["刘洋"].pk).status == "active"


def test_the_outsider_gets_404_for_every_page_of_a_jinjiang_person(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "outsider")  # district leader of 青羊区: may view people, not edit
    zhang = people.persons["张伟"]
    assert client.get(reverse("people:detail", args=[zhang.pk])).status_code == 404
    assert client.get(reverse("people:household", args=[people.households["H001"].pk])).status_code == 404
    assert (
        client.post(reverse("people:unmask", args=[zhang.pk]), {"field": "phone", "reason": "核实身份信息"}).status_code
        == 404
    )
    assert listed_names(page_text(client, reverse("people:list") + "?q=张伟")) == set()
    assert listed_names(page_text(client, reverse("people:list"))) == {"陈静"}
    # A 锦江区 region's quality page, too.
    assert client.get(reverse("people:quality", args=[city.regions[OUR_GRID].pk])).status_code == 404


def test_a_resident_may_not_open_the_registry(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "resident")
    assert client.get(reverse("people:list")).status_code == 403
    assert client.get(reverse("people:detail", args=[people.persons["张伟"].pk])).status_code == 403


# --- masking ----------------------------------------------------------------------------------


def test_no_page_shows_a_clear_id_number_or_phone(city: TestCity, people: TestPeople) -> None:
    """Render every registry page the community worker (who may unmask IDs) can open and scan the HTML."""
    client = client_for(city, "community_worker")
    secrets = set(people.id_numbers.values()) | {"13800138000", "13900139000"}
    urls = [reverse("people:list"), reverse("people:list") + "?q=zhang", reverse("people:list") + "?status="]
    for person in Person.objects.visible_to(city.users["community_worker"]):
        urls += [reverse("people:detail", args=[person.pk]), reverse("people:edit", args=[person.pk])]
    for household in Household.objects.visible_to(city.users["community_worker"]):
        urls.append(reverse("people:household", args=[household.pk]))
    for house in grid_houses(OUR_GRID)[:3] + grid_houses(NEIGHBOUR_GRID)[:1]:
        urls.append(reverse("places:house", args=[house.pk]))
    urls += [reverse("people:quality", args=[city.regions[code].pk]) for code in (OUR_GRID, "510104001001")]
    urls += [reverse("people:register_family"), reverse("people:create")]
    for url in urls:
        html = page_text(client, url)
        leaked = sorted(secret for secret in secrets if secret in html)
        assert not leaked, f"{url} shows clear values: {[s[:6] + '…' for s in leaked]}"
    # The masked forms are what is shown instead.
    detail = page_text(client, reverse("people:detail", args=[people.persons["张伟"].pk]))
    assert people.persons["张伟"].id_masked in detail
    assert "138****8000" in detail


def test_the_house_page_lists_its_current_residents_masked(city: TestCity, people: TestPeople) -> None:
    html = page_text(client_for(city, "grid_worker"), reverse("places:house", args=[grid_houses(OUR_GRID)[0].pk]))
    section = html[html.index('id="residents-h"') :]
    for name in ("张伟", "李娜", "张子涵"):
        assert name in section
        assert people.persons[name].id_masked in section
    assert "王芳" not in section
    household = people.households["H001"]
    assert f'href="{reverse("people:household", args=[household.pk])}"' in section and "户主 张伟" in section


# --- unmask -----------------------------------------------------------------------------------


def test_unmasking_shows_the_clear_value_once_and_records_the_reason(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "community_worker")
    zhang = people.persons["张伟"]
    url = reverse("people:unmask", args=[zhang.pk])
    response = client.post(url, {"field": "id_number", "reason": "入户核实身份"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True, "value": people.id_numbers["张伟"]}
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(verb="unmask").latest("seq")
    assert (event.actor_id, event.object_id, event.reason) == (
        city.users["community_worker"].pk,
        str(zhang.pk),
        "入户核实身份",
    )
    assert people.id_numbers["张伟"] not in json.dumps(event.changes, ensure_ascii=False)
    # Without JavaScript: a small page with the value, also never cached.
    page = client.post(url, {"field": "phone", "reason": "电话回访核实"})
    assert page.status_code == 200 and "13800138000" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_unmasking_needs_a_reason_and_a_role_that_may(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    url = reverse("people:unmask", args=[zhang.pk])
    before = AuditEvent.objects.filter(verb="unmask").count()
    no_reason = client_for(city, "community_worker").post(
        url, {"field": "id_number", "reason": ""}, HTTP_ACCEPT="application/json"
    )
    assert no_reason.status_code == 400 and json.loads(no_reason.content)["ok"] is False
    # Grid workers may see phones in clear, not ID numbers.
    refused = client_for(city, "grid_worker").post(
        url, {"field": "id_number", "reason": "入户核实身份"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 403
    assert people.id_numbers["张伟"] not in refused.content.decode()
    assert AuditEvent.objects.filter(verb="unmask").count() == before
    detail = page_text(client_for(city, "grid_worker"), reverse("people:detail", args=[zhang.pk]))
    assert detail.count("data-unmask") == 1  # the phone's button only


# --- editing and 核实 ---------------------------------------------------------------------------


def test_editing_keeps_the_number_when_left_blank(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    client = client_for(city, "grid_worker")
    form_html = page_text(client, reverse("people:edit", args=[zhang.pk]))
    assert people.id_numbers["张伟"] not in form_html
    data = person_post(id_number="", name="张伟", sex="1", birth_date="1980-05-12", occupation="教师")
    response = client.post(reverse("people:edit", args=[zhang.pk]), data)
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.occupation == "教师" and zhang.id_masked == people.persons["张伟"].id_masked


def test_confirming_a_stale_record_takes_it_off_the_quality_list(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    Person.objects.filter(pk=wang.pk).update(confirmed_at=timezone.now() - timedelta(days=400))
    client = client_for(city, "grid_worker")
    quality_url = reverse("people:quality", args=[city.regions[OUR_GRID].pk])
    stale = next(c for c in client.get(quality_url).context["checks"] if c.key == "stale")
    assert [p.name for p in stale.items] == ["王芳"]
    assert client.get(reverse("people:confirm", args=[wang.pk])).status_code == 405
    response = client.post(reverse("people:confirm", args=[wang.pk]))
    assert response.status_code == 302
    stale = next(c for c in client.get(quality_url).context["checks"] if c.key == "stale")
    assert stale.count == 0
    assert (
        client_for(city, "grid_worker").post(reverse("people:confirm", args=[people.persons["刘洋"].pk])).status_code
        == 404
    )


def test_the_detail_timeline_lists_the_changes_with_labels_not_codes(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "grid_worker")
    zhang = people.persons["张伟"]
    client.post(reverse("people:unmask", args=[zhang.pk]), {"field": "phone", "reason": "电话回访核实"})
    response = client.get(reverse("people:detail", args=[zhang.pk]))
    labels = [entry.label for entry in response.context["history"]]
    assert labels[0] == "查看原文" and "登记" in labels and "迁入" in labels and "入户" in labels
    text = response.content.decode()
    assert "字段：联系电话" in text and "理由：电话回访核实" in text
    assert "与户主关系：户主" in text and "人口类型：户籍人口" in text


# --- list: filters, search, queries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=floating", {"刘洋"}),
        ("?tag=elderly_alone", {"王芳"}),
        ("?age=child", {"张子涵"}),
        ("?age=elder", {"王芳"}),
        ("?q=zw", {"张伟"}),
        ("?q=李娜", {"李娜"}),
        ("?status=moved_out", set()),
        ("?kind=nonsense", {"张伟", "李娜", "张子涵", "王芳", "刘洋"}),
    ],
)
def test_list_filters(city: TestCity, people: TestPeople, query: str, expected: set[str]) -> None:
    html = page_text(client_for(city, "community_worker"), reverse("people:list") + query)
    assert listed_names(html) == expected


def test_the_building_filter(city: TestCity, people: TestPeople) -> None:
    building_id = grid_houses(OUR_GRID)[0].building_id
    html = page_text(client_for(city, "community_worker"), reverse("people:list") + f"?building={building_id}")
    assert listed_names(html) == {"张伟", "李娜", "张子涵", "王芳"}


def test_the_list_costs_the_same_queries_for_many_persons(
    city: TestCity, people: TestPeople, django_assert_max_num_queries: Any
) -> None:
    client = client_for(city, "community_worker")
    client.get(reverse("people:list"))  # warm the session
    with django_assert_max_num_queries(14):
        client.get(reverse("people:list"))
    houses = grid_houses(OUR_GRID)
    for i in range(40):
        register_person(
            None,
            house=houses[i % len(houses)],
            id_number=resident_id(date(1960 + i, 1, 1 + i % 27), 101 + 2 * i),
            name=f"测试{i:02d}",
        )
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:list") + "?age=adult&kind=registered")
    assert response.status_code == 200 and len(response.context["rows"]) == 30

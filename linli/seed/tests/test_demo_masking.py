"""The generated demo residents never appear in clear: every clear ID number and phone of the seeded
persons is searched for in what the demo's community worker (who may unmask) sees by default — the
person list, person and household pages, the API and the CSV export — and must not be found."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts.models import User
from linli.core import crypto
from linli.people.models import Household, Person
from linli.seed import seed_city
from linli.seed.people import seed_people

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_no_clear_id_number_or_phone_of_the_demo_residents_is_shown(db: Any) -> None:
    seed_city("tiny", 11)
    seed_people("tiny", 11, today=datetime.date(2026, 6, 1))
    worker = User.objects.get(username="community")
    persons = list(Person.objects.visible_to(worker).order_by("pk"))
    assert len(persons) > 50
    secrets = {crypto.decrypt(p.id_number_encrypted) for p in Person.objects.all()}
    secrets |= {p.phone for p in Person.objects.exclude(phone="")}
    assert len(secrets) > 100
    client = signed_in("community")
    pages: list[tuple[str, str]] = []

    def get(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    for number in (1, 2, 3):
        url = f"{reverse('people:list')}?page={number}"
        pages.append((url, get(url)))
    for person in persons[:: max(1, len(persons) // 25)]:
        for url in (reverse("people:detail", args=[person.pk]), reverse("people:edit", args=[person.pk])):
            pages.append((url, get(url)))
    for household in Household.objects.visible_to(worker).order_by("pk")[:10]:
        url = reverse("people:household", args=[household.pk])
        pages.append((url, get(url)))
    api = client.get("/api/v1/persons/?page_size=500")
    pages.append(("/api/v1/persons/", json.dumps(api.json(), ensure_ascii=False)))
    export = client.post(reverse("people:export"), {"reason": "演示数据脱敏检查"})
    assert export.status_code == 200
    pages.append(("export", export.content.decode("utf-8-sig")))
    for url, text in pages:
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{url} shows {len(leaked)} clear values, e.g. {leaked[0][:6]}…"
    assert any(p.id_masked in pages[0][1] for p in persons[:20])  # the masked forms are what is shown

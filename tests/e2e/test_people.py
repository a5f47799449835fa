"""A grid worker registers a newcomer family on a 360 px phone, with the live ID check catching a typo."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from linli.testing import TestCity

if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(area: str, born: date, sequence: int) -> str:
    """A valid GB 11643 resident ID: ISO 7064 MOD 11-2 check character over the first 17 digits."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def mistyped(number: str) -> str:
    """The same number with a wrong check character (what a slip of the thumb gives)."""
    return number[:17] + ("1" if number[17] != "1" else "2")


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_grid_worker_registers_a_newcomer_family_and_sees_only_their_grid(
    live_server: Any,
    live_city: TestCity,
    phone_page: Page,
    sign_in: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    from linli.people.actions import register_person
    from linli.places.models import House

    page, base = phone_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)

    # Someone in the neighbouring grid of the same community: not the grid worker's to see.
    neighbour_house = House.objects.filter(region__code="510104001001002").order_by("pk").first()
    assert neighbour_house is not None
    stranger = register_person(
        None, house=neighbour_house, id_number=id_number("510104", date(1979, 9, 9), 55), name="钱多多"
    )
    house = House.objects.filter(region__code="510104001001001").order_by("pk")[3]
    father = id_number("510104", date(1986, 4, 18), 35)
    mother = id_number("510104", date(1988, 10, 2), 46)
    child = id_number("510104", date(2017, 6, 1), 57)

    sign_in(page, base, "grid_worker")
    page.get_by_role("link", name="人口", exact=True).click()
    expect(page.locator("h1")).to_have_text("实有人口")
    page.get_by_role("link", name="新迁入家庭").first.click()
    expect(page.locator("h1")).to_have_text("新迁入家庭")

    page.select_option("#id_house", str(house.pk))
    page.fill("#id_household_number", "X2026001")
    page.select_option("#id_kind", "floating")

    # The first member: the check character is mistyped, and the page says so under the field.
    page.fill("#id_m-0-name", "孙强")
    page.fill("#id_m-0-id_number", mistyped(father))
    live = page.locator('[data-live-for="id_m-0-id_number"]')
    expect(live).to_be_visible()
    expect(live).to_contain_text("校验码")
    expect(live).to_have_class(re.compile(r"live-error"))
    assert fits_the_phone(page)
    screenshot(page, "people-family-typo")
    page.fill("#id_m-0-id_number", father)
    expect(live).to_contain_text("号码有效")
    expect(live).to_contain_text("1986-04-18")
    page.select_option("#id_m-0-relation", "02")
    page.fill("#id_m-0-phone", "13812345678")

    page.get_by_role("button", name="＋ 添加成员").click()
    page.fill("#id_m-1-name", "周敏")
    page.fill("#id_m-1-id_number", mother)
    expect(page.locator('[data-live-for="id_m-1-id_number"]')).to_contain_text("号码有效")
    page.select_option("#id_m-1-relation", "10")
    page.get_by_role("button", name="＋ 添加成员").click()
    page.fill("#id_m-2-name", "孙乐乐")
    page.fill("#id_m-2-id_number", child)
    expect(page.locator('[data-live-for="id_m-2-id_number"]')).to_contain_text("2017-06-01")
    page.select_option("#id_m-2-relation", "20")
    expect(page.locator("[data-member-row] legend")).to_have_text(["成员 1", "成员 2", "成员 3"])
    assert fits_the_phone(page)
    screenshot(page, "people-family-form")

    with page.expect_navigation():
        page.get_by_role("button", name="登记全家").click()
    expect(page).to_have_url(re.compile(r"/people/households/\d+/$"))
    expect(page.locator("h1")).to_contain_text("X2026001")
    expect(page.locator(".person-card .person-name")).to_have_text(["孙强", "周敏", "孙乐乐"])
    html = page.content()
    assert all(number not in html for number in (father, mother, child))
    assert father[:6] + "*" * 8 + father[-4:] in html
    assert fits_the_phone(page)
    screenshot(page, "people-household")

    # Found again by the pinyin initials of his name.
    page.get_by_role("link", name="人口", exact=True).click()
    page.fill("#id_q", "sq")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    expect(page.locator(".person-card .person-name")).to_have_text(["孙强"])
    assert fits_the_phone(page)
    screenshot(page, "people-search")
    page.locator(".person-card .person-name").first.click()
    expect(page.locator("h1")).to_contain_text("孙强")
    expect(page.locator(".sensitive-value").first).to_have_text(father[:6] + "*" * 8 + father[-4:])
    expect(page.locator("#residence-h + ul")).to_contain_text("流动人口")
    assert father not in page.content()
    assert fits_the_phone(page)
    screenshot(page, "people-detail")

    # A grid worker may see the phone in clear once, with a reason that goes to the audit log.
    phone_row = page.locator('.sensitive-list li[data-field="phone"]')
    expect(phone_row.locator(".sensitive-value")).to_have_text("138****5678")
    phone_row.locator("summary").click()
    phone_row.get_by_label("查看理由").fill("电话回访核实")
    phone_row.get_by_role("button", name="确认查看").click()
    expect(phone_row.locator(".sensitive-value")).to_have_text("13812345678")
    expect(phone_row.locator("details")).to_have_count(0)
    expect(page.locator('.sensitive-list li[data-field="id_number"] summary')).to_have_count(0)  # not for IDs
    screenshot(page, "people-unmasked")

    # The neighbouring grid's person: absent from the list and from search, 404 at their URL.
    page.goto(f"{base}/people/?status=")
    names = page.locator(".person-card .person-name").all_text_contents()
    assert "孙强" in names and "钱多多" not in names
    page.goto(f"{base}/people/?q=钱多多")
    expect(page.locator(".person-card")).to_have_count(0)
    response = page.goto(f"{base}/people/{stranger.pk}/")
    assert response is not None and response.status == 404
    assert "钱多多" not in page.content()
    assert not errors, errors


def test_the_person_form_fills_birth_date_and_sex_from_the_id_and_shows_refusals_at_the_field(
    live_server: Any,
    live_city: TestCity,
    phone_page: Page,
    sign_in: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    from linli.places.models import House

    page, base = phone_page, live_server.url
    house = House.objects.filter(region__code="510104001001001").order_by("pk")[5]
    number = id_number("510104", date(1992, 2, 29), 68)  # a woman born on a leap day
    sign_in(page, base, "grid_worker")
    page.goto(f"{base}/places/h/{house.pk}/")
    expect(page.locator("#residents-h")).to_contain_text("住户")
    page.get_by_role("link", name="登记住户").click()
    expect(page.locator("#id_house")).to_have_value(str(house.pk))

    page.fill("#id_name", "吴静")
    page.fill("#id_id_number", number[:6] + "19920230" + number[14:])  # 30 February
    expect(page.locator('[data-live-for="id_id_number"]')).to_contain_text("出生日期")
    page.fill("#id_id_number", number)
    expect(page.locator('[data-live-for="id_id_number"]')).to_contain_text("号码有效")
    expect(page.locator("#id_birth_date")).to_have_value("1992-02-29")
    expect(page.locator("#id_sex")).to_have_value("2")
    # A stated sex that disagrees with the number is refused by the action, beside the field.
    page.select_option("#id_sex", "1")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator(".field.has-error")).to_contain_text("性别")
    assert number not in page.locator(".errorlist").all_text_contents()[0]
    assert fits_the_phone(page)
    screenshot(page, "people-form-refused")
    page.select_option("#id_sex", "2")
    expect(page.locator("#id_id_number")).to_have_value(number)  # what was typed stays in its own field
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("吴静")
    page.goto(f"{base}/places/h/{house.pk}/")
    expect(page.locator(".house-residents")).to_contain_text("吴静")
    expect(page.locator(".house-residents")).to_contain_text(number[:6] + "*" * 8 + number[-4:])

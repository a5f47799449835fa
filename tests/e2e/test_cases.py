"""The case loop on a 360 px phone, every step through the pages (issue 4, "It must show"):

a grid worker reports a pile of rubbish (物料乱堆) with a photo; the community accepts, registers and
dispatches it to itself; escalates it to the subdistrict, which whistles 城管; 城管 checks in and reports
its part; the subdistrict reports back; the community verifies and closes; the case shows 已结案, and
the district leader's indicator page counts it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import NoReverseMatch, reverse

from linli.testing import TestCity

if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE_VIEWPORT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, FilePayload, Page

pytestmark = pytest.mark.browser


def photo_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 80)).save(buffer, format="JPEG")
    return buffer.getvalue()


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def as_user(
    browser: Browser, live_server: Any, sign_in: Callable[[Page, str, str], None]
) -> Iterator[Callable[[str], Page]]:
    """A signed-in phone page per user (own context, own cookies), reused when asked again."""
    contexts: list[BrowserContext] = []
    pages: dict[str, Page] = {}
    errors: list[str] = []

    def _as(username: str) -> Page:
        if username not in pages:
            context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")  # type: ignore[arg-type]
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
            sign_in(page, live_server.url, username)
            pages[username] = page
        return pages[username]

    yield _as
    for context in contexts:
        context.close()
    assert not errors, errors


def act(page: Page, verb: str, fill: Callable[[Page], object] | None = None) -> None:
    """Open a button's form on the case page, fill it, confirm, and wait for the case page again."""
    details = page.locator(f'details.verb[data-verb="{verb}"]')
    details.locator("summary").click()
    if fill is not None:
        fill(page)
    with page.expect_navigation():
        details.locator('button[type="submit"]').click()
    expect(page.locator("[data-action-error]")).to_have_count(0)


def open_case(page: Page, base: str, pk: int) -> None:
    page.goto(f"{base}/cases/{pk}/")
    expect(page.locator("h1 .case-number")).to_be_visible()


def test_rubbish_goes_round_the_whole_loop_and_is_counted(
    live_server: Any,
    live_city: TestCity,
    as_user: Callable[[str], Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    from linli.accounts.models import Department
    from linli.cases.catalogue import load_catalogue
    from linli.cases.models import Case, Category

    load_catalogue(Category, Department)  # the catalogue migration's rows do not survive a flushed database
    base = live_server.url
    community = live_city.region("510104001001")

    # 1. The grid worker reports the rubbish with a photo, finding the category by a keyword.
    grid = as_user("grid_worker")
    grid.get_by_role("link", name="事件", exact=True).click()
    expect(grid.locator("h1")).to_have_text("事件")
    grid.get_by_role("link", name="上报问题").click()
    expect(grid.locator("h1")).to_have_text("上报问题")
    grid.fill("#category-search", "杂物")
    grid.locator("[data-category-results] button", has_text="物料乱堆").click()
    expect(grid.locator("#id_category option:checked")).to_have_text("物料乱堆")
    grid.fill("#id_title", "楼道杂物堆放")
    grid.fill("#id_description", "1单元楼道堆满纸箱和旧家具，堵塞通道。")
    grid.select_option("#id_building", index=1)
    photo: FilePayload = {"name": "rubbish.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    grid.set_input_files("#id_photos", files=[photo])
    assert fits_the_phone(grid)
    screenshot(grid, "cases-report")
    with grid.expect_navigation():
        grid.get_by_role("button", name="上报", exact=True).click()
    expect(grid).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(grid.locator("[data-case-status]")).to_have_text("待受理")
    case = Case.objects.get(title="楼道杂物堆放")
    expect(grid.locator(".case-header .photos img")).to_have_count(1)
    assert grid.evaluate("document.querySelector('.case-header .photos img').naturalWidth") == 320
    assert fits_the_phone(grid)

    # 2. The community accepts, registers and dispatches to itself, then escalates to the subdistrict.
    worker = as_user("community_worker")
    worker.goto(f"{base}/cases/")
    expect(worker.locator('[data-tab="reported"] .count')).to_have_text("1")
    assert fits_the_phone(worker)
    screenshot(worker, "cases-inbox")
    worker.locator(f'[data-case="{case.number}"] a').click()
    expect(worker.locator("[data-case-holder]")).to_have_text("红星路社区")
    act(worker, "accept")
    expect(worker.locator("[data-case-status]")).to_have_text("待立案")
    act(worker, "register")
    expect(worker.locator("[data-case-status]")).to_have_text("待派遣")
    act(worker, "dispatch", lambda p: p.select_option("#id_dispatch-target", f"r:{community.pk}"))
    expect(worker.locator("[data-case-status]")).to_have_text("处置中")
    expect(worker.locator(".clock")).to_be_visible()
    worker.locator('details.verb[data-verb="escalate"] summary').click()
    screenshot(worker, "cases-handling")
    worker.locator('details.verb[data-verb="escalate"] summary').click()
    act(worker, "escalate", lambda p: p.fill("#id_escalate-note", "涉及多户，需街道协调"))
    expect(worker.locator("[data-case-holder]")).to_have_text("春熙路街道")
    assert fits_the_phone(worker)

    # 3. The subdistrict whistles 城管.
    street = as_user("subdistrict_staff")
    open_case(street, base, case.pk)

    def summon_chengguan(p: Page) -> None:
        p.get_by_label("城管", exact=True).check()
        p.fill("#id_whistle-note", "请城管协助清运大件杂物")

    act(street, "whistle", summon_chengguan)
    expect(street.locator('[data-summons="城管"]')).to_contain_text("待报到")
    assert "report_back" not in street.locator("details.verb").evaluate_all("els => els.map(e => e.dataset.verb)")
    street.goto(f"{base}/cases/whistles/")
    expect(street.locator(".whistle", has_text=case.number)).to_contain_text("城管")
    screenshot(street, "cases-whistles")

    # 4. 城管 finds it in its inbox, checks in and reports its part.
    cg = as_user("department_staff")
    cg.goto(f"{base}/cases/")
    expect(cg.locator('[data-tab="summoned"] .count')).to_have_text("1")
    cg.locator('[data-tab="summoned"]').click()
    cg.locator(f'[data-case="{case.number}"] a').click()
    act(cg, "check_in")
    expect(cg.locator('[data-summons="城管"]')).to_contain_text("已报到")
    act(cg, "report_part", lambda p: p.fill("#id_report_part-report", "已清运杂物 2 车"))
    expect(cg.locator('[data-summons="城管"]')).to_contain_text("已清运杂物 2 车")
    assert fits_the_phone(cg)

    # 5. The subdistrict reports back; the community verifies and closes.
    open_case(street, base, case.pk)
    act(street, "report_back", lambda p: p.fill("#id_report_back-note", "杂物已清运完毕，楼道已畅通"))
    expect(street.locator("[data-case-status]")).to_have_text("待核查")
    expect(street.locator("[data-case-holder]")).to_have_text("红星路社区")
    open_case(worker, base, case.pk)
    act(worker, "verify", lambda p: p.fill("#id_verify-note", "现场核查已清理"))
    expect(worker.locator("[data-case-status]")).to_have_text("待结案")
    act(worker, "close")
    expect(worker.locator("[data-case-status]")).to_have_text("已结案")
    verbs = worker.locator(".timeline .step").evaluate_all("els => els.map(e => e.dataset.step)")
    assert verbs == [
        "report",
        "accept",
        "register",
        "dispatch",
        "escalate",
        "whistle",
        "check_in",
        "report_part",
        "report_back",
        "verify",
        "close",
    ]
    assert fits_the_phone(worker)
    screenshot(worker, "cases-closed")
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on_time is True

    # 6. The district leader's indicator page counts it as closed.
    try:
        indicators_url = reverse("cases:indicators")
    except NoReverseMatch:
        pytest.skip("the indicator page (cases:indicators) is not mounted yet")
    leader = as_user("district_leader")
    leader.goto(base + indicators_url)
    table = leader.locator("table.ind-table").first
    headings = table.locator("thead th").all_inner_texts()
    column = [h.strip() for h in headings].index("结案数")
    total = table.locator("tr.ind-total").first.locator("th, td").nth(column)
    expect(total).to_have_text("1")
    screenshot(leader, "cases-indicators")

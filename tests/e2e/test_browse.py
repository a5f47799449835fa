"""The community worker's journey through the region browser on a 360 px phone."""

from __future__ import annotations

import re
from collections.abc import Callable
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


def map_ready(page: Page) -> int:
    """Wait until map.js has drawn the GeoJSON; return how many features it made clickable."""
    page.wait_for_selector(".map[data-ready]")
    return int(page.get_attribute(".map[data-ready]", "data-ready") or "0")


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_community_worker_browses_their_community_and_nothing_else(
    live_server: Any,
    live_city: TestCity,
    phone_page: Page,
    sign_in: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page, base = phone_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    sign_in(page, base, "community_worker")
    assert page.url == f"{base}/"
    expect(page.locator("h1")).to_contain_text("您好")
    expect(page.locator(".home-section h2").first).to_contain_text("红星路社区")
    assert map_ready(page) == 2
    assert fits_the_phone(page)
    screenshot(page, "home")

    page.get_by_role("link", name="区域", exact=True).click()
    community = live_city.regions["510104001001"]
    expect(page).to_have_url(f"{base}/places/r/{community.pk}/")
    expect(page.locator("h1")).to_contain_text("红星路社区")
    assert map_ready(page) == 2
    polygons = page.locator(".map .leaflet-interactive")
    expect(polygons).to_have_count(2)
    expect(page.locator(".map .map-label")).to_have_text(["红星路社区第1网格", "红星路社区第2网格"])
    expect(page.locator(".breadcrumbs a")).to_have_count(0)  # 成都市 › 锦江区 › 春熙路街道 are above her scope
    assert fits_the_phone(page)
    screenshot(page, "community")

    # Drill down by clicking a grid's polygon on the map.
    grid = live_city.regions["510104001001001"]
    polygons.first.click()  # the labels let clicks through to the polygon under them
    expect(page).to_have_url(f"{base}/places/r/{grid.pk}/")
    expect(page.locator("h1")).to_contain_text("红星路社区第1网格")
    assert map_ready(page) == 2  # its two buildings as markers
    rows = page.locator("table.buildings tbody tr")
    expect(rows).to_have_count(2)
    assert fits_the_phone(page)
    screenshot(page, "grid")

    page.get_by_role("link", name="红星路社区第1网格1栋").click()
    expect(page).to_have_url(re.compile(r"/places/b/\d+/$"))
    expect(page.locator("table.houses")).to_have_count(2)
    expect(page.locator("table.houses tbody tr")).to_have_count(8)
    assert fits_the_phone(page)
    screenshot(page, "building")

    page.locator("table.houses").first.get_by_role("link", name="101").click()
    expect(page).to_have_url(re.compile(r"/places/h/\d+/$"))
    expect(page.locator("h1")).to_have_text("红星路社区第1网格1栋1单元101")
    expect(page.locator(".facts")).to_contain_text("住宅")
    screenshot(page, "house")

    # A region of the other district, typed into the address bar: the same 404 as a missing one.
    qingyang = live_city.regions["510105001001"]
    response = page.goto(f"{base}/places/r/{qingyang.pk}/")
    assert response is not None and response.status == 404
    assert "宽窄巷子" not in page.content()
    expect(page.locator("h1")).to_have_text("找不到页面")
    assert fits_the_phone(page)
    screenshot(page, "not-found")

    # Search from the region page with the keyboard.
    page.goto(f"{base}/places/r/{community.pk}/")
    page.get_by_role("searchbox").fill("宽窄")
    with page.expect_navigation():
        page.get_by_role("searchbox").press("Enter")
    expect(page.locator("#no-results")).to_contain_text("没有找到")
    expect(page.locator(".result-list")).to_have_count(0)
    screenshot(page, "search-empty")

    assert errors == [] or all("404" in e for e in errors), errors


def test_district_leader_searches_by_address_on_a_phone(
    live_server: Any,
    live_city: TestCity,
    phone_page: Page,
    sign_in: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page, base = phone_page, live_server.url
    sign_in(page, base, "district_leader")
    expect(page.locator(".totals")).to_contain_text("96")  # houses in 锦江区
    assert map_ready(page) == 2  # its two subdistricts
    assert fits_the_phone(page)
    screenshot(page, "home-district")

    page.get_by_role("link", name="搜索", exact=True).click()
    page.get_by_role("searchbox").fill("东大街社区第2网格")
    with page.expect_navigation():
        page.get_by_role("searchbox").press("Enter")
    results = page.locator(".results")
    expect(results).to_have_count(3)  # the grid, its 2 buildings, its 16 houses
    expect(results.nth(2).locator("li")).to_have_count(16)
    expect(results.nth(1)).to_contain_text("所在网格：东大街社区第2网格")
    assert fits_the_phone(page)
    screenshot(page, "search-results")


HOSTILE = '<img src="x" id="injected">红星路1栋'


def test_a_hostile_building_address_shows_as_text_in_the_map_tooltip(
    live_server: Any,
    live_city: TestCity,
    phone_page: Page,
    sign_in: Callable[[Page, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    """Issue 10, item 3: names reach Leaflet as text nodes, so markup typed into an address never
    becomes an element (it did: bindTooltip sets innerHTML for a string)."""
    from linli.places.models import Building

    grid = live_city.regions["510104001001001"]
    Building.objects.filter(region=grid, number="1").update(address=HOSTILE)
    page, base = phone_page, live_server.url
    sign_in(page, base, "community_worker")
    page.goto(f"{base}/places/r/{grid.pk}/")
    assert map_ready(page) == 2
    marker = page.locator(".map .leaflet-interactive").first
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_count(1)
    expect(tooltip).to_have_text(HOSTILE)
    assert page.locator("#injected").count() == 0
    screenshot(page, "hostile-tooltip")

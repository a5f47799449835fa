"""Browser journeys: Playwright's sync API driving Debian's chromium against pytest-django's live server.

Fixtures for every browser test:

- ``browser``: one headless chromium for the session (skips when /usr/bin/chromium is absent);
- ``phone_page``: a fresh context (own cookies, storage) at 360×740, the narrowest phone we serve;
- ``live_city``: the small known city (linli/testing.py) committed where the live server sees it;
- ``sign_in(page, base_url, username)``: sign in through the real login form;
- ``screenshot(page, name)``: a full-page screenshot kept under $E2E_ARTIFACTS_DIR (default /tmp).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from linli.testing import TEST_PASSWORD, TestCity, build_test_city

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
ARTIFACTS_DIR = Path(os.environ.get("E2E_ARTIFACTS_DIR", "/tmp"))

# Playwright's sync API runs an event loop in this thread; the test's own database calls are
# plain synchronous ones, so Django's guard against ORM use inside a running loop does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Headless chromium with a fresh temporary profile (launch() never reuses a user-data dir)."""
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN", device_scale_factor=2)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.fixture
def live_city(transactional_db: Any) -> TestCity:
    """The test city, committed so the live server's thread sees it."""
    return build_test_city()


@pytest.fixture
def sign_in() -> Callable[[Page, str, str], None]:
    def _sign_in(page: Page, base_url: str, username: str) -> None:
        page.goto(f"{base_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", TEST_PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")  # the keyboard path, not a mouse click

    return _sign_in


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    def _screenshot(page: Page, name: str) -> Path:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS_DIR / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot

"""Browser tests: Playwright driving Debian's Chromium against a live server.

Skipped with the reason when no Chromium is installed (CI installs it and requires these tests).
"""

import datetime
import os
import re
import shutil

import pytest
from django.utils import timezone

# Playwright's sync API keeps an event loop on the test thread; the test's own ORM calls are
# still synchronous, so Django's async-safety check does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's background services try the internet; this machine has none.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                if os.environ.get("CI", "").lower() == "true":
                    raise pytest.UsageError("CI needs Chromium for the browser tests")
                reason = "no Chromium installed (apt-get install chromium)"
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open further pages (another persona) in their own browser context."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="nb-NO")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


# Login lands on "Til behandling" (the site's root).
LANDED = re.compile(r"^https?://[^/]+/$")


def log_in(page, username, password="a-long-test-password-1"):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


def check_accessibility(page):
    """axe-core on the current page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    # A click that navigates returns before the new document has loaded; axe run in between
    # finds no document (or has its context destroyed), so wait for the load and try again.
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page)
            break
        except PlaywrightError as error:
            message = str(error)
            if attempt == 2 or not (
                "documentElement" in message or "context was destroyed" in message
            ):
                raise
            page.wait_for_timeout(200)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )


def meeting_time_comes(page):
    """Days pass until the meeting shown on ``page`` has begun (an hour ago): minutes belong to
    a meeting that has taken place. The page is loaded again."""
    from pathways.models import Meeting

    meeting_id = int(re.search(r"/moter/(\d+)/", page.url).group(1))
    Meeting.objects.filter(pk=meeting_id).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    page.reload()

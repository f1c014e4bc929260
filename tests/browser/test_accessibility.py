"""Accessibility in a real browser: axe-core on every main page, a keyboard-only registration,
and layouts at 360 px width and at 200 % zoom.

The pages are discovered, not listed: the patient list, registration, the overview and edit
page of a patient, every link in a navigation landmark, and every page of the patient that the
overview links to. New features are covered when they link their pages from there.
"""

import datetime
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from pathways.patients.demo_ids import synthetic_id
from tests.browser.conftest import LANDED, check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = re.compile(r"\.(pdf|ics|csv)$|/logout/|/admin/|/i18n/")
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const s = getComputedStyle(el);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
}"""
HORIZONTAL_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def nb(text: str) -> str:
    with translation.override("nb"):
        return translation.gettext(text)


def page_links(page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if h and h.startswith("/") and not SKIP.search(h.split("?")[0])]


def discover(page, patient) -> list[str]:
    overview = f"/pasienter/{patient.pk}/"
    pages = ["/", "/pasienter/", "/pasienter/ny/", overview, f"{overview}endre/"]
    for start in ("/pasienter/", overview):
        page.goto(start)
        pages += page_links(page, "nav a[href]")
    page.goto(overview)
    pages += page_links(page, f"main a[href^='{overview}']")
    return list(dict.fromkeys(p.split("#")[0] for p in pages))


def test_every_main_page_passes_axe(page, coordinator, shared_patient):
    page.goto("/accounts/login/")
    check_accessibility(page)
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    pages = discover(page, shared_patient)
    assert len(pages) >= 4
    failures = []
    for url in pages:
        response = page.goto(url)
        if response.status != 200:
            failures.append(f"{url}: HTTP {response.status}")
            continue
        try:
            check_accessibility(page)
        except AssertionError as exc:
            failures.append(f"{url}: {exc}")
    assert not failures, "\n".join(failures)


def test_pages_fit_a_360_px_screen_and_200_percent_zoom(page, coordinator, shared_patient):
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    pages = discover(page, shared_patient)
    failures = []
    # 360 px: a small phone. 640 x 400: a 1280 x 800 screen at 200 % zoom (WCAG 1.4.4, 1.4.10).
    for width, height in ((360, 740), (640, 400)):
        page.set_viewport_size({"width": width, "height": height})
        for url in pages:
            page.goto(url)
            overflow = page.evaluate(HORIZONTAL_OVERFLOW)
            if overflow > 2:
                failures.append(f"{url} at {width} px: scrolls sideways by {overflow} px")
            if not page.locator("main").is_visible():
                failures.append(f"{url} at {width} px: main content not visible")
    assert not failures, "\n".join(failures)


def tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until ``predicate`` (JS, given the focused element) holds; focus must show."""
    check = f"() => ({predicate})(document.activeElement)"
    if page.evaluate(check):  # already there (e.g. autofocus)
        return
    for _ in range(limit):
        page.keyboard.press("Tab")
        # Past the last element focus leaves the page for the browser's own controls.
        if page.evaluate("() => document.activeElement === document.body"):
            continue
        assert page.evaluate(FOCUS_VISIBLE), "focus is not visible on " + page.evaluate(
            "() => document.activeElement.outerHTML.slice(0, 120)"
        )
        if page.evaluate(check):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def focus_id(element_id: str) -> str:
    return f"el => el.id === '{element_id}'"


def test_a_coordinator_registers_a_patient_with_the_keyboard_only(page, coordinator):
    page.goto("/accounts/login/")
    tab_to(page, focus_id("id_username"))
    page.keyboard.type(coordinator.username)
    tab_to(page, focus_id("id_password"))
    page.keyboard.type("a-long-test-password-1")
    page.keyboard.press("Enter")
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")

    register = nb("Register patient")
    tab_to(page, f"el => el.tagName === 'A' && el.textContent.trim() === {register!r}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pasienter/ny/")

    number = synthetic_id(datetime.date(1985, 4, 12), serial=7)
    tab_to(page, focus_id("id_national_id"))
    page.keyboard.type(number)
    tab_to(page, focus_id("id_first_name"))
    page.keyboard.type("Tastatur")
    tab_to(page, focus_id("id_last_name"))
    page.keyboard.type("Nordmann")
    # Enter in a text field submits the form.
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pasienter/\d+/$"))
    expect(page.get_by_text("Tastatur Nordmann").first).to_be_visible()

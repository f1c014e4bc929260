"""Vadsø's ruskonsulent asks UNN TSB døgn a question with an answer-by date; a TSB clinician
finds it on the home page, answers; the ruskonsulent reads the answer and the thread reads as
answered. axe-core on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathways.models import DialoguePost, DialogueThread
from tests.browser.conftest import LANDED, check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_kommune_question_to_tsb_is_answered(
    page, new_page, shared_patient, coordinator, tsb_clinician, unn_tsb
):
    answer_by = timezone.localdate() + datetime.timedelta(days=3)

    # The ruskonsulent asks from the patient's overview.
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto(f"/pasienter/{shared_patient.pk}/")
    expect(page.get_by_role("heading", name="Helsefaglig dialog")).to_be_visible()
    page.get_by_role("link", name="Spør en annen tjeneste").click()
    check_accessibility(page)
    page.get_by_label("Spør (må fylles ut)", exact=True).select_option(str(unn_tsb.pk))
    page.get_by_label("Emne").fill("Legemidler ved utskriving")
    question = "Hvilke legemidler skal Ola ha med seg hjem?"
    page.get_by_label("Spørsmål (må fylles ut)", exact=True).fill(question)
    page.get_by_label("Svar innen").fill(answer_by.isoformat())
    page.get_by_role("button", name="Send spørsmålet").click()
    page.wait_for_url("**/dialog/*/")
    expect(page.get_by_text("Spørsmålet ditt er sendt.")).to_be_visible()
    expect(page.get_by_text("Venter på svar")).to_be_visible()
    expect(page.get_by_text("Ikke lest av TSB døgn ennå")).to_be_visible()
    check_accessibility(page)
    thread = DialogueThread.objects.get(patient=shared_patient)
    assert thread.answer_by == answer_by

    # A TSB clinician finds it on the home page and answers.
    tsb = new_page()
    log_in(tsb, tsb_clinician.username)
    tsb.wait_for_url(LANDED)
    tsb.goto("/")
    group = tsb.locator("section", has=tsb.locator("h2#dialog"))
    expect(group.get_by_text("Svar: Legemidler ved utskriving")).to_be_visible()
    check_accessibility(tsb)
    group.get_by_role("link", name="Svar: Legemidler ved utskriving").click()
    tsb.wait_for_url(f"**/dialog/{thread.pk}/")
    expect(tsb.get_by_text(question)).to_be_visible()
    check_accessibility(tsb)
    assert DialoguePost.objects.get(thread=thread).read_by == tsb_clinician
    tsb.get_by_label("Svaret ditt").fill("Metadon 60 mg daglig; resept sendes fastlegen.")
    tsb.get_by_role("button", name="Send svaret").click()
    tsb.wait_for_url(f"**/dialog/{thread.pk}/")
    expect(tsb.get_by_text("Svaret ditt er sendt.")).to_be_visible()
    tsb.goto("/")
    expect(tsb.get_by_text("Svar: Legemidler ved utskriving")).to_have_count(0)

    # The ruskonsulent sees the answer, and the thread reads as answered.
    page.goto(f"/pasienter/{shared_patient.pk}/dialog/")
    row = page.locator(f"#thread-{thread.pk}")
    expect(row.get_by_text("Besvart")).to_be_visible()
    expect(row.get_by_text("Ulest")).to_be_visible()
    check_accessibility(page)
    row.get_by_role("link", name="Legemidler ved utskriving").click()
    expect(page.get_by_text("Metadon 60 mg daglig; resept sendes fastlegen.")).to_be_visible()
    expect(page.locator("#thread-state").get_by_text("Besvart")).to_be_visible()
    check_accessibility(page)
    answer = DialoguePost.objects.get(thread=thread, kind="answer")
    assert answer.read_by == coordinator

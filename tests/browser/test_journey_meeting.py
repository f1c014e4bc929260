"""The koordinator calls a meeting, holds it and publishes minutes with two action items;
the responsible TSB clinician sees one in "Mine oppgaver" and closes it. axe on each page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathways.models import ActionItem, Meeting
from tests.browser.conftest import LANDED, check_accessibility, log_in, meeting_time_comes

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_meeting_from_invitation_to_a_closed_action_item(
    page, new_page, coordinator, tsb_clinician, shared_patient
):
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.goto(f"/pasienter/{shared_patient.pk}/")
    page.get_by_role("link", name="Ansvarsgruppe og møter").click()
    check_accessibility(page)

    page.get_by_label("Pasientens ønsker om hvem som deltar").fill("Vil ha med NAV-veileder.")
    page.get_by_role("button", name="Opprett ansvarsgruppe").click()
    page.get_by_role("link", name="Legg til medlem fra behandlingsteamet").click()
    check_accessibility(page)
    clinician = tsb_clinician.get_full_name()
    page.get_by_label("Person").select_option(label=f"{clinician} – TSB døgn")
    page.get_by_role("button", name="Legg til").click()
    page.get_by_role("link", name="Legg til ekstern deltaker").click()
    page.get_by_label("Navn (fagperson som ikke er i registeret)").fill("Nina NAV")
    page.get_by_label(re.compile("^Rolle")).select_option(label="NAV-kontakt")
    page.get_by_label("E-post (fagperson som ikke er i registeret)").fill("nina.nav@example.no")
    page.get_by_label("Grunnlag for å delta").select_option(label="Pasientens samtykke")
    page.get_by_role("button", name="Legg til").click()
    # Consent needs a note: the form says so beside the field and keeps what was typed.
    expect(page.get_by_text("Skriv hva pasienten har samtykket til, og når.").first).to_be_visible()
    name = page.get_by_label("Navn (fagperson som ikke er i registeret)")
    assert name.input_value() == "Nina NAV"
    page.get_by_label("Merknad om samtykke eller grunnlag").fill("Skriftlig samtykke")
    page.get_by_role("button", name="Legg til").click()
    expect(page.get_by_text("Deltakeren er lagt til.")).to_be_visible()
    expect(page.get_by_role("rowheader", name=re.compile("Nina NAV"))).to_be_visible()

    # Call the meeting.
    page.get_by_role("link", name="Kall inn til møte").click()
    check_accessibility(page)
    day = timezone.localdate() + datetime.timedelta(days=5)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label(re.compile("^Tid")).fill("10:00")
    page.get_by_label("Sted").fill("Vadsø rådhus")
    page.get_by_label("Lenke til digitalt møte").fill("https://meet.example.no/ola")
    page.get_by_label("Saksliste").fill("Bolig\nArbeid og aktivitet")
    page.get_by_role("button", name="Lagre og send innkalling").click()
    page.wait_for_url(re.compile(r".*/moter/\d+/$"))
    expect(page.get_by_text("Møtet er planlagt, og innkallingene er sendt.")).to_be_visible()
    expect(page.get_by_role("link", name="Kalenderinvitasjon (.ics)")).to_be_visible()
    check_accessibility(page)

    # Hold it: attendance, notes, two action items.
    # Before the meeting the page offers no minutes; the day comes.
    expect(page.get_by_role("link", name="Skriv referat")).to_have_count(0)
    meeting_time_comes(page)
    page.get_by_role("link", name="Skriv referat").click()
    attendance = page.get_by_role("group", name="Oppmøte")
    for select in attendance.locator("select").all():
        select.select_option(label="Til stede")
    page.get_by_label("Notater").first.fill("Leilighet i sentrum er ledig.")
    page.get_by_label("Avtalt").first.fill("Søke kommunal bolig.")
    page.get_by_role("button", name="Lagre referat").click()
    expect(page.get_by_text("Referatet er lagret.")).to_be_visible()
    check_accessibility(page)
    for what, who in (
        ("Sende epikrise til fastlege", f"{clinician} (TSB døgn)"),
        ("Søke om bostøtte", "Nina NAV (NAV-kontakt)"),
    ):
        page.get_by_label("Hva skal gjøres").fill(what)
        page.get_by_label("Ansvarlig").select_option(label=who)
        page.get_by_label("Frist").fill((day + datetime.timedelta(days=14)).isoformat())
        page.get_by_role("button", name="Legg til oppfølgingspunkt").click()
        expect(page.get_by_text("Oppfølgingspunktet er lagt til.")).to_be_visible()

    # Publish.
    page.get_by_role("link", name="Publiser referat").first.click()
    check_accessibility(page)
    assert page.get_by_label("Foreslått dato for neste møte").input_value()
    page.get_by_role("button", name="Publiser og send").click()
    expect(page.get_by_text("Referatet er publisert og sendt til deltakerne.")).to_be_visible()
    meeting = Meeting.objects.get(patient=shared_patient)
    assert meeting.is_published and meeting.action_items.count() == 2

    # The TSB clinician finds the action item in "Mine oppgaver" and closes it inline.
    other = new_page()
    log_in(other, tsb_clinician.username)
    other.wait_for_url(LANDED)
    other.goto("/pasienter/")
    other.get_by_role("link", name="Mine oppgaver").click()
    other.wait_for_url("**/oppgaver/")
    check_accessibility(other)
    row = other.get_by_role("row", name=re.compile("Sende epikrise til fastlege"))
    expect(row).to_be_visible()
    assert other.get_by_text("Søke om bostøtte").count() == 0
    row.get_by_role("button", name=re.compile("Marker som utført")).click()
    other.get_by_text("«Sende epikrise til fastlege» er markert som utført.").wait_for()
    expect(other.get_by_text("Du har ingen åpne oppgaver.")).to_be_visible()
    assert other.url.endswith("/oppgaver/")
    check_accessibility(other)
    item = ActionItem.objects.get(what="Sende epikrise til fastlege")
    assert item.status == "done" and item.done_by == tsb_clinician

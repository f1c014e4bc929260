"""Issue 13 §2: the patient and pårørende hear of something new in Min plan by the one neutral
notice ("Du har en ny melding i Samhandling" and a link), by email, SMS, both or not at all."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent, Membership
from pathways import sms
from pathways.meetings import services as meetings
from pathways.models import (
    AccessQuestion,
    Consent,
    GoalProposal,
    GroupMember,
    NoticeChannel,
    PortalAccess,
)
from pathways.patients.rules import portal_consent_notice
from pathways.patients.services.careteam import consent_record
from pathways.plan import services as plans
from pathways.portal import notices
from tests.factories import make_user
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at, hold
from tests.pathways.portal.conftest import give, portal_client

pytestmark = pytest.mark.django_db

SUBJECT = "Du har en ny melding i Samhandling"
BODY = (
    "Du har en ny melding i Samhandling.\n\n"
    "Logg inn i Min plan med ID-porten for å lese den: {site}/min/"
)
SETTINGS = "/min/varsler/"
EMAIL = "ola@example.no"
PHONE = "91234567"


def choose(access, channel, email=EMAIL, phone=PHONE):
    """The person's choice as saved from /min/varsler/, and no notice sent lately."""
    PortalAccess.objects.filter(pk=access.pk).update(
        notice_channel=channel, notice_email=email, notice_phone=phone, last_notice_at=None
    )


def quiet_again(*accesses):
    """As if the last notice was long ago (the burst limit is tested on its own)."""
    PortalAccess.objects.filter(pk__in=[a.pk for a in accesses]).update(last_notice_at=None)


def sent_to() -> list[str]:
    return [m.to[0] for m in mail.outbox] + [s.to for s in sms.outbox]


def assert_neutral(settings, *forbidden):
    """Every email and SMS is exactly the neutral notice, and names nothing in ``forbidden``."""
    site = settings.SITE_URL.rstrip("/")
    assert mail.outbox or sms.outbox
    for message in mail.outbox:
        assert message.subject == SUBJECT
        assert message.body == BODY.format(site=site)
        assert not message.attachments
    for text in sms.outbox:
        assert text.body == f"{SUBJECT}: {site}/min/"
    everything = " ".join(
        [m.subject + " " + m.body for m in mail.outbox] + [s.body for s in sms.outbox]
    ).lower()
    for word in forbidden:
        assert str(word).lower() not in everything, word


def forbidden_for(patient, *more):
    """The patient's name, the units' names, and words of meetings and health."""
    return (
        patient.first_name,
        patient.last_name,
        "Vadsø",
        "UNN",
        "TSB",
        "møte",
        "referat",
        "mål",
        "samtykke",
        "plan:",
        *more,
    )


@pytest.fixture
def coordinator_actor(coordinator, vadso_rus):
    return Actor(coordinator, vadso_rus)


def change_plan(plan, actor, text="Jobbe to dager i uka"):
    """A change of the plan by the koordinator: a new measure."""
    from tests.pathways.plan.setup import add_measure

    add_measure(plan, actor.user, actor.unit, title=text, scope="Innen en måned")


# The notice and the choice -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "emails", "texts"),
    [
        (NoticeChannel.EMAIL, 1, 0),
        (NoticeChannel.SMS, 0, 1),
        (NoticeChannel.BOTH, 1, 1),
        (NoticeChannel.NONE, 0, 0),
    ],
)
def test_a_plan_change_sends_the_neutral_notice_by_the_chosen_channel(
    patient_access,
    plan,
    patient,
    coordinator_actor,
    settings,
    django_capture_on_commit_callbacks,
    channel,
    emails,
    texts,
):
    choose(patient_access, channel)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor, "Søke jobb på Coop")
    assert len(mail.outbox) == emails and len(sms.outbox) == texts
    assert [m.to for m in mail.outbox] == [[EMAIL]] * emails
    assert [s.to for s in sms.outbox] == [PHONE] * texts
    if emails or texts:
        assert_neutral(settings, *forbidden_for(patient, "Coop", "jobb"))


def test_until_they_choose_the_notice_goes_by_email_to_the_address_in_the_register(
    patient_access, kin, plan, coordinator_actor, settings, django_capture_on_commit_callbacks
):
    kin.email, kin.phone = "anne@example.no", "98765432"
    kin.save()
    give(patient_access, kin, [PortalAccess.Part.PLAN])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor)
    # The patient has no address in the record: nothing; Anne by email, never SMS unasked.
    assert sent_to() == ["anne@example.no"]
    assert_neutral(settings, *forbidden_for(kin.patient, "Anne"))


def test_no_notice_when_access_is_not_in_force(
    patient_access, kin, plan, coordinator_actor, django_capture_on_commit_callbacks
):
    choose(patient_access, NoticeChannel.BOTH)
    grant = give(patient_access, kin, [PortalAccess.Part.PLAN])
    choose(grant, NoticeChannel.EMAIL, email="anne@example.no")
    PortalAccess.objects.filter(pk=patient_access.pk).update(ended_at=timezone.now())
    PortalAccess.objects.filter(pk=grant.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor)
    assert sent_to() == []


def test_a_pårørende_hears_only_of_the_parts_they_were_given(
    patient_access,
    kin,
    plan,
    group,
    coordinator_actor,
    settings,
    django_capture_on_commit_callbacks,
):
    grant = give(patient_access, kin, [PortalAccess.Part.PLAN])
    choose(grant, NoticeChannel.SMS, phone="98765432")
    choose(patient_access, NoticeChannel.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_plan(
            group=group,
            actor=coordinator_actor,
            starts_at=at(5),
            duration_minutes=60,
            place="Vadsø rådhus",
            digital_link="",
            agenda=["Bolig"],
        )
    assert "98765432" not in sent_to()
    mail.outbox.clear()  # the invitations to the staff in the group
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor)
    assert [s.to for s in sms.outbox] == ["98765432"]
    assert_neutral(settings, *forbidden_for(kin.patient))


def test_the_patient_is_not_told_of_their_own_change(
    patient_client, patient_access, plan, django_capture_on_commit_callbacks
):
    choose(patient_access, NoticeChannel.BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            "/min/viktig/", {"what_matters": "Å ha et sted å bo.", "version": plan.version}
        )
    assert response.status_code == 302
    assert sent_to() == []


def test_a_burst_of_changes_gives_one_notice_then_the_next_after_the_quiet_time(
    patient_access, plan, coordinator_actor, settings, django_capture_on_commit_callbacks
):
    choose(patient_access, NoticeChannel.BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor, "Første")
    with django_capture_on_commit_callbacks(execute=True):
        change_plan(plan, coordinator_actor, "Andre")
        change_plan(plan, coordinator_actor, "Tredje")
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    later = timezone.now() + datetime.timedelta(minutes=settings.PORTAL_NOTICE_QUIET_MINUTES + 1)
    assert notices.send(patient_access.patient_id, [], now=later) == 1
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2


def test_a_failed_send_gives_the_claim_back(patient_access, settings):
    choose(patient_access, NoticeChannel.SMS)
    settings.SMS_BACKEND = "tests.pathways.portal.test_notices.FailingBackend"
    assert notices.send(patient_access.patient_id, []) == 0
    patient_access.refresh_from_db()
    assert patient_access.last_notice_at is None
    settings.SMS_BACKEND = "pathways.sms.LocmemBackend"
    assert notices.send(patient_access.patient_id, []) == 1


class FailingBackend(sms.BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("the gateway does not answer")


# The triggers ------------------------------------------------------------------------------


def _proposal(patient_client):
    patient_client.post(
        "/min/plan/nytt-mal/", {"text": "Jeg vil trene igjen.", "life_area": "physical_health"}
    )
    return GoalProposal.objects.latest("id")


def test_the_koordinator_declining_a_goal_sends_one_notice(
    patient_client,
    patient_access,
    plan,
    patient,
    coordinator_actor,
    settings,
    django_capture_on_commit_callbacks,
):
    proposal = _proposal(patient_client)
    choose(patient_access, NoticeChannel.BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        plans.goal_proposal_decline(
            proposal=proposal, actor=coordinator_actor, answer="Vi tar det på neste møte."
        )
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert_neutral(settings, *forbidden_for(patient, "trene", "neste"))


def test_the_koordinator_accepting_a_goal_sends_one_notice(
    patient_client,
    patient_access,
    plan,
    patient,
    coordinator_actor,
    settings,
    django_capture_on_commit_callbacks,
):
    proposal = _proposal(patient_client)
    choose(patient_access, NoticeChannel.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        plans.goal_proposal_accept(
            proposal=proposal, actor=coordinator_actor, life_area="physical_health"
        )
    assert sent_to() == [EMAIL]
    assert_neutral(settings, *forbidden_for(patient, "trene"))


ONLINE = ("ola.member@example.no", "anne@example.no")


@pytest.fixture
def online_group(group, patient_access, kin, coordinator_actor):
    """The patient (with an address on their member row) and Anne, given meetings, in the
    group with Nina NAV (outside Min plan)."""
    GroupMember.objects.filter(group=group, role=GroupMember.Role.PATIENT).update(
        email="ola.member@example.no"
    )
    kin.email = "anne@example.no"
    kin.save()
    meetings.group_member_add(
        group=group,
        actor=coordinator_actor,
        role=GroupMember.Role.NEXT_OF_KIN,
        next_of_kin=kin,
        basis=GroupMember.Basis.CONSENT,
        basis_note="Muntlig samtykke",
    )
    give(patient_access, kin, [PortalAccess.Part.MEETINGS])
    return group


def test_planning_changing_and_cancelling_a_meeting_notify_those_reading_online(
    online_group,
    patient_access,
    patient,
    coordinator_actor,
    settings,
    django_capture_on_commit_callbacks,
):
    starts = at(9)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meetings.meeting_plan(
            group=online_group,
            actor=coordinator_actor,
            starts_at=starts,
            duration_minutes=60,
            place="Vadsø rådhus, møterom 2",
            digital_link="",
            agenda=["Bolig"],
        )
    online = [m for m in mail.outbox if m.to[0] in ONLINE]
    others = [m for m in mail.outbox if m.to[0] not in ONLINE]
    # Nina NAV (outside Min plan) and the staff keep the invitation with the .ics; no subject
    # names the patient.
    assert "nina.nav@example.no" in [m.to[0] for m in others]
    for message in others:
        assert message.attachments
        assert patient.first_name not in message.subject
        assert patient.last_name not in message.subject
    # The patient and Anne get the neutral notice only: no place, no date, no .ics.
    assert sorted(m.to[0] for m in online) == sorted(ONLINE)
    mail.outbox[:] = online
    date = timezone.localtime(starts).strftime("%d.%m.%Y")
    assert_neutral(settings, *forbidden_for(patient, date, "rådhus"))
    for change in ("change", "cancel"):
        mail.outbox.clear()
        quiet_again(*PortalAccess.objects.filter(patient=patient))
        meeting.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            if change == "change":
                meetings.meeting_change(
                    meeting=meeting,
                    actor=coordinator_actor,
                    version=meeting.version,
                    starts_at=at(10),
                    duration_minutes=60,
                    place="Et annet sted",
                    digital_link="",
                )
            else:
                meetings.meeting_cancel(meeting=meeting, actor=coordinator_actor, reason="Syk")
        online = [m for m in mail.outbox if m.to[0] in ONLINE]
        assert sorted(m.to[0] for m in online) == sorted(ONLINE)
        mail.outbox[:] = online
        assert_neutral(settings, *forbidden_for(patient, "annet sted", "syk"))


def test_published_minutes_notify_the_patient_and_the_pårørende_given_meetings(
    online_group,
    patient_access,
    patient,
    coordinator,
    vadso_rus,
    settings,
    django_capture_on_commit_callbacks,
):
    meeting = meetings.meeting_plan(
        group=online_group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(3),
        duration_minutes=60,
        place="Vadsø",
        digital_link="",
        agenda=["Bolig"],
    )
    meeting = hold(meeting, coordinator, vadso_rus)
    choose(patient_access, NoticeChannel.SMS)
    quiet_again(*PortalAccess.objects.filter(patient=patient))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.minutes_publish(
            meeting=meeting, actor=Actor(coordinator, vadso_rus), version=meeting.version
        )
    by_post = [m for m in mail.outbox if m.to[0] not in ONLINE]
    # The GP's office, NAV and others by post: the subject names the meeting, never the patient.
    assert [m.to[0] for m in by_post] == ["nina.nav@example.no"]
    assert patient.first_name not in by_post[0].subject
    assert patient.last_name not in by_post[0].subject
    assert patient.first_name not in by_post[0].body
    mail.outbox[:] = [m for m in mail.outbox if m.to[0] in ONLINE]
    assert [m.to[0] for m in mail.outbox] == ["anne@example.no"]
    assert [s.to for s in sms.outbox] == [PHONE]
    date = timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y")
    assert_neutral(settings, *forbidden_for(patient, date, "leilighet"))


def test_a_consent_running_out_soon_is_told_once(
    patient_access, patient, coordinator_actor, settings, django_capture_on_commit_callbacks
):
    consent_record(
        patient=patient,
        actor=coordinator_actor,
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate() - datetime.timedelta(days=300),
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
    )
    choose(patient_access, NoticeChannel.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert portal_consent_notice(timezone.now()) == 1
    quiet_again(patient_access)
    with django_capture_on_commit_callbacks(execute=True):
        assert portal_consent_notice(timezone.now()) == 0
    assert sent_to() == [EMAIL]
    assert_neutral(settings, *forbidden_for(patient))


# The settings page -------------------------------------------------------------------------


def test_the_settings_page_starts_from_the_record_and_saves_the_choice(
    patient_access, patient, client
):
    patient.phone = "912 34 567"
    patient.save()
    patient_client = portal_client(client, patient_access)
    page = patient_client.get(SETTINGS).content.decode()
    assert "Hvordan vil du få beskjed om at du har en ny melding?" in page
    assert 'value="912 34 567"' in page
    # No address to email in the record, a phone number: SMS is proposed.
    assert re.search(r'value="sms"[^>]*checked', page)
    response = patient_client.post(
        SETTINGS, {"channel": "both", "email": "ola@example.no", "phone": "+47 912 34 567"}
    )
    assert response.status_code == 302
    patient_access.refresh_from_db()
    assert patient_access.notice_channel == NoticeChannel.BOTH
    assert patient_access.notice_email == "ola@example.no"
    assert patient_access.notice_phone == "+4791234567"
    changed = AuditEvent.objects.get(
        object_type="pathways.portalaccess", object_id=str(patient_access.pk), action="update"
    )
    assert changed.basis == AuditEvent.Basis.PATIENT and changed.patient_id == patient.pk
    assert "varsler" in changed.detail


def test_errors_stand_beside_the_field_and_what_was_typed_is_kept(patient_client, patient_access):
    response = patient_client.post(SETTINGS, {"channel": "both", "email": "", "phone": "12"})
    assert response.status_code == 200
    page = response.content.decode()
    email_at = page.index('name="email"')
    phone_at = page.index('name="phone"')
    email_error = page.index('id="id_email_error">Skriv e-postadressen meldingen skal gå til.')
    phone_error = page.index('id="id_phone_error">Skriv et norsk mobilnummer med 8 siffer')
    # Each error in the field's own block, between its input and the next field.
    assert email_at < email_error < phone_at < phone_error
    assert 'value="12"' in page
    assert re.search(r'value="both"[^>]*checked', page)
    patient_access.refresh_from_db()
    assert patient_access.notice_channel == ""


def test_a_pårørende_chooses_too_starting_from_the_register(patient_access, kin):
    kin.email = "anne@example.no"
    kin.save()
    relative = portal_client(Client(), give(patient_access, kin, [PortalAccess.Part.MEETINGS]))
    page = relative.get(SETTINGS).content.decode()
    assert 'value="anne@example.no"' in page
    response = relative.post(SETTINGS, {"channel": "none", "email": "", "phone": ""})
    assert response.status_code == 302
    grant = PortalAccess.objects.get(next_of_kin=kin)
    assert grant.notice_channel == NoticeChannel.NONE
    assert AuditEvent.objects.filter(
        object_type="pathways.portalaccess",
        object_id=str(grant.pk),
        basis=AuditEvent.Basis.NEXT_OF_KIN,
    ).exists()


def test_staff_and_outsiders_do_not_reach_the_settings_page(login, coordinator, client):
    assert client.get(SETTINGS).status_code == 302  # to the login page
    assert login(coordinator).get(SETTINGS).status_code == 404


# Spør hvorfor: the answer back -------------------------------------------------------------


@pytest.fixture
def tsb_leader(unn_tsb):
    return make_user(unn_tsb, Membership.Role.LEADER, username="tsbleder2", first_name="Lise")


def test_the_leader_answers_and_the_patient_reads_it_where_they_asked(
    shared_patient,
    tsb_clinician,
    tsb_leader,
    patient_access,
    settings,
    django_capture_on_commit_callbacks,
):
    reader = Client()
    reader.force_login(tsb_clinician)
    assert reader.get(f"/pasienter/{shared_patient.pk}/").status_code == 200
    patient_client = portal_client(Client(), patient_access)
    page = patient_client.get("/min/innsyn/").content.decode().replace("&amp;", "&")
    # The question about the TSB clinician's line (the leader of UNN TSB answers).
    start = page.rindex("/min/innsyn/spor-hvorfor/?", 0, page.index(f"&person={tsb_clinician.pk}&"))
    ask = page[start : page.index('"', start)]
    assert patient_client.post(ask, {"question": "Hvem er dette?"}).status_code == 302
    question = AccessQuestion.objects.get(patient=shared_patient)
    assert question.read_by == tsb_clinician and question.answered_at is None
    assert "Ikke besvart ennå." in patient_client.get("/min/innsyn/svar/").content.decode()

    url = f"/pasienter/{shared_patient.pk}/min-plan/sporsmal/{question.pk}/"
    # Only the unit's leader (or the koordinator where it has none) answers.
    assert Client().get(url).status_code == 302
    other = Client()
    other.force_login(tsb_clinician)
    assert other.post(url, {"answer": "Fordi."}).status_code == 403
    leader = Client()
    leader.force_login(tsb_leader)
    assert "Hvem er dette?" in leader.get(url).content.decode()
    choose(patient_access, NoticeChannel.BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(url, {"answer": "Hun var vakthavende lege den natten."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Hun var vakthavende lege den natten."
    assert question.answered_by == tsb_leader
    assert AuditEvent.objects.filter(
        object_type="pathways.accessquestion",
        object_id=str(question.pk),
        action="update",
        user=tsb_leader,
    ).exists()
    # The patient reads the answer with their questions, and where they asked about the line.
    for where in ("/min/innsyn/svar/", ask):
        page = patient_client.get(where).content.decode()
        assert "Hvem er dette?" in page and "Hun var vakthavende lege den natten." in page
    assert "/min/innsyn/svar/" in patient_client.get("/min/innsyn/").content.decode()
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert_neutral(settings, *forbidden_for(shared_patient, "vakthavende", tsb_clinician.last_name))
    # A second answer (another tab) is refused; the first stands.
    again = leader.post(url, {"answer": "Noe annet."})
    assert again.status_code == 200
    question.refresh_from_db()
    assert question.answer == "Hun var vakthavende lege den natten."

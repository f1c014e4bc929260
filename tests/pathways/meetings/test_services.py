"""The ansvarsgruppe services: group, meetings, minutes, publishing and carry-over."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.meetings import services as svc
from pathways.models import (
    ActionItem,
    CareTeamMember,
    GroupMember,
    Meeting,
    NextOfKin,
    Notification,
)
from pathways.stale import StaleWrite
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at, hold, member

pytestmark = pytest.mark.django_db


def test_creating_a_group_makes_the_creator_its_leader_and_first_member(group, coordinator):
    assert group.leader == coordinator
    first = group.members.order_by("id").first()
    assert first.user == coordinator
    assert first.basis == GroupMember.Basis.CARE_TEAM
    assert "mor og NAV-veileder" in group.patient_say
    assert AuditEvent.objects.filter(object_type="pathways.responsibilitygroup").exists()


def test_a_patient_has_only_one_group(group, coordinator, vadso_rus, shared_patient):
    with pytest.raises(ValidationError):
        svc.group_create(patient=shared_patient, actor=Actor(coordinator, vadso_rus))


def test_only_people_from_care_team_units_can_join(
    group, coordinator, vadso_rus, other_kommune_user
):
    with pytest.raises(ValidationError) as exc:
        svc.group_member_add(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            user=other_kommune_user,
            member_unit=other_kommune_user.memberships.get().unit,
        )
    assert "user" in exc.value.message_dict


def test_external_participants_have_no_login(group):
    users_before = get_user_model().objects.count()
    nav = member(group, name="Nina NAV")
    assert nav.user is None
    assert not nav.is_internal
    assert nav.basis_note == "Skriftlig samtykke 1.2.2026"
    assert nav.patient_view == GroupMember.PatientView.ASKED_FOR
    assert get_user_model().objects.count() == users_before


def test_consent_as_basis_needs_a_note(group, coordinator, vadso_rus):
    with pytest.raises(ValidationError) as exc:
        svc.group_member_add(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            name="Mor",
            role=GroupMember.Role.NEXT_OF_KIN,
            basis=GroupMember.Basis.CONSENT,
        )
    assert "basis_note" in exc.value.message_dict


def test_a_unit_kept_informed_may_not_plan_meetings(group, tsb_clinician, unn_tsb, shared_patient):
    from pathways.access import sync_unit_access

    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(shared_patient, unn_tsb)
    with pytest.raises(PermissionDenied):
        svc.meeting_plan(
            group=group, actor=Actor(tsb_clinician, unn_tsb), starts_at=at(3), place="X"
        )


def test_a_meeting_needs_a_place_or_a_link(group, coordinator, vadso_rus):
    with pytest.raises(ValidationError) as exc:
        svc.meeting_plan(group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(3))
    assert "place" in exc.value.message_dict


def test_planning_invites_the_group_by_notification_and_email(
    planned, tsb_clinician, coordinator, django_capture_on_commit_callbacks
):
    assert planned.state == Meeting.State.PLANNED
    assert planned.invitations.count() == 4
    assert Notification.objects.filter(user=tsb_clinician, kind="meeting_invitation").exists()
    assert not Notification.objects.filter(user=coordinator, kind="meeting_invitation").exists()


def test_invitation_emails_carry_the_calendar_file(
    group, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.meeting_plan(
            group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(5), place="Rådhuset"
        )
    recipients = sorted(m.to[0] for m in mail.outbox)
    # The patient has no email and gets the PDF by post; everyone else gets the invitation.
    assert "nina.nav@example.no" in recipients
    assert len(recipients) == 3
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "invitasjon.ics"
    assert "method=REQUEST" in mimetype
    assert "METHOD:REQUEST" in content


def test_changing_a_meeting_raises_the_sequence_and_resends(
    planned, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    uid = planned.uid
    with django_capture_on_commit_callbacks(execute=True):
        svc.meeting_change(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            version=planned.version,
            starts_at=at(8),
            duration_minutes=60,
            place="Vadsø rådhus",
            digital_link="",
        )
    planned.refresh_from_db()
    assert planned.uid == uid
    assert planned.sequence == 1
    assert mail.outbox and all("SEQUENCE:1" in m.attachments[0][1] for m in mail.outbox)


def test_a_stale_change_is_refused(planned, coordinator, vadso_rus):
    with pytest.raises(StaleWrite):
        svc.meeting_change(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            version=planned.version - 1,
            starts_at=at(8),
            duration_minutes=60,
            place="Rådhuset",
            digital_link="",
        )


def test_cancelling_sends_a_calendar_cancellation(
    planned, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.meeting_cancel(meeting=planned, actor=Actor(coordinator, vadso_rus), reason="Sykdom")
    planned.refresh_from_db()
    assert planned.state == Meeting.State.CANCELLED
    assert planned.sequence == 1
    assert mail.outbox
    for message in mail.outbox:
        ics = message.attachments[0][1]
        assert "METHOD:CANCEL" in ics
        assert "STATUS:CANCELLED" in ics
        assert "Sykdom" not in message.body  # a reason may be health information


def test_saving_minutes_marks_the_meeting_held(held):
    assert held.state == Meeting.State.HELD
    assert held.attendance.filter(status="present").count() == 4
    assert held.agenda.filter(decision="NAV søker bostøtte.").count() == 2
    assert held.action_items.count() == 2


def test_published_minutes_refuse_edits(published, coordinator, vadso_rus, tsb_clinician):
    assert published.is_published
    with pytest.raises(svc.MinutesLocked):
        hold(published, coordinator, vadso_rus, notes="Endret i ettertid")
    with pytest.raises(svc.MinutesLocked):
        svc.action_item_add(
            meeting=published,
            actor=Actor(coordinator, vadso_rus),
            what="Nytt punkt",
            due_date=timezone.localdate(),
            responsible_user=tsb_clinician,
        )
    item = published.action_items.first()
    with pytest.raises(svc.MinutesLocked):
        svc.action_item_delete(item=item, actor=Actor(coordinator, vadso_rus))
    assert not published.agenda.filter(notes="Endret i ettertid").exists()


def test_corrections_after_publishing_are_addenda_with_who_and_when(
    published, coordinator, vadso_rus
):
    addendum = svc.minutes_addendum(
        meeting=published, actor=Actor(coordinator, vadso_rus), text="Riktig dato er 3. mars."
    )
    assert addendum.added_by == coordinator
    assert addendum.added_at <= timezone.now()


def test_publishing_notifies_internal_participants_and_sends_externals_a_notice_only(
    held, coordinator, vadso_rus, tsb_clinician, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.minutes_publish(meeting=held, actor=Actor(coordinator, vadso_rus), version=held.version)
    note = Notification.objects.get(user=tsb_clinician, kind="minutes_published")
    assert note.url.endswith(f"/moter/{held.pk}/")
    assert [m.to for m in mail.outbox] == [["nina.nav@example.no"]]
    notice = mail.outbox[0]
    # Health information never travels by ordinary email: no PDF, no notes, no name.
    assert notice.attachments == []
    assert held.patient.last_name not in notice.subject + notice.body
    assert "post" in notice.body
    # The leader is asked to send the minutes by post, with a link to print them.
    to_post = Notification.objects.get(user=held.group.leader, kind="minutes_to_post")
    assert to_post.url.endswith(f"/moter/{held.pk}/referat.pdf")


def test_publishing_proposes_the_next_meeting_a_quarter_on(published):
    proposed = published.next_meeting_proposed
    start = timezone.localtime(published.starts_at).date()
    assert 84 <= (proposed - start).days <= 86
    assert proposed.weekday() < 5


def test_open_action_items_carry_over_to_the_next_meeting(
    published, group, coordinator, vadso_rus, tsb_clinician
):
    item = published.action_items.get(responsible_user=tsb_clinician)
    svc.action_item_done(item=item, actor=Actor(tsb_clinician, item.responsible_unit))
    nxt = svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(60),
        place="Rådhuset",
        agenda=["Ettervern"],
    )
    agenda = list(nxt.agenda.all())
    # Only the open one comes along, ahead of the meeting's own items.
    assert [a.title for a in agenda] == ["Søke om bostøtte", "Ettervern"]
    assert agenda[0].follow_up_of.status == ActionItem.Status.OPEN


def test_publishing_adds_open_items_to_a_meeting_already_planned(
    held, group, coordinator, vadso_rus
):
    nxt = svc.meeting_plan(
        group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(60), place="Rådhuset"
    )
    assert nxt.agenda.count() == 0
    svc.minutes_publish(meeting=held, actor=Actor(coordinator, vadso_rus), version=held.version)
    assert nxt.agenda.filter(follow_up_of__isnull=False).count() == 2
    # Carrying over twice adds nothing new.
    assert svc._carry_over(nxt) == 0


def test_marking_done_twice_is_harmless(published, tsb_clinician, unn_tsb):
    item = published.action_items.get(responsible_user=tsb_clinician)
    assert svc.action_item_done(item=item, actor=Actor(tsb_clinician, unn_tsb))
    assert not svc.action_item_done(item=item, actor=Actor(tsb_clinician, unn_tsb))
    item.refresh_from_db()
    assert item.status == "done" and item.done_on == timezone.localdate()


def test_the_leader_cannot_be_removed_but_others_can(group, coordinator, vadso_rus):
    with pytest.raises(ValidationError):
        svc.group_member_remove(
            member=group.members.get(user=coordinator), actor=Actor(coordinator, vadso_rus)
        )
    nav = member(group, name="Nina NAV")
    svc.group_member_remove(member=nav, actor=Actor(coordinator, vadso_rus))
    assert not group.members.active().filter(pk=nav.pk).exists()


def test_times_are_kept_in_norwegian_time(planned):
    local = timezone.localtime(planned.starts_at)
    assert (local.hour, local.minute) == (10, 0)
    assert str(local.tzinfo) == "Europe/Oslo"
    assert planned.ends_at - planned.starts_at == datetime.timedelta(minutes=90)


def test_a_pårørende_not_allowed_to_receive_information_gets_no_invitation_or_minutes(
    group, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    actor = Actor(coordinator, vadso_rus)
    sister = NextOfKin.objects.create(
        patient=group.patient,
        name="Berit Nordmann",
        relation="søster",
        email="berit@example.no",
        may_receive_information=True,
    )
    member = svc.group_member_add(
        group=group,
        actor=actor,
        role=GroupMember.Role.NEXT_OF_KIN,
        next_of_kin=sister,
        basis=GroupMember.Basis.OTHER,
        basis_note="Pasientens ønske",
    )
    # The patient then says the sister may not receive information any more (the register).
    NextOfKin.objects.filter(pk=sister.pk).update(may_receive_information=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = svc.meeting_plan(
            group=group,
            actor=actor,
            starts_at=at(5),
            place="Rådhuset",
            agenda=["Bolig"],
            invite=list(group.members.active()),
        )
    assert ["berit@example.no"] not in [m.to for m in mail.outbox]
    assert ["nina.nav@example.no"] in [m.to for m in mail.outbox]
    page = member.group.members.get(pk=member.pk)
    assert not page.may_receive_information

    held = hold(meeting, coordinator, vadso_rus)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.minutes_publish(meeting=held, actor=actor, version=held.version)
    assert [m.to for m in mail.outbox] == [["nina.nav@example.no"]]
    withheld = Notification.objects.get(
        user=group.leader, kind="minutes_to_post", title__contains="ikke sendt til 1 person"
    )
    assert withheld.url.endswith(f"/pasienter/{group.patient_id}/parorende/")
    # Nina and Ola by post; the sister is not counted there.
    assert Notification.objects.filter(
        user=group.leader, title__contains="per post til 2 eksterne"
    ).exists()


def test_joining_on_the_patients_consent_records_it_in_the_register(group, coordinator, vadso_rus):
    brother = NextOfKin.objects.create(patient=group.patient, name="Per Nordmann", relation="bror")
    assert not brother.may_receive_information
    svc.group_member_add(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        role=GroupMember.Role.NEXT_OF_KIN,
        next_of_kin=brother,
        basis=GroupMember.Basis.CONSENT,
        basis_note="Muntlig samtykke i dag",
    )
    brother.refresh_from_db()
    assert brother.may_receive_information
    assert brother.version == 2

"""Counts kept by the database: the patient list's count (a unit's view grants) and the
referral tabs' counts always equal what counting would give, whatever changed them, and
reading them does not count again while nothing changed."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.acting import Actor
from pathways import access
from pathways.models import CareTeamMember, PatientGroupObjectPermission
from pathways.patients.services.careteam import care_team_end
from referrals import selectors, services
from referrals.models import Referral, TabCount
from tests.factories import make_patient
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db
State = Referral.State


def counted_patients(unit) -> int:
    return access._grant_count(group_id=unit.group_id)[0]


def counted_tabs(unit) -> dict:
    return selectors._tab_counts(unit_id=unit.pk, group_id=unit.group_id)[0]


def assert_kept(*units):
    for unit in units:
        assert access.unit_patient_count(unit) == counted_patients(unit), unit
        assert selectors.tab_counts(unit) == counted_tabs(unit), unit


def test_the_patient_count_follows_every_way_grants_change(vadso_rus, coordinator, unn_tsb):
    patients = [make_patient(vadso_rus, by=coordinator) for _ in range(4)]
    assert access.unit_patient_count(vadso_rus) == 4
    # Ended through the care-team service.
    member = CareTeamMember.objects.active().get(patient=patients[0], unit=vadso_rus)
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Flyttet")
    assert access.unit_patient_count(vadso_rus) == 3
    # Written in bulk (as the loaders do) and deleted as a queryset.
    change, view = (
        PatientGroupObjectPermission.objects.filter(group_id=vadso_rus.group_id)
        .values_list("permission_id", flat=True)
        .distinct()
        .order_by("permission__codename")
    )
    PatientGroupObjectPermission.objects.bulk_create(
        PatientGroupObjectPermission(group_id=unn_tsb.group_id, permission_id=p, content_object=pt)
        for pt in patients
        for p in (view, change)
    )
    assert access.unit_patient_count(unn_tsb) == 4
    PatientGroupObjectPermission.objects.filter(
        group_id=unn_tsb.group_id, permission_id=change
    ).delete()
    assert access.unit_patient_count(unn_tsb) == 4  # only view grants count
    PatientGroupObjectPermission.objects.filter(
        group_id=unn_tsb.group_id, content_object__in=patients[:3]
    ).delete()
    assert access.unit_patient_count(unn_tsb) == 1
    # Moved from one group to the other by an update.
    PatientGroupObjectPermission.objects.filter(group_id=unn_tsb.group_id).update(
        group_id=vadso_rus.group_id, content_object=patients[0]
    )
    assert_kept(vadso_rus, unn_tsb)
    assert access.unit_patient_count(unn_tsb) == 0


def test_tab_counts_follow_the_referral_from_sending_to_treatment(
    patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb
):
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert selectors.tab_counts(unn_intake)[selectors.INCOMING] == 1
    assert selectors.tab_counts(vadso_rus)[selectors.SENT] == 1
    assert_kept(vadso_rus, unn_intake)
    referral = services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=timezone.localdate() + datetime.timedelta(days=30),
        help_kind="inpatient",
    )
    assert selectors.tab_counts(unn_intake) == {
        selectors.INCOMING: 0,
        selectors.WAITING: 1,
        selectors.SENT: 0,
    }
    services.referral_start_treatment(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        on=timezone.localdate(),
        unit=unn_tsb,
    )
    assert selectors.tab_counts(unn_intake)[selectors.WAITING] == 0
    assert_kept(vadso_rus, unn_intake, unn_tsb)


def test_taking_away_the_units_access_takes_the_referral_off_its_tabs(
    referral, vadso_rus, unn_intake
):
    assert selectors.tab_counts(unn_intake)[selectors.INCOMING] == 1
    # No referral changed, only the grant: the kept count must still follow.
    access.revoke_unit_access(referral.patient, unn_intake)
    assert selectors.tab_counts(unn_intake)[selectors.INCOMING] == 0
    assert_kept(vadso_rus, unn_intake)


def test_unchanged_counts_are_read_not_counted(referral, unn_intake, django_assert_num_queries):
    expected = selectors.tab_counts(unn_intake)  # counts and stores
    with django_assert_num_queries(1):
        assert selectors.tab_counts(unn_intake) == expected
    with django_assert_num_queries(1):
        access.unit_patient_count(unn_intake)
    # A change of anything else on the referral does not send the next reader counting.
    Referral.objects.filter(pk=referral.pk).update(question="Endret spørsmål")
    with django_assert_num_queries(1):
        assert selectors.tab_counts(unn_intake) == expected
    Referral.objects.filter(pk=referral.pk).update(state=State.UNDER_ASSESSMENT)
    with django_assert_num_queries(3):  # read, count, store
        assert selectors.tab_counts(unn_intake) == expected


def test_a_unit_without_a_kept_row_has_nothing_to_count(unn_dps, django_assert_num_queries):
    assert not TabCount.objects.filter(unit=unn_dps).exists()
    expected = counted_tabs(unn_dps)
    with django_assert_num_queries(1):
        assert selectors.tab_counts(unn_dps) == expected


@pytest.mark.django_db(transaction=True)
def test_a_reader_neither_waits_for_a_writer_nor_keeps_a_count_it_may_have_missed(
    referral, unn_intake, coordinator, vadso_rus
):
    before = selectors.tab_counts(unn_intake)
    assert before[selectors.INCOMING] == 1
    # A committed change the next reader has to count (the count itself stays the same).
    Referral.objects.filter(pk=referral.pk).update(state=State.UNDER_ASSESSMENT)
    changed, finish = threading.Event(), threading.Event()
    failures = []

    def writer():
        try:
            with transaction.atomic():
                services.referral_withdraw(
                    referral=Referral.objects.get(pk=referral.pk),
                    actor=Actor(coordinator, vadso_rus),
                    reason="Pasienten ønsker det ikke lenger",
                )
                changed.set()
                finish.wait(30)
        except Exception as error:  # reported by the main thread
            failures.append(error)
            changed.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    assert changed.wait(30)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait would fail, not hang
        # The writer has not committed: the reader counts what is committed and does not
        # store it over the writer's raised generation.
        assert selectors.tab_counts(unn_intake) == before
        kept = TabCount.objects.get(unit=unn_intake)
        assert kept.counted_generation < kept.generation
    finally:
        finish.set()
        thread.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not failures
    assert selectors.tab_counts(unn_intake)[selectors.INCOMING] == 0
    assert_kept(unn_intake)

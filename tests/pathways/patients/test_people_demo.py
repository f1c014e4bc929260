"""Demo data: the sister is in the register once and is chosen in each of her roles."""

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from pathways.demo import EXTENSIONS
from pathways.models import CrisisContact, GroupMember, NextOfKin, Participant
from pathways.patients import demo as base

pytestmark = pytest.mark.django_db


def test_the_demo_sisters_are_entered_once_and_used_in_their_roles(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo = base.seed()
    demo.today = timezone.localdate()
    for path in EXTENSIONS:
        import_string(path)(demo)

    ola = demo.patients[0]
    berit = NextOfKin.objects.get(patient=ola, name="Berit Nordmann")
    assert Participant.objects.filter(plan__patient=ola, next_of_kin=berit).count() == 1
    assert CrisisContact.objects.filter(next_of_kin=berit).count() == 1
    assert not Participant.objects.filter(plan__patient=ola, name="Berit Nordmann").exists()

    members = GroupMember.objects.filter(role=GroupMember.Role.NEXT_OF_KIN)
    assert members.exists()
    for member in members.select_related("group", "next_of_kin"):
        assert member.next_of_kin.patient_id == member.group.patient_id
        assert (member.name, member.next_of_kin.name) == ("", "Hanne Fjeld")

"""Building a plan through the real services, for the plan tests."""

import datetime

from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership
from pathways.models import Consent, LifeArea, Measure
from pathways.patients.services.careteam import consent_record
from pathways.plan import services as svc


def record_plan_consent(patient, by, unit):
    return consent_record(
        patient=patient,
        actor=Actor(by, unit),
        scope=Consent.Scope.INDIVIDUAL_PLAN,
        given_on=timezone.localdate(),
    )[0]


def appoint(patient, user, unit, by=None):
    membership = Membership.objects.get(user=user, unit=unit)
    return svc.coordinator_appoint(
        patient=patient, membership=membership, actor=Actor(by or user, unit)
    )


def start_plan(patient, coordinator, unit, **extra):
    record_plan_consent(patient, coordinator, unit)
    appoint(patient, coordinator, unit)
    today = timezone.localdate()
    data = {
        "owner_unit": unit,
        "period_start": today,
        "next_revision_on": today + datetime.timedelta(days=182),
        "what_matters": "Å ha et sted å bo og få tilbake kontakten med datteren min.",
    }
    data.update(extra)
    return svc.plan_create(patient=patient, actor=Actor(coordinator, unit), **data)


def add_goal(plan, by, unit, text="Jeg vil ha min egen leilighet innen sommeren.", **extra):
    data = {
        "is_main": False,
        "life_area": LifeArea.HOUSING,
        "text": text,
        "status": "active",
        "target_date": None,
    }
    data.update(extra)
    plan.refresh_from_db()
    return svc.goal_save(plan=plan, actor=Actor(by, unit), data=data, base_version=plan.version)


def add_measure(plan, by, unit, title="Søknad om kommunal bolig", responsible_unit=None, **extra):
    data = {
        "title": title,
        "life_area": LifeArea.HOUSING,
        "responsible_unit": responsible_unit or unit,
        "responsible_user": None,
        "responsible_name": "",
        "scope": "Ukentlig oppfølging",
        "how": "Ruskonsulent og pasient fyller ut søknaden sammen.",
        "start_on": timezone.localdate(),
        "end_on": timezone.localdate() + datetime.timedelta(days=30),
        "status": Measure.Status.IN_PROGRESS,
    }
    data.update(extra)
    plan.refresh_from_db()
    return svc.measure_save(plan=plan, actor=Actor(by, unit), data=data, base_version=plan.version)

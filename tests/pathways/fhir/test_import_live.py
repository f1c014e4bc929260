"""The referral import against the live server: a real FHIR client (fhirpy) sends the Bundle
and reads the Task back, and two copies of one Bundle sent at the same moment on PostgreSQL
make one referral and get the same answer."""

import threading
import time

import httpx
import psycopg
import pytest
from django.db import connection
from fhirpy import SyncFHIRClient

from accounts.acting import Actor
from pathways.models import FhirTransaction
from referrals import services
from referrals.models import Referral
from tests.pathways.fhir.referral_bundle import referral_bundle
from tests.pathways.fhir.test_resources import validate

pytestmark = pytest.mark.django_db(transaction=True)

WRITE = "system/*.read system/ServiceRequest.write"


def test_a_fhir_client_sends_a_referral_and_reads_the_answer(
    live_server, token_for, vadso_system, vadso_rus, unn_intake, tsb_intake
):
    client = SyncFHIRClient(
        f"{live_server.url}/fhir/R4",
        authorization=f"Bearer {token_for(vadso_system, scope=WRITE)}",
    )
    answer = client.execute("", method="post", data=referral_bundle(vadso_rus, unn_intake))
    validate(answer)
    task_location = answer["entry"][2]["response"]["location"]
    request_location = answer["entry"][1]["response"]["location"]

    (task,) = client.resources("Task").search(focus=request_location).fetch()
    assert f"Task/{task['id']}" == task_location and task["status"] == "received"

    services.referral_reject(
        referral=Referral.objects.get(),
        actor=Actor(tsb_intake, unn_intake),
        reason="Ikke rett til TSB nå; fastlegen følger opp.",
    )
    task = client.reference("Task", task["id"]).to_resource()
    validate(task.serialize())
    assert task["status"] == "rejected"
    assert task["statusReason"]["text"] == "Ikke rett til TSB nå; fastlegen følger opp."


def test_two_copies_at_once_make_one_referral(
    live_server, token_for, vadso_system, vadso_rus, unn_intake, patient
):
    bundle = referral_bundle(vadso_rus, unn_intake, national_id=patient.national_id)
    bundle["entry"][0]["resource"]["birthDate"] = patient.birth_date.isoformat()
    headers = {"Authorization": f"Bearer {token_for(vadso_system, scope=WRITE)}"}
    settings = connection.settings_dict
    # Hold the patient's row, which sending a referral locks: the first copy stops there with
    # its key written, so the second must meet that key while the first is still at work.
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=False,
    ) as holder:
        holder.execute("SELECT id FROM pathways_patient WHERE id = %s FOR UPDATE", [patient.pk])
        answers = [None, None]
        start = threading.Barrier(2, timeout=30)

        def post(n):
            start.wait()
            with httpx.Client(timeout=60) as http:
                answers[n] = http.post(f"{live_server.url}/fhir/R4/", json=bundle, headers=headers)

        threads = [threading.Thread(target=post, args=(n,), daemon=True) for n in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        # Neither has answered: one waits on the patient's row, the other on the key.
        assert all(thread.is_alive() for thread in threads)
        holder.rollback()
        for thread in threads:
            thread.join(60)
    first, second = answers
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.content == second.content
    validate(first.json())
    assert Referral.objects.filter(patient=patient).count() == 1
    assert FhirTransaction.objects.count() == 1

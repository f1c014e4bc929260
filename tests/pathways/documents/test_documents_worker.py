"""Plan PDFs rendered by a real documents worker (a Celery process on the ``documents``
queue, fed through Redis): the first answer is the "being prepared" page, the same URL then
serves the PDF, audited once when it is delivered; a burst of the same document makes one
task. With eager Celery (``make run``) the PDF is rendered in the request, as before.

These tests commit (transactional tests), so the worker process sees the data.
"""

import io
import os
import re
import subprocess
import sys
import time
from html import unescape

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent
from pathways import pdfcache
from pathways.documents import responses
from tests.pathways.notifications.test_reminder_processes import (
    ROOT,
    live_broker,
    process_env,
    procs,  # noqa: F401 - the fixture that stops the worker
    wait_for,
)
from tests.pathways.plan.setup import add_measure, start_plan

REFRESH = re.compile(r'data-document-check="([^"]+)" data-document-open="([^"]+)"')


def prints_of(patient) -> int:
    return AuditEvent.objects.filter(patient_id=patient.pk, action=AuditEvent.Action.PRINT).count()


def held_and_kept(media) -> tuple[list, list]:
    folder = media / "pdf"
    return sorted(folder.rglob("*.html")), sorted(folder.rglob("*.pdf"))


@pytest.fixture
def plan(coordinator, vadso_rus, shared_patient):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus, title="Søknad om kommunal bolig")
    return plan


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_documents_worker_renders_a_plan_once_while_the_page_says_it_is_being_prepared(
    login,
    coordinator,
    plan,
    procs,  # noqa: F811 - the imported fixture
    tmp_path,
):
    media = settings.MEDIA_ROOT
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue.delete("documents")
    client = login(coordinator)
    pdf_url = reverse("pathways:plan_pdf", args=[plan.patient.pk])

    with live_broker(settings.REDIS_URL):
        # A burst of the same print before any worker runs: every answer is the page, one task.
        answers = [client.get(pdf_url) for _ in range(4)]
        assert [a.status_code for a in answers] == [202] * 4
        assert queue.llen("documents") == 1
        page = answers[0].content.decode()
        assert "Dokumentet blir laget" in page and "Prøv igjen" in page
        assert answers[0]["Retry-After"] == "2"
        # The page shows nothing of the record and is not audited as a print.
        assert plan.patient.last_name not in page
        assert prints_of(plan.patient) == 0
        # No timed reload (WCAG 2.2.1): the page's script asks whether it is ready.
        assert 'http-equiv="refresh"' not in page
        check, again = (unescape(url) for url in REFRESH.search(page).groups())
        not_yet = client.get(check)
        assert not_yet.status_code == 202 and not_yet.content == b""
        held, kept = held_and_kept(media)
        assert len(held) == 1 and not kept
        # Waiting long (a queue of many) makes the page ask less often; still one task.
        long_ago = time.time() - 30
        os.utime(held[0], (long_ago, long_ago))
        later = client.get(pdf_url)
        assert later.status_code == 202 and later["Retry-After"] == "5"
        assert queue.llen("documents") == 1

        env = process_env(tmp_path, settings.REDIS_URL)
        env["MEDIA_ROOT"] = str(media)
        log = tmp_path / "documents-worker.log"
        with open(log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker",
                     "-Q", "documents", "--concurrency", "1", "--loglevel", "INFO",
                     "--without-gossip", "--without-mingle", "--without-heartbeat"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        wait_for(lambda: held_and_kept(media)[1], timeout=120, what="the rendered PDF")
        wait_for(lambda: not held_and_kept(media)[0], timeout=30, what="the hold released")

        # Then the page opens its link, which brings the PDF.
        ready = client.get(check)
        assert ready.status_code == 200 and ready.content == b""
        assert prints_of(plan.patient) == 0  # asking is not a print
        response = client.get(again)
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "Søknad om kommunal bolig" in text and plan.patient.full_name in text
        assert prints_of(plan.patient) == 1
        # The plain URL serves the same kept file now.
        assert client.get(pdf_url).content == response.content
        assert prints_of(plan.patient) == 2

    succeeded = re.findall(r"Task pathways\.render_document\[[^\]]+\] succeeded", log.read_text())
    assert len(succeeded) == 1, log.read_text()[-3000:]
    assert len(held_and_kept(media)[1]) == 1


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_print_no_documents_worker_takes_is_rendered_by_the_web_process(
    login, coordinator, plan, caplog
):
    """No documents worker runs (not deployed, or stopped): the page says "being prepared"
    for a while, then the next request renders the PDF itself instead of waiting forever."""
    media = settings.MEDIA_ROOT
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue.delete("documents")
    client = login(coordinator)
    pdf_url = reverse("pathways:plan_pdf", args=[plan.patient.pk])
    with live_broker(settings.REDIS_URL):
        first = client.get(pdf_url)
        assert first.status_code == 202
        check, again = (unescape(url) for url in REFRESH.search(first.content.decode()).groups())
        assert client.get(check).status_code == 202  # not yet: the worker may still come
        held, _ = held_and_kept(media)
        stalled = time.time() - responses.RENDER_HERE_AFTER.total_seconds() - 1
        os.utime(held[0], (stalled, stalled))
        # The waiting page's check renders it here, then says it is ready.
        ready = client.get(check)
        assert ready.status_code == 200 and ready.content == b""
        assert "documents worker" in caplog.text
        held, kept = held_and_kept(media)
        assert not held and len(kept) == 1
        assert prints_of(plan.patient) == 0
        response = client.get(again)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "Søknad om kommunal bolig" in text
        assert prints_of(plan.patient) == 1
        # A plain reload of a print held that long renders it too.
        add_measure(plan, coordinator, plan.owner_unit, title="Arbeidstrening")
        assert client.get(pdf_url).status_code == 202
        held, _ = held_and_kept(media)
        os.utime(held[0], (stalled, stalled))
        reloaded = client.get(pdf_url)
        assert reloaded.status_code == 200 and reloaded["Content-Type"] == "application/pdf"
        assert held_and_kept(media)[0] == []


@pytest.mark.django_db
def test_a_signed_key_opens_only_for_the_same_user_and_url(login, coordinator, colleague, plan):
    from django.test import RequestFactory

    from pathways.documents import responses

    factory = RequestFactory()
    asked = factory.get(reverse("pathways:plan_pdf", args=[plan.patient.pk]))
    asked.user = coordinator
    token = responses._signer(asked).sign("0" * 64)
    for user, path, expected in (
        (coordinator, asked.path, "0" * 64),
        (colleague, asked.path, None),
        (coordinator, reverse("pathways:plan_revision_pdf", args=[plan.patient.pk, 1]), None),
    ):
        again = factory.get(path, {responses.KEY_PARAMETER: token})
        again.user = user
        assert responses._signed_key(again) == expected


@pytest.mark.django_db
def test_with_eager_celery_the_pdf_is_rendered_in_the_request(login, coordinator, plan):
    response = login(coordinator).get(reverse("pathways:plan_pdf", args=[plan.patient.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    held, kept = held_and_kept(settings.MEDIA_ROOT)
    assert not held and len(kept) == 1
    assert prints_of(plan.patient) == 1


@pytest.mark.django_db
def test_a_message_naming_a_file_outside_the_pdf_folder_does_nothing():
    from pathways.documents.tasks import render_document

    assert render_document("../../etc/passwd", "") is False
    assert pdfcache.render_held("f" * 64, "") is False  # nothing held under that key


@pytest.mark.django_db
def test_kept_documents_are_pruned_after_their_days(login, coordinator, plan, settings):
    from pathways.documents.tasks import kept_documents_prune

    assert kept_documents_prune() == 0  # nothing kept yet: no folder
    url = reverse("pathways:plan_pdf", args=[plan.patient.pk])
    login(coordinator).get(url)
    held, (kept,) = held_and_kept(settings.MEDIA_ROOT)
    # A held document nobody rendered, and the kept PDF, both written three days ago.
    stale = kept.with_suffix(".html")
    stale.write_text("<p>Ola</p>")
    three_days_ago = time.time() - 3 * 86400
    for path in (kept, stale):
        os.utime(path, (three_days_ago, three_days_ago))
    fresh = kept.parent / ("0" * 64 + ".pdf")
    fresh.write_bytes(b"%PDF-")
    settings.KEPT_DOCUMENT_DAYS = 2
    assert kept_documents_prune() == 2
    assert held_and_kept(settings.MEDIA_ROOT) == ([], [fresh])
    # Asked for again, the plan is rendered again, under the same name.
    again = login(coordinator).get(url)
    assert again.status_code == 200 and again["Content-Type"] == "application/pdf"
    assert held_and_kept(settings.MEDIA_ROOT)[1] == sorted([fresh, kept])

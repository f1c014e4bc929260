"""Attachments: PDF or image, at most 10 MB, type read from the content; served only to those
who may see the referral."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from referrals import services
from referrals.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add(referral, user, unit, name, content):
    return services.attachment_add(
        referral=referral, actor=Actor(user, unit), upload=SimpleUploadedFile(name, content)
    )


def test_a_pdf_is_stored_and_its_type_read_from_the_content(referral, coordinator, vadso_rus):
    attachment = add(referral, coordinator, vadso_rus, "epikrise.pdf", PDF)
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    # The stored name reveals nothing about the patient or the file.
    assert "epikrise" not in attachment.file.name
    assert attachment.file.read() == PDF


def test_an_image_is_accepted(referral, tsb_intake, unn_intake):
    assert add(referral, tsb_intake, unn_intake, "skjema.png", PNG).content_type == "image/png"


def test_a_disguised_file_is_refused(referral, coordinator, vadso_rus):
    with pytest.raises(ValidationError) as error:
        add(referral, coordinator, vadso_rus, "epikrise.pdf", b"MZ\x90\x00 not really a pdf")
    assert "file" in error.value.error_dict
    with pytest.raises(ValidationError):
        add(referral, coordinator, vadso_rus, "bilde.jpg", PDF)
    assert not Attachment.objects.exists()


def test_a_file_over_10_mb_is_refused(referral, coordinator, vadso_rus):
    big = PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        add(referral, coordinator, vadso_rus, "stor.pdf", big)
    assert "10 MB" in error.value.message_dict["file"][0]


def test_the_upload_form_says_what_is_wrong(login, coordinator, referral):
    response = login(coordinator).post(
        reverse("referrals:attachment_new", args=[referral.pk]),
        {
            "file": SimpleUploadedFile("notat.pdf", b"plain text"),
            "description": "Notat fra fastlege",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_error"' in page
    assert "Notat fra fastlege" in page


def test_the_download_is_access_checked_and_audited(
    login, referral, coordinator, vadso_rus, tsb_intake, other_kommune_user
):
    attachment = add(referral, coordinator, vadso_rus, "epikrise.pdf", PDF)
    url = reverse("referrals:attachment", args=[referral.pk, attachment.pk])
    assert login(other_kommune_user).get(url).status_code == 404
    response = login(tsb_intake).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        user=tsb_intake, object_type="referrals.attachment", object_id=str(attachment.pk)
    ).exists()


def test_a_forwarded_referral_carries_its_attachments(
    referral, coordinator, vadso_rus, tsb_intake, unn_intake, unn_dps
):
    add(referral, coordinator, vadso_rus, "epikrise.pdf", PDF)
    new = services.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="DPS", forward_to=unn_dps
    )
    copied = new.attachments.get()
    assert copied.filename == "epikrise.pdf"
    assert copied.file.read() == PDF

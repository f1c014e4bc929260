"""Communication: the posts of the dialogue between services (helsefaglig dialog).

Served beside the kommune messages under the same type, with ids ``dialog-<n>``. A thread is
its opening question and the posts that are ``partOf`` it; an answer is ``inResponseTo`` the
question it answers; the thread's subject is the ``topic`` and its number an identifier, so a
client can gather a thread with one search."""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import ResourceType, SearchParam
from pathways.fhir.search import date_filter
from pathways.models import DialoguePost

PREFIX = "dialog-"
POST_KIND = f"{codes.CANONICAL}/CodeSystem/dialogue-post-kind"
THREAD_ID = f"{codes.CANONICAL}/sid/dialogue-thread"


def _ref(pk) -> dict:
    return codes.ref("Communication", f"{PREFIX}{pk}")


def communication(post) -> dict:
    thread = post.thread
    payload = [{"contentString": post.text}]
    if post.filename:
        payload.append(
            {
                "contentAttachment": {
                    "contentType": post.content_type,
                    "title": post.filename,
                    "size": post.size,
                    "creation": codes.instant(post.sent_at),
                }
            }
        )
    opening = post.thread_first_post_id
    return codes.resource(
        "Communication",
        post,
        pk=f"{PREFIX}{post.pk}",
        identifier=[{"system": THREAD_ID, "value": str(thread.pk)}],
        partOf=[_ref(opening)] if opening != post.pk else None,
        inResponseTo=[_ref(post.in_response_to_id)] if post.in_response_to_id else None,
        status="completed",
        category=[codes.concept(POST_KIND, post.kind, post.get_kind_display())],
        priority="routine",
        subject=codes.ref("Patient", post.patient_id),
        topic={"text": thread.subject},
        sent=codes.instant(post.sent_at),
        received=codes.instant(post.read_at),
        recipient=[codes.org_ref(post.to_unit)],
        sender=codes.org_ref(post.from_unit),
        payload=payload,
    )


def _posts():
    first = DialoguePost.objects.filter(thread=OuterRef("thread")).order_by("sent_at", "id")
    return (
        DialoguePost.objects.select_related(
            "thread", "from_unit__organisation", "to_unit__organisation"
        )
        .annotate(thread_first_post_id=Subquery(first.values("pk")[:1]))
        .annotate(fhir_updated=Greatest("sent_at", Coalesce("read_at", "sent_at")))
    )


COMMUNICATION = ResourceType(
    name="Communication",
    queryset=_posts,
    to_fhir=communication,
    patient_field="patient_id",
    params=(SearchParam("sent", "date", date_filter("sent_at"), "When it was sent"),),
    includes=(PATIENT_INCLUDE,),
    id_prefix=PREFIX,
)

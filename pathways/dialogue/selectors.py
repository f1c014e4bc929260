"""Reading the dialogue: a patient's threads, one thread's posts. Each costs one query however
many rows it shows."""

from django.db.models import BooleanField, Count, Exists, OuterRef, Value

from pathways.models import DialoguePost, DialogueThread


def threads_for_patient(patient, unit=None):
    """The patient's threads, latest first, with their post count and, for ``unit``, whether
    something sent to it is unread (``unread_for_me``)."""
    threads = (
        DialogueThread.objects.filter(patient=patient)
        .select_related("from_unit", "to_unit")
        .annotate(post_count=Count("posts"))
        .order_by("-last_post_at", "-id")
    )
    unread = DialoguePost.objects.filter(thread=OuterRef("pk"), read_at__isnull=True)
    if unit is None:
        return threads.annotate(unread_for_me=Value(False, output_field=BooleanField()))
    return threads.annotate(unread_for_me=Exists(unread.filter(to_unit=unit)))


def thread_for_patient(patient, pk) -> DialogueThread | None:
    return (
        DialogueThread.objects.filter(patient=patient, pk=pk)
        .select_related("from_unit__organisation", "to_unit__organisation", "started_by")
        .first()
    )


def posts_of(thread) -> list[DialoguePost]:
    """The thread's posts, oldest first, with who sent and read each."""
    return list(
        DialoguePost.objects.filter(thread=thread)
        .select_related("from_unit", "to_unit", "sent_by", "read_by")
        .order_by("sent_at", "id")
    )

"""Dialogue pages under /pasienter/<id>/dialog/: the patient's threads, a new thread, one
thread with its posts and the reply form, and an attachment. Every page goes through the
patient gate (404 for outsiders, each read audited)."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways.access import patient_view
from pathways.dialogue import forms, selectors
from pathways.dialogue import permissions as perms
from pathways.dialogue import services as svc
from pathways.models import DialoguePost
from pathways.web import form_action, posted


def _list_url(patient) -> str:
    return reverse("pathways:dialogue", args=[patient.pk])


def _thread(patient, thread_id):
    thread = selectors.thread_for_patient(patient, thread_id)
    if thread is None:
        raise Http404
    thread.patient = patient
    return thread


@patient_view()
def dialogue_list(request, patient):
    threads = list(selectors.threads_for_patient(patient, request.actor.unit))
    return render(
        request,
        "pathways/dialogue/list.html",
        {
            "patient": patient,
            "threads": threads,
            "can_start": perms.can_start(request.actor, patient),
        },
    )


@patient_view(for_edit=True)
def dialogue_new(request, patient):
    actor = request.actor
    if not perms.can_start(actor, patient):
        raise PermissionDenied
    units = perms.units_to_ask(actor, patient)
    form = forms.ThreadStartForm(request.POST or None, request.FILES or None, units=units)
    back = _list_url(patient)
    return form_action(
        request,
        form,
        save=lambda data: svc.thread_start(patient=patient, actor=actor, **form.service_data()),
        success=_("Your question is sent."),
        redirect_to=svc.thread_url,
        template="pathways/dialogue/new.html",
        context={
            "patient": patient,
            "heading": _("New question to another service"),
            "units": units,
            "back_url": back,
            "back_label": _("Dialogue between services"),
            "cancel_url": back,
            "action_url": request.get_full_path(),
            "submit": _("Send the question"),
            "multipart": True,
        },
    )


def _reply_form(request, rights, posts):
    latest = posts[-1].pk if posts else None
    return forms.ReplyForm(
        posted(request),
        request.FILES or None,
        asking=rights.ask_more,
        initial={"in_response_to": latest},
    )


def _thread_context(request, patient, thread, posts, rights) -> dict:
    return {
        "patient": patient,
        "thread": thread,
        "posts": posts,
        "rights": rights,
        "back_url": _list_url(patient),
        "action_url": reverse("pathways:dialogue_reply", args=[patient.pk, thread.pk]),
        "submit": _("Send the answer") if rights.answer else _("Send the question"),
        "multipart": True,
    }


@patient_view()
def dialogue_thread(request, patient, thread_id):
    """The thread for everyone who sees the patient. Opening it marks what was sent to the
    acting unit as read; the two units of the thread find their reply form below the posts."""
    actor = request.actor
    thread = _thread(patient, thread_id)
    if perms.can_reply(actor, thread, patient):
        svc.thread_mark_read(thread=thread, actor=actor)
    posts = selectors.posts_of(thread)
    rights = perms.thread_rights(actor, thread, patient)
    form = _reply_form(request, rights, posts) if rights.answer or rights.ask_more else None
    context = _thread_context(request, patient, thread, posts, rights)
    return render(request, "pathways/dialogue/thread.html", {**context, "form": form})


@patient_view(for_edit=True)
def dialogue_reply(request, patient, thread_id):
    """The reply form of the thread page: the asked unit answers, the asking unit asks more."""
    actor = request.actor
    thread = _thread(patient, thread_id)
    rights = perms.thread_rights(actor, thread, patient)
    if not (rights.answer or rights.ask_more):
        raise PermissionDenied
    posts = selectors.posts_of(thread)
    by_pk = {post.pk: post for post in posts}

    def save(data):
        return svc.thread_reply(
            thread=thread,
            actor=actor,
            text=data["text"],
            in_response_to=by_pk.get(data.get("in_response_to")),
            upload=data["file"] or None,
        )

    return form_action(
        request,
        _reply_form(request, rights, posts),
        save=save,
        success=_("Your answer is sent.") if rights.answer else _("Your question is sent."),
        redirect_to=svc.thread_url(thread),
        template="pathways/dialogue/thread.html",
        context=_thread_context(request, patient, thread, posts, rights),
    )


@patient_view()
def dialogue_attachment(request, patient, thread_id, post_id):
    """A post's attachment, to everyone who sees the thread (the gate audits the read)."""
    post = (
        DialoguePost.objects.filter(pk=post_id, thread_id=thread_id, patient=patient)
        .exclude(filename="")
        .first()
    )
    if post is None:
        raise Http404
    return FileResponse(
        post.file.open("rb"),
        content_type=post.content_type,
        as_attachment=True,
        filename=post.filename,
    )

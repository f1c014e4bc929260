"""Ansvarsgruppe: the group, meetings, minutes and action items."""

from django.urls import path

from pathways.meetings import views

_M = "<int:patient_id>/moter/"
_MM = _M + "<int:meeting_id>/"
urlpatterns = [
    path(_M, views.group_page, name="meetings"),
    path(_M + "ansvarsgruppe/ny/", views.group_create, name="group_create"),
    path(_M + "ansvarsgruppe/endre/", views.group_edit, name="group_edit"),
    path(_M + "medlemmer/ny-ansatt/", views.member_add_internal, name="member_add_internal"),
    path(_M + "medlemmer/ny-ekstern/", views.member_add_external, name="member_add_external"),
    path(_M + "medlemmer/<int:member_id>/fjern/", views.member_remove, name="member_remove"),
    path(_M + "nytt/", views.meeting_new, name="meeting_new"),
    path(
        _M + "oppfolgingspunkter/<int:item_id>/utfort/",
        views.action_item_done,
        name="action_item_done",
    ),
    path(_MM, views.meeting_detail, name="meeting_detail"),
    path(_MM + "endre/", views.meeting_edit, name="meeting_edit"),
    path(_MM + "avlys/", views.meeting_cancel, name="meeting_cancel"),
    path(_MM + "referat/", views.minutes_edit, name="minutes_edit"),
    path(_MM + "referat/publiser/", views.minutes_publish, name="minutes_publish"),
    path(_MM + "referat/tillegg/", views.addendum_add, name="addendum_add"),
    path(_MM + "oppfolgingspunkter/ny/", views.action_item_add, name="action_item_add"),
    path(
        _MM + "oppfolgingspunkter/<int:item_id>/slett/",
        views.action_item_delete,
        name="action_item_delete",
    ),
    path(_MM + "invitasjon.ics", views.meeting_ics, name="meeting_ics"),
    path(_MM + "referat.pdf", views.minutes_pdf, name="minutes_pdf"),
    path(_MM + "innkalling.pdf", views.invitation_pdf, name="invitation_pdf"),
]

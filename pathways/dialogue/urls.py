"""Dialogue between services on one patient."""

from django.urls import path

from pathways.dialogue import views

P = "<int:patient_id>/dialog/"
urlpatterns = [
    path(P, views.dialogue_list, name="dialogue"),
    path(P + "ny/", views.dialogue_new, name="dialogue_new"),
    path(P + "<int:thread_id>/", views.dialogue_thread, name="dialogue_thread"),
    path(P + "<int:thread_id>/svar/", views.dialogue_reply, name="dialogue_reply"),
    path(
        P + "<int:thread_id>/vedlegg/<int:post_id>/",
        views.dialogue_attachment,
        name="dialogue_attachment",
    ),
]

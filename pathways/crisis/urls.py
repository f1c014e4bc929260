"""The patient's crisis plan."""

from django.urls import path

from pathways.crisis import views

P = "<int:patient_id>/kriseplan/"
urlpatterns = [
    path(P, views.crisis_plan_edit, name="crisis_plan"),
    path(P + "kontakt/", views.crisis_contact_new, name="crisis_plan_contact_new"),
    path(
        P + "kontakt/<int:contact_id>/fjern/",
        views.crisis_contact_remove,
        name="crisis_plan_contact_remove",
    ),
]

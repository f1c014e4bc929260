"""My tasks: action items and plan measures due, from every patient the unit follows."""

from django.urls import path

from pathways.worklist import views

# Mounted at the site's top level by config/urls.py.
site_urlpatterns = [
    path("oppgaver/", views.task_list, name="tasks"),
]

"""The home page ("Til behandling") and my tasks ("Mine oppgaver")."""

from django.urls import path

from pathways.worklist import views

# Mounted at the site's top level by config/urls.py.
site_urlpatterns = [
    path("", views.home, name="home"),
    path("oppgaver/", views.task_list, name="tasks"),
]

from django.urls import include, path, re_path

from pathways.fhir import transaction, views
from pathways.fhir.subscriptions import api as subscriptions

app_name = "fhir"

urlpatterns = [
    path("", transaction.endpoint, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("Subscription", subscriptions.collection, name="subscriptions"),
    re_path(
        r"^Subscription/(?P<pk>[A-Za-z0-9\-.]{1,64})$", subscriptions.instance, name="subscription"
    ),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)$", views.search_type, name="search"),
    re_path(
        r"^(?P<resource_type>[A-Z][A-Za-z]+)/(?P<pk>[A-Za-z0-9\-.]{1,64})$",
        views.read,
        name="read",
    ),
    # Anything else under the base (history, operations, odd ids) is a FHIR 404 too.
    re_path(r"^.*$", views.unknown, name="unknown"),
]

# Mounted at the site's top level by config/urls.py.
site_urlpatterns = [path("fhir/R4/", include((urlpatterns, app_name), namespace="fhir"))]

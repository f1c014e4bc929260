"""The app's URLs plus three views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def missing(request):
    raise Http404("no such thing")


def refused(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("something broke")


urlpatterns = [
    path("test-feil/mangler/", missing),
    path("test-feil/nekter/", refused),
    path("test-feil/brudd/", broken),
    *app_urlpatterns,
]

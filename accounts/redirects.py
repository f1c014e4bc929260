"""The one check for where to go next: a ``next`` parameter is followed only when it is a
path on this site; anything else (``foo``, ``//evil.example``, ``https://…``, a URL name,
control characters) falls back to the default."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_path(request, target) -> bool:
    return (
        isinstance(target, str)
        and target.startswith("/")
        and len(target) <= 2000
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def safe_next(request, default="/", *, value=None) -> str:
    """``value`` (else the request's ``next`` parameter, POST before GET) when it is a safe
    path, otherwise ``default`` (a URL or a URL name without arguments) as a URL."""
    if value is None:
        value = request.POST.get("next") or request.GET.get("next") or ""
    if is_safe_path(request, value):
        return value
    return resolve_url(default) if default else ""

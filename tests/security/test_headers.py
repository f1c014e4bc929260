"""CSRF on every POST, security headers, cookie flags, production settings and login lockout."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from tests.security.endpoints import (
    SPECIALIST_ONLY,
    Unfillable,
    all_endpoints,
    build_url,
    patient_endpoints,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password-1"


def wrong_login_message() -> str:
    with translation.override("nb"):
        return translation.gettext("Wrong username or password.")


def url_or_fail(endpoint, cast) -> str:
    try:
        return build_url(endpoint, cast)
    except Unfillable as exc:
        pytest.fail(str(exc))


# --- CSRF -------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.coordinator)
    endpoints = all_endpoints()
    accepted = []
    for endpoint in endpoints:
        url = url_or_fail(endpoint, cast)
        response = client.post(url, {"first_name": "Endret"})
        if response.status_code != 403:
            accepted.append(f"POST {url}: {response.status_code}")
    assert len(endpoints) > 10
    assert not accepted, "accepted without a CSRF token:\n" + "\n".join(accepted)


def test_a_post_with_the_token_from_the_form_is_accepted(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.coordinator)
    page = client.get(reverse("pathways:patient_new")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("pathways:patient_new"), {"csrfmiddlewaretoken": token})
    # The form re-renders with its errors: the token was accepted.
    assert response.status_code == 200


# --- headers on pages -------------------------------------------------------------------


def assert_security_headers(response, url):
    csp = response.get("Content-Security-Policy", "")
    assert csp, f"{url}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{url}: {csp}"
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.get("X-Frame-Options") == "DENY", url
    assert response.get("Referrer-Policy") == "same-origin", url
    assert response.get("X-Content-Type-Options") == "nosniff", url
    assert "no-store" in response.get("Cache-Control", ""), f"{url}: may be cached"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
]


def assert_no_inline_code(html: str, url: str):
    for pattern, what in INLINE:
        match = pattern.search(html)
        assert match is None, f"{url} has {what} (blocked by the CSP): {match.group(0)!r}"


def test_login_page_and_patient_list_send_the_security_headers(client, coordinator):
    response = client.get(reverse("login"))
    assert_security_headers(response, "login")
    assert_no_inline_code(response.content.decode(), "login")
    client.force_login(coordinator)
    response = client.get(reverse("pathways:patient_list"))
    assert_security_headers(response, "patient list")
    assert_no_inline_code(response.content.decode(), "patient list")


def test_patient_pages_and_pdfs_are_never_cached(cast):
    checked = 0
    for endpoint in patient_endpoints():
        url = url_or_fail(endpoint, cast)
        client = Client()
        specialist = endpoint.name in SPECIALIST_ONLY
        client.force_login(cast.tsb_clinician if specialist else cast.coordinator)
        response = client.get(url)
        if response.status_code == 405:  # POST-only
            continue
        assert response.status_code < 500, f"{url}: {response.status_code}"
        assert_security_headers(response, url)
        content_type = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type.startswith("application/pdf"):
            assert body.startswith(b"%PDF")
            assert "no-store" in response["Cache-Control"]
        elif content_type.startswith("text/html") and response.status_code == 200:
            assert_no_inline_code(body.decode(), url)
        checked += 1
    assert checked >= 2


def test_uploads_are_not_served_from_a_public_folder(client, coordinator):
    with pytest.raises(Resolver404):
        resolve(settings.MEDIA_URL + "vedlegg/epikrise.pdf")
    client.force_login(coordinator)
    assert client.get(settings.MEDIA_URL + "vedlegg/epikrise.pdf").status_code == 404


# --- cookies and login ------------------------------------------------------------------


def test_the_session_cookie_is_http_only_and_same_site(client, coordinator):
    response = client.post(
        reverse("login"), {"username": coordinator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Ends with the browser; the idle timeout is enforced on the server.
    assert not cookie["expires"] and not cookie["max-age"]
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"] is True


def test_wrong_passwords_lock_the_account_out(client, coordinator):
    login = reverse("login")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(login, {"username": coordinator.username, "password": "feil"})
        if attempt < settings.AXES_FAILURE_LIMIT:
            assert response.status_code == 200
            assert wrong_login_message() in response.content.decode()
    # The last failure locks the account.
    assert response.status_code == 429
    # Now even the right password is refused for the cool-off period.
    response = client.post(login, {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("pathways:patient_list")).status_code == 302


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(client, coordinator):
    login = reverse("login")
    unknown = client.post(login, {"username": "finnesikke", "password": "feil"}).content.decode()
    wrong = client.post(login, {"username": coordinator.username, "password": "feil"})
    message = wrong_login_message()
    assert message in unknown and message in wrong.content.decode()


# --- production settings (a separate process, DEBUG off) -------------------------------

PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
plain = c.get("/accounts/login/", HTTP_HOST="samhandling.example.no")
secure = c.get("/accounts/login/", secure=True, HTTP_HOST="samhandling.example.no")
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "require_admin_otp": settings.REQUIRE_ADMIN_OTP,
    "allow_synthetic_ids": settings.ALLOW_SYNTHETIC_IDS,
}))
"""


def production_env() -> dict:
    # Only what production has: no test databases, no browser-test switches.
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    for key in ("SECURE_SSL_REDIRECT", "ALLOW_SYNTHETIC_IDS", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(key, None)
    env.update(
        DEBUG="false",
        SECRET_KEY="production-like-secret-key-for-the-header-test-0123456789abcdef",
        ALLOWED_HOSTS="samhandling.example.no",
        STATIC_MANIFEST="false",
        SQLITE_PATH="/tmp/samhandling-production-probe.sqlite3",  # never opened
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def test_production_settings_pass_the_deployment_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_redirects_to_https_and_sends_hsts_and_secure_cookies():
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain_status"] == 301
    assert probe["plain_location"].startswith("https://samhandling.example.no/")
    assert probe["secure_status"] == 200
    assert "max-age=31536000" in probe["hsts"] and "includeSubDomains" in probe["hsts"]
    assert probe["csrf_cookie_secure"] is True
    assert probe["session_cookie_secure"] is True
    assert probe["session_cookie_httponly"] is True
    assert probe["require_admin_otp"] is True
    assert probe["allow_synthetic_ids"] is False

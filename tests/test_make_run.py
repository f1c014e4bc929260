"""`make run` is what a user sees: own error pages with DEBUG on, links that follow HOST/PORT,
a demo seed that does not print thousands of emails, and pages that work on the embedded
SQLite."""

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_run(settings):
    """The settings `make run` gives the server."""
    settings.DEBUG = True
    settings.APP_ERROR_PAGES = True
    settings.ROOT_URLCONF = "tests.errorpages_urls"
    return settings


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def test_a_path_nobody_knows_shows_the_apps_404_with_debug_on(debug_run, coordinator):
    response = _client(coordinator).get("/finnes-ikke/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Siden finnes ikke, eller du har ikke tilgang til den." in body
    assert "URLconf" not in body


def test_without_the_setting_debug_shows_djangos_page(debug_run, coordinator):
    debug_run.APP_ERROR_PAGES = False
    response = _client(coordinator).get("/finnes-ikke/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_a_missing_slash_still_redirects(debug_run, coordinator):
    response = _client(coordinator).get("/pasienter")
    assert response.status_code == 301
    assert response["Location"] == "/pasienter/"


def test_a_404_from_a_view_shows_the_apps_page(debug_run, coordinator, other_kommune_user, patient):
    assert _client(coordinator).get("/test-feil/mangler/").status_code == 404
    # An outsider opening a patient: the record gate's 404, in the app's own words.
    response = _client(other_kommune_user).get(f"/pasienter/{patient.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Ikke funnet" in body
    assert "Raised by" not in body


def test_a_403_shows_the_apps_page(debug_run, coordinator):
    response = _client(coordinator).get("/test-feil/nekter/")
    assert response.status_code == 403
    assert "Ikke tillatt" in response.content.decode()


def test_a_500_shows_the_apps_page_and_logs_the_traceback(debug_run, coordinator, caplog):
    response = _client(coordinator).get("/test-feil/brudd/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Noe gikk galt" in body
    assert "something broke" not in body
    assert any("something broke" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_make_run_derives_the_links_from_host_and_port():
    out = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    server = [line for line in out.splitlines() if "runserver" in line][0]
    assert "runserver 0.0.0.0:8123" in server
    # A wildcard address is no place for a browser: the links go to this machine.
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8123}" in server
    assert "APP_ERROR_PAGES=${APP_ERROR_PAGES:-true}" in server
    named = subprocess.run(
        ["make", "-n", "run", "HOST=demo.local", "PORT=9000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SITE_URL=${SITE_URL:-http://demo.local:9000}" in named


# The seed's mail goes out after its commit: a real transaction, not the test's.
@pytest.mark.django_db(transaction=True)
def test_the_demo_seed_prints_a_summary_instead_of_the_emails(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DEBUG = True
    settings.ALLOW_SYNTHETIC_IDS = True
    printed, out = io.StringIO(), io.StringIO()
    with redirect_stdout(printed):
        call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    held = int(lines[1].split()[0])
    assert held > 10
    assert "held back" in lines[1]
    # Nothing went through the console backend.
    assert "Subject:" not in printed.getvalue()


def test_the_demo_on_the_embedded_database_opens_every_page_it_links_to(tmp_path):
    """`make run` without DATABASE_URL: SQLite, the demo seed, then every demo person
    follows the links from their start page (tests/embedded/crawl.py); none may fail."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        SQLITE_PATH=str(tmp_path / "demo.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DEBUG="true",
        ALLOW_SYNTHETIC_IDS="true",
        CELERY_TASK_ALWAYS_EAGER="true",
        DEMO_PORTAL_LOGIN="true",
        ALLOWED_HOSTS="testserver",
        SECRET_KEY="embedded-demo-test-secret-key-0123456789abcdefghijklmnop",
        PYTHONPATH=str(ROOT),
    )
    python = sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    crawl = subprocess.run(
        [python, "tests/embedded/crawl.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert crawl.returncode == 0, crawl.stdout[-4000:] + crawl.stderr[-4000:]
    pages = int(crawl.stdout.rsplit("pages ", 1)[1])
    assert pages >= 200, crawl.stdout

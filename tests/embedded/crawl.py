"""Run by tests/test_make_run.py in a process of its own, on the embedded SQLite of
`make run` (migrated and seeded with the demo): every demo person opens the pages the demo
links to, following links from the start page, and nothing may fail.

Prints one line per failing page and ``pages N`` at the end; exits 1 on any failure.
"""

import logging
import os
import re
import sys
import traceback

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

# Links not followed: leaving the session, and files (their own tests read them).
SKIP = ("logg-ut", "logout", "/static/", "/admin", "pdf", "csv", ".ics", "eksport")
PAGES_PER_PERSON = int(os.environ.get("CRAWL_PAGES", "40"))


def crawl(client: Client, start: str, who: str) -> tuple[int, list[str]]:
    todo, seen, failed = [start], set(), []
    while todo and len(seen) < PAGES_PER_PERSON:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - every failure is reported
            where = [
                f"{frame.filename}:{frame.lineno}"
                for frame in traceback.extract_tb(error.__traceback__)
                if ".venv" not in frame.filename and "site-packages" not in frame.filename
            ]
            failed.append(f"{who} {url}: {type(error).__name__}: {error} at {where[-1:]}")
            continue
        if response.status_code >= 500:
            failed.append(f"{who} {url}: {response.status_code}")
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for href in re.findall(r'href="(/[^"#]*)"', response.content.decode()):
                if not any(part in href for part in SKIP) and href not in seen:
                    todo.append(href)
    return len(seen), failed


def main() -> int:
    logging.disable(logging.CRITICAL)  # the failures are printed below
    people = get_user_model().objects
    pages, failed = 0, []
    for user in people.filter(memberships__isnull=False).distinct().order_by("pk"):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        seen, failures = crawl(client, "/", user.username)
        pages, failed = pages + seen, failed + failures
    portal_logins = 0
    for user in people.filter(memberships__isnull=True, identity__isnull=False).order_by("pk"):
        client = Client(raise_request_exception=True)
        response = client.post(
            "/min/innlogging/demo/", {"username": user.username, "password": "demo"}
        )
        # Crawling /min/ without a session would only meet the login page: a login that did
        # not work is a failure of its own, not a quiet crawl of nothing.
        if response.status_code != 302 or client.session.get("_auth_user_id") != str(user.pk):
            failed.append(f"{user.username}: demo login at /min/ failed ({response.status_code})")
            continue
        if client.get("/min/").status_code != 200:
            failed.append(f"{user.username}: /min/ after the demo login is not their page")
            continue
        portal_logins += 1
        seen, failures = crawl(client, "/min/", user.username)
        pages, failed = pages + seen, failed + failures
    if portal_logins == 0:
        failed.append("no demo patient or pårørende logged in at /min/")
    print("\n".join(failed))
    print(f"pages {pages}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The app under faults: lost database connections, a database restart under load, no Redis.

Each test talks over HTTP to a real gunicorn running against a PostgreSQL cluster of its own
(see conftest.py); the app is never restarted between the fault and the check.
"""

import threading
import time

import psycopg
import pytest

pytestmark = pytest.mark.faults


def overview(stack) -> str:
    return f"/pasienter/{stack.patient_id}/"


def kill_app_connections(stack) -> int:
    with psycopg.connect(stack.cluster.url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = 'samhandling_faults' AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_the_app_reconnects_after_its_database_connections_are_killed(stack):
    browser = stack.browser()
    workers = stack.worker_pids()
    # Warm every worker so each holds a persistent connection.
    for _ in range(6):
        assert browser.get(overview(stack)).status_code == 200
    assert kill_app_connections(stack) >= 1
    # The next requests check the connection first (CONN_HEALTH_CHECKS) and reconnect.
    statuses = [browser.get(overview(stack)).status_code for _ in range(8)]
    assert statuses == [200] * 8
    assert stack.worker_pids() == workers, "the workers were restarted"


def test_the_app_recovers_from_a_database_restart_under_load(stack):
    browser = stack.browser()
    workers = stack.worker_pids()
    results: list[tuple[float, float, int]] = []  # (start, end, status)
    stop = threading.Event()

    def load(client):
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = client.get(overview(stack)).status_code
            except Exception:  # noqa: BLE001 - a dropped connection counts as an error
                status = 0
            results.append((started, time.monotonic(), status))
        client.close()

    clients = [stack.browser() for _ in range(4)]  # logged in before the fault
    threads = [threading.Thread(target=load, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        restarting = time.monotonic()
        stack.cluster.restart()
        restarted = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    before = [s for _, end, s in results if end < restarting]
    after = [s for start, _, s in results if start > restarted + 0.5]
    assert before and set(before) == {200}
    assert len(after) >= 5, "too few requests after the restart to judge"
    assert set(after) == {200}, f"after the restart: {after}"
    during = [s for start, end, s in results if end >= restarting and start <= restarted + 0.5]
    print(
        f"restart took {restarted - restarting:.1f} s; {len(during)} requests in flight, "
        f"{sum(s != 200 for s in during)} failed; {len(after)} after, all answered"
    )
    assert browser.get(overview(stack)).status_code == 200
    assert stack.server.poll() is None and stack.worker_pids() == workers


def test_every_page_works_and_answers_quickly_without_redis(stack):
    browser = stack.browser()
    pages = ["/pasienter/", "/pasienter/ny/", overview(stack), overview(stack) + "endre/"]
    listing = browser.get("/pasienter/").text
    import re

    nav = re.search(r'<nav[^>]*class="main-nav".*?</nav>', listing, re.S).group(0)
    pages += [href for href in re.findall(r'href="(/[^"]*)"', nav) if href not in pages]
    for page in pages:
        started = time.monotonic()
        response = browser.get(page)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        assert time.monotonic() - started < 5, f"{page} waited on Redis"
    # A change that may publish a task still goes through, and promptly.
    started = time.monotonic()
    response = browser.post(
        "/pasienter/ny/",
        {
            "no_national_id": "on",
            "first_name": "Kari",
            "last_name": "Utenredis",
            "birth_date": "1980-05-17",
        },
    )
    assert response.status_code == 302, response.text[:500]
    assert time.monotonic() - started < 5
    assert browser.get(response.headers["location"]).status_code == 200


def test_healthz_reports_redis_down_but_stays_up(stack):
    import httpx

    response = httpx.get(stack.base_url + "/healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == "down"

"""More than one web and worker process: two gunicorn instances on their own ports and two
Celery workers on their own queues, all against the session's PostgreSQL cluster and a Redis
server of this module's own.

A browser's session and forms work on either web server; the reminder sweep, run by both
workers at the same moment, sends each reminder once and each daily digest once.
"""

import contextlib
import datetime
import email
import re
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.faults.conftest import Browser
from tests.scale.conftest import (
    COORDINATORS,
    DUE_CONSENTS,
    OVERDUE_REFERRALS,
    UNREVIEWED_GLASS,
    Processes,
    free_port,
    log_in,
    submit,
    wait_until,
)

pytestmark = pytest.mark.faults

SWEEP = "pathways.reminder_sweep"


def start_redis(processes: Processes) -> str:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port(6420)
    proc, log = processes.start(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(processes.folder)],
        {},
        "redis.log",
    )  # fmt: skip
    import redis

    def answers():
        if proc.poll() is not None:
            raise AssertionError(log.read_text())
        with contextlib.suppress(redis.ConnectionError):
            return redis.Redis(port=port, socket_timeout=2).ping()
        return False

    wait_until(answers, timeout=30, what="redis-server", log=log)
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="module")
def stack(primary):
    folder = Path(tempfile.mkdtemp(prefix="samhandling-processes-", dir="/tmp"))
    processes = Processes(folder)
    mail = folder / "mail"
    mail.mkdir()
    try:
        redis_url = start_redis(processes)
        env = primary.env(
            REDIS_URL=redis_url,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail),
            LOG_LEVEL="INFO",
        )
        workers = {}
        for name in ("a", "b"):
            # One process each (solo pool); both also take the default queue, where the
            # sweep's own mail tasks go.
            _proc, log = processes.start(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                    "--loglevel", "INFO", "-n", f"{name}@%h", "-Q", f"celery,sweep-{name}",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                env,
                f"worker-{name}.log",
            )  # fmt: skip
            workers[name] = log
        web = [processes.gunicorn(env, f"gunicorn-{n}")[0] for n in (1, 2)]
        for name, log in workers.items():
            wait_until(
                lambda log=log: " ready." in log.read_text(errors="replace"),
                timeout=120,
                what=f"Celery worker {name}",
                log=log,
            )
        yield {
            "web": web,
            "workers": workers,
            "redis": redis_url,
            "mail": mail,
            "primary": primary,
        }
    finally:
        processes.stop_all()
        shutil.rmtree(folder, ignore_errors=True)


def both(stack, username):
    """One browser (one cookie jar) talking to both web servers."""
    first = log_in(stack["web"][0], username)
    second = Browser(stack["web"][1])
    second.jar = first.jar
    return first, second


def test_a_session_made_on_one_web_server_works_on_the_other(stack):
    one, two = both(stack, COORDINATORS[0])
    assert "sessionid" in one.jar
    page = two.get("/pasienter/")
    assert page.status_code == 200
    assert "Nordmann" in page.text
    # A form rendered by one server is saved through the other (CSRF token, form key).
    saved = submit(
        two,
        "/varsler/innstillinger/",
        {"email_enabled": "on", "digest_enabled": "on"},
        page_from=one,
    )
    assert saved.status_code == 302, saved.text[:500]
    # The message of the save, kept in the session, shows on the first server.
    assert "Varslingsinnstillingene dine er lagret" in one.get(saved.headers["location"]).text
    # Logging out on one ends the session on both.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', one.get("/pasienter/").text)
    out = two.http.post(
        "/accounts/logout/", data={"csrfmiddlewaretoken": token.group(1)}, headers=two._headers()
    )
    assert out.status_code == 302, out.status_code
    assert one.get("/pasienter/").status_code == 302


def _finished(log: Path) -> list[tuple[str, str]]:
    """(task id, returned value) of each sweep the worker finished."""
    return re.findall(
        rf"Task {re.escape(SWEEP)}\[([0-9a-f-]+)\] succeeded in [\d.]+s: (\d+)",
        log.read_text(errors="replace"),
    )


def _window(log: Path, task_id: str) -> tuple[datetime.datetime, datetime.datetime]:
    """When the worker received and finished the task (its log's timestamps)."""
    stamps = {}
    for line in log.read_text(errors="replace").splitlines():
        if task_id in line:
            when = datetime.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").replace(
                tzinfo=datetime.UTC
            )
            stamps["received" if "received" in line.lower() else "done"] = when
    return stamps["received"], stamps["done"]


def _sql(stack, query):
    with psycopg.connect(stack["primary"].url, autocommit=True) as conn:
        return conn.execute(query).fetchall()


def sweep_on_both(stack) -> dict[str, tuple[int, datetime.datetime, datetime.datetime]]:
    """Queue a sweep for each worker at the same moment; per worker: made, started, ended."""
    from celery import Celery

    app = Celery(broker=stack["redis"])
    try:
        # Both workers are idle and waiting: the two sweeps start together.
        sent = {name: app.send_task(SWEEP, queue=f"sweep-{name}").id for name in ("a", "b")}
    finally:
        app.close()
    out = {}
    for name, log in stack["workers"].items():
        task_id = sent[name]
        done = wait_until(
            lambda log=log, task_id=task_id: [r for t, r in _finished(log) if t == task_id],
            timeout=180,
            what=f"the sweep on worker {name}",
            log=log,
        )
        out[name] = (int(done[0]), *_window(log, task_id))
        print(f"sweep {name}: {out[name][1]:%T.%f}–{out[name][2]:%T.%f} made {out[name][0]}")
    return out


def overlapped(runs) -> bool:
    (_a, a_start, a_end), (_b, b_start, b_end) = runs.values()
    return a_start < b_end and b_start < a_end


def mailed_to(folder: Path) -> list[str]:
    found = []
    for path in folder.iterdir():
        # The file backend writes each message followed by a line of dashes.
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip())["To"])
    return sorted(found)


def test_two_workers_sweeping_at_once_send_each_reminder_once(stack):
    assert _sql(stack, "SELECT count(*) FROM pathways_reminder") == [(0,)]
    runs = sweep_on_both(stack)
    assert overlapped(runs), "the two sweeps did not overlap"
    expected = DUE_CONSENTS + UNREVIEWED_GLASS + OVERDUE_REFERRALS
    # Each reminder was made by exactly one of the two, and notified once per person.
    assert sum(made for made, _s, _e in runs.values()) == expected, runs
    assert _sql(stack, "SELECT count(*) FROM pathways_reminder") == [(expected,)]
    twice = (
        "SELECT count(*) FROM (SELECT reminder_id, user_id FROM pathways_notification "
        "WHERE reminder_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) twice"
    )
    assert _sql(stack, twice) == [(0,)]
    notified = _sql(stack, "SELECT count(*) FROM pathways_notification")

    # The next sweeps, again both at once, make nothing new and mail today's digest (one to
    # each person with notifications that are not urgent) while the urgent mail queued by the
    # first sweeps goes out: each urgent notification mailed once, whichever worker sends it.
    runs = sweep_on_both(stack)
    assert [made for made, _s, _e in runs.values()] == [0, 0]
    assert _sql(stack, "SELECT count(*) FROM pathways_notification") == notified

    def mail_done():
        logs = [log.read_text(errors="replace") for log in stack["workers"].values()]
        queued = sum(log.count("pathways.send_urgent_email[") for log in logs)
        finished = sum(
            len(re.findall(r"pathways\.send_urgent_email\[[^]]+\] succeeded", log)) for log in logs
        )
        unsent = _sql(
            stack,
            "SELECT count(*) FROM pathways_notification WHERE reminder_id IS NOT NULL "
            "AND emailed_at IS NULL",
        )
        # Each task logs "received" and "succeeded": all that came are done.
        return unsent == [(0,)] and queued == 2 * finished

    wait_until(mail_done, timeout=120, what="mail sent", log=stack["workers"]["a"])
    digests = _sql(
        stack,
        "SELECT DISTINCT u.email FROM pathways_notification n JOIN auth_user u ON u.id = n.user_id "
        "WHERE n.reminder_id IS NOT NULL AND NOT n.urgent",
    )
    urgent = _sql(
        stack,
        "SELECT u.email FROM pathways_notification n JOIN auth_user u ON u.id = n.user_id "
        "WHERE n.reminder_id IS NOT NULL AND n.urgent",
    )
    assert len(digests) >= 3 and len(urgent) >= OVERDUE_REFERRALS
    assert mailed_to(stack["mail"]) == sorted(email for (email,) in digests + urgent)

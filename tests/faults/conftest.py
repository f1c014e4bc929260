"""A throwaway stack for fault tests: an own PostgreSQL cluster and gunicorn, on free ports.

The shared PostgreSQL server is never touched. The cluster lives in a temporary folder under
/tmp and is removed afterwards. Redis points at a port where nothing listens.
"""

import contextlib
import getpass
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password-1"
DEAD_REDIS = "redis://127.0.0.1:6399/0"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port(start: int) -> int:
    """The first port from ``start`` that nothing listens on. Each test process (xdist worker)
    starts its own few ports further on: two processes starting clusters at the same moment
    would otherwise both find the same port free and the second server would fail to start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    start += 3 * int(worker.removeprefix("gw") or 0)
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int

    def _run(self, *argv, check=True):
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data / "db"), "-A", "trust", "-U", "postgres", "-N")

    def start(self):
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.data / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data / "db"), "-o", options, "-l", log, "-w", "start")

    def restart(self):
        log = str(self.data / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data / "db"), "-l", log, "-m", "fast", "-w", "restart")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data / "db"), "-m", "immediate", "stop", check=False)

    def url(self, database="postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


class Browser:
    """An HTTP client that keeps cookies itself (the server marks them Secure, DEBUG being off)."""

    def __init__(self, base_url: str):
        import httpx

        self.http = httpx.Client(base_url=base_url, timeout=20, follow_redirects=False)
        self.jar: dict[str, str] = {}

    def _headers(self):
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}

    def _keep(self, response):
        for header in response.headers.get_list("set-cookie"):
            parsed = SimpleCookie()
            parsed.load(header)
            for key, morsel in parsed.items():
                self.jar[key] = morsel.value
        return response

    def get(self, path, **kw):
        return self._keep(self.http.get(path, headers=self._headers(), **kw))

    def post(self, path, data):
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        data = {"csrfmiddlewaretoken": token.group(1) if token else "", **data}
        return self._keep(self.http.post(path, data=data, headers=self._headers()))

    def log_in(self, username, password=PASSWORD):
        response = self.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.status_code
        return self

    def close(self):
        self.http.close()


@dataclass
class Stack:
    cluster: Cluster
    base_url: str
    server: subprocess.Popen
    patient_id: int
    username: str

    def browser(self) -> Browser:
        return Browser(self.base_url).log_in(self.username)

    def worker_pids(self) -> set[str]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.server.pid)], capture_output=True, text=True
        ).stdout
        return set(out.split())


SETUP = """
from tests.factories import make_org, make_patient, make_unit, make_user
unit = make_unit(make_org("Vadsø kommune"), name="Rus- og psykisk helseenheten")
user = make_user(unit, "coordinator", username="feil.koordinator")
patient = make_patient(unit, by=user, first_name="Ola", last_name="Nordmann")
print("PATIENT", patient.pk)
"""


@pytest.fixture(scope="module")
def stack():
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser")
    if os.geteuid() != 0 and getpass.getuser() == "root":
        pytest.skip("cannot tell which user runs PostgreSQL")
    data = Path(tempfile.mkdtemp(prefix="samhandling-faults-", dir="/tmp"))
    cluster = Cluster(pg_bin, data, free_port(5439))
    server = server_log = None
    try:
        cluster.init()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE samhandling_faults")
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url("samhandling_faults"),
            "REDIS_URL": DEAD_REDIS,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
            "SECRET_KEY": "fault-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "ALLOW_SYNTHETIC_IDS": "true",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], timeout=300, **run)
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP], timeout=120, **run
        ).stdout
        patient_id = int(re.search(r"PATIENT (\d+)", out).group(1))
        port = free_port(8187)
        server_log = open(data / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2",
             "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        _wait_for(base_url, server)
        yield Stack(cluster, base_url, server, patient_id, "feil.koordinator")
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
        if server_log is not None:
            server_log.close()
        cluster.stop()
        shutil.rmtree(data, ignore_errors=True)


def _wait_for(base_url, server):
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base_url + "/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")

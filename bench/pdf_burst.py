"""A burst of plan PDFs (``bench/run.py --page pdf_burst``): 20 clients each ask at the same
moment for the PDF of a different plan that is not kept yet, following the "being prepared"
page's readiness check until the PDF arrives, while other users keep loading the patient list.

Reports the time to the PDF (p50/p95 over the clients), the longest single HTTP request, and
the patient list's p95 during the burst against its p95 just before it (same users, same
server). Runs its own gunicorn with a real broker (``--redis-url``) and a documents worker
started as ``make documents-worker`` starts it, and keeps the PDFs in a throwaway folder, so
every run renders every plan afresh.
"""

import asyncio
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# What the waiting page gives its script: where to ask whether it is ready, what to open.
WAITING = re.compile(
    rb'data-document-check="([^"]+)" data-document-open="([^"]+)" data-retry-after="(\d+)"'
)


async def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


async def pdf_client(port: int, path: str, cookie: str, give_up: float) -> dict:
    """Ask for one PDF and, as the waiting page's script does, ask whether it is ready until
    it is, then open it; times of the whole and of each request."""
    start = time.perf_counter()
    requests = []

    async def timed(url):
        t0 = time.perf_counter()
        answer = await fetch(port, url, cookie)
        requests.append(time.perf_counter() - t0)
        return answer

    status, head, body = await timed(path)
    if status == 202 and (match := WAITING.search(body)):
        check, path = (html.unescape(url.decode()) for url in match.groups()[:2])
        while time.perf_counter() - start < give_up:
            await asyncio.sleep(int(match.group(3)))
            ready, _, _ = await timed(check)
            if ready == 200:
                status, head, body = await timed(path)
                break
            if ready != 202:
                return {"ok": False, "status": ready, "requests": requests}
        else:
            return {"ok": False, "status": "gave up", "requests": requests}
    if status == 200 and b"application/pdf" in head.lower() and body.startswith(b"%PDF"):
        return {"ok": True, "total": time.perf_counter() - start, "requests": requests}
    return {"ok": False, "status": status, "requests": requests}


async def list_load(port: int, path: str, cookies: list[str], stop: asyncio.Event) -> list:
    latencies: list[float] = []
    errors = 0

    async def user(cookie):
        nonlocal errors
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                status, _, _ = await fetch(port, path, cookie)
            except OSError:
                status = 0
            latencies.append(time.perf_counter() - t0)
            errors += status != 200

    await asyncio.gather(*(user(c) for c in cookies))
    return latencies, errors


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)


async def measure(port, pdf_paths, list_path, list_cookies, baseline_s, give_up=180.0) -> dict:
    # The patient list alone first (after a short warm-up), then with the burst.
    stop = asyncio.Event()
    warm = asyncio.create_task(list_load(port, list_path, list_cookies, stop))
    await asyncio.sleep(1.5)
    stop.set()
    await warm
    stop = asyncio.Event()
    alone = asyncio.create_task(list_load(port, list_path, list_cookies, stop))
    await asyncio.sleep(baseline_s)
    stop.set()
    alone_latencies, alone_errors = await alone

    stop = asyncio.Event()
    during = asyncio.create_task(list_load(port, list_path, list_cookies, stop))
    started = time.perf_counter()
    clients = await asyncio.gather(
        *(pdf_client(port, path, cookie, give_up) for path, cookie in pdf_paths)
    )
    burst_s = time.perf_counter() - started
    stop.set()
    during_latencies, during_errors = await during

    done = [c for c in clients if c["ok"]]
    every_request = [r for c in clients for r in c["requests"]]
    list_alone, list_during = pct(alone_latencies, 0.95), pct(during_latencies, 0.95)
    return {
        "clients": len(clients),
        "pdfs": len(done),
        "failed": [c.get("status") for c in clients if not c["ok"]],
        "burst_s": round(burst_s, 1),
        "time_to_pdf_p50_ms": pct([c["total"] for c in done], 0.5),
        "time_to_pdf_p95_ms": pct([c["total"] for c in done], 0.95),
        "longest_request_ms": round(max(every_request) * 1000, 1) if every_request else None,
        "requests_per_pdf": round(len(every_request) / max(1, len(clients)), 1),
        "list_users": len(list_cookies),
        "list_p95_alone_ms": list_alone,
        "list_p95_during_ms": list_during,
        "list_p95_ratio": round(list_during / list_alone, 2) if list_alone else None,
        "list_requests_alone": len(alone_latencies),
        "list_requests_during": len(during_latencies),
        "list_errors": alone_errors + during_errors,
    }


def start_documents_worker(
    env: dict, folder: Path, nice: int, concurrency: int
) -> tuple[subprocess.Popen, Path]:
    """The documents worker as ``make documents-worker`` runs it: one render at a time, at a
    lower CPU priority than the web workers."""
    log = folder / "documents-worker.log"
    out = open(log, "wb")  # noqa: SIM115 - closed with the process
    worker = subprocess.Popen(
        ["nice", "-n", str(nice), sys.executable, "-m", "celery", "-A", "config", "worker",
         "-Q", "documents", "--concurrency", str(concurrency), "--loglevel", "INFO",
         "-n", f"bench-documents-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise SystemExit("the documents worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.3)
    return worker, log


def plans_for(sessions, count: int) -> list[tuple[str, str]]:
    """(PDF path, cookie): one open plan per client, no plan twice."""
    from django.urls import reverse

    from pathways.models import IndividualPlan

    taken: set[int] = set()
    chosen = []
    for session in sessions:
        open_plans = (
            IndividualPlan.objects.filter(patient_id__in=session.patients)
            .exclude(status=IndividualPlan.Status.CLOSED)
            .exclude(patient_id__in=taken)
            .values_list("patient_id", flat=True)
        )
        patient_id = next(iter(open_plans), None)
        if patient_id is None:
            continue
        taken.add(patient_id)
        chosen.append((reverse("pathways:plan_pdf", args=[patient_id]), session.cookie))
        if len(chosen) == count:
            break
    return chosen


def run(args, env, helpers) -> dict:
    """``helpers``: bench/run.py (start_gunicorn, worker_peak_memory_mb, Sessions, ALL_PERSONAS)."""
    import redis
    from django.urls import reverse

    folder = Path(tempfile.mkdtemp(prefix="samhandling-bench-pdf-"))
    burst_env = dict(env)
    burst_env.update(
        REDIS_URL=args.redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        MEDIA_ROOT=str(folder / "media"),
    )
    # Tasks left over from an earlier run would render plans nobody waits for.
    redis.Redis.from_url(args.redis_url).delete("documents")
    port = args.port + 1
    worker, worker_log = start_documents_worker(
        burst_env, folder, args.documents_nice, args.documents_concurrency
    )
    server = helpers.start_gunicorn(burst_env, port, args.workers)
    try:
        sessions = helpers.Sessions(f"http://{HOST}:{port}")
        personas = helpers.ALL_PERSONAS
        pdf_sessions = sessions.for_users(personas, max(args.burst_clients * 2, 40))
        pdf_paths = plans_for(pdf_sessions, args.burst_clients)
        list_cookies = [s.cookie for s in sessions.for_users(personas, args.burst_list_users)]
        result = asyncio.run(
            measure(
                port,
                pdf_paths,
                reverse("pathways:patient_list"),
                list_cookies,
                baseline_s=max(args.duration, 10),
            )
        )
        renders = [
            float(seconds)
            for seconds in re.findall(
                r"Task pathways\.render_document\[[^\]]+\] succeeded in ([\d.]+)s",
                worker_log.read_text(errors="replace"),
            )
        ]
        result["rendered_by_worker"] = len(renders)
        result["render_median_ms"] = pct(renders, 0.5)
        result["documents_nice"] = args.documents_nice
        result["documents_concurrency"] = args.documents_concurrency
        result["web_worker_peak_rss_mb"] = helpers.worker_peak_memory_mb(server)[
            "web_worker_peak_rss_mb"
        ]
        result["documents_worker_peak_rss_mb"] = helpers.worker_peak_memory_mb(worker)[
            "web_worker_peak_rss_mb"
        ]
        return result
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

"""Single-request timings and query logs of the benchmark pages (less noisy than the load run).

    BENCH_DATABASE_URL=postgres://…/samhandling_bench .venv/bin/python bench/profile_pages.py \
        [--runs 15] [--page patient_list] [--sql] [--explain] [--profile]

Runs against a database seeded by ``make bench`` (or ``seed_load``), through Django's test
client with DEBUG off: for each page and persona, the median and p90 time of ``--runs``
requests, the number of queries and, with ``--sql``, each query with its time; ``--explain``
prints EXPLAIN ANALYZE of the slowest query; ``--profile`` prints a cProfile summary.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

os.environ.update(
    DATABASE_URL=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_bench"
    ),
    DEBUG="false",
    SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
    ALLOWED_HOSTS="testserver,127.0.0.1",
    ALLOW_SYNTHETIC_IDS="true",
    SECURE_SSL_REDIRECT="false",
    STATIC_MANIFEST="false",
    CELERY_TASK_ALWAYS_EAGER="true",
    LOG_LEVEL="WARNING",
    DJANGO_SETTINGS_MODULE="config.settings",
)
os.environ.pop("REDIS_URL", None)

# The FHIR searches (--page fhir_…) are called with a token signed by a key of this run.
from run import API_AUDIENCE, API_ISSUER, signing_key  # noqa: E402

KEY = signing_key()
os.environ.update(
    FHIR_TOKEN_ISSUER=API_ISSUER,
    FHIR_TOKEN_AUDIENCE=API_AUDIENCE,
    FHIR_JWKS=json.dumps({"keys": [KEY.as_dict(private=False)]}),
    FHIR_JWKS_URL="",
)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from run import API_PAGES, PAGES, Session, api_sessions, resolve_page  # noqa: E402

from pathways.access import patients_of_unit  # noqa: E402


def page_path(page, user) -> str | None:
    name = resolve_page(page)
    if name is None:
        return None
    if not page.needs_patient:
        return reverse(name) + page.query
    from accounts.units import memberships_for

    unit = memberships_for(user).first().unit
    from pathways.models import IndividualPlan

    visible = patients_of_unit(unit)
    with_plan = visible.filter(pk__in=IndividualPlan.objects.values("patient_id")).first()
    patient = with_plan or visible.first()
    return reverse(name, kwargs={"patient_id": patient.pk}) if patient else None


def forget_kept() -> None:
    from django.core.cache import caches

    from config import fragments
    from pathways.models import KeptPart

    caches[fragments.CACHE].clear()
    KeptPart.objects.all().delete()


def cases(args, users):
    """(page, persona, client, path) for each page and persona asked for; the FHIR searches
    as the benchmark's record system (a token of the Vadsø ruskonsulent's organisation)."""
    for page in PAGES:
        if args.page and page.name not in args.page:
            continue
        for persona in args.persona or page.personas[:3]:
            user = users.get(username=persona)
            client = Client()
            client.force_login(user)
            path = page_path(page, user)
            if path is not None:
                yield page, persona, client, path
    import random

    from accounts.units import memberships_for
    from pathways.access import patients_of_unit

    persona = "vadso.ruskonsulent"
    unit = memberships_for(users.get(username=persona)).first().unit
    visible = list(patients_of_unit(unit).order_by("pk").values_list("pk", flat=True)[:50])
    (api,) = api_sessions(KEY, Session(persona, "", visible), 1)
    token = api.headers.split("\r\n")[0].partition(": ")[2]
    for name, make_path in API_PAGES.items():
        if args.page and name not in args.page:
            continue
        client = Client(headers={"Authorization": token, "Accept": "application/fhir+json"})
        yield argparse.Namespace(name=name), "api", client, make_path(api, random.Random(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--page", action="append")
    parser.add_argument("--persona", action="append")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--planning", action="store_true", help="each query's planning and execution time"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--fresh", action="store_true", help="FHIR searches are searched each time, not kept"
    )
    parser.add_argument(
        "--render", action="store_true", help="forget kept parts before each request"
    )
    args = parser.parse_args()
    if args.fresh:
        import dataclasses

        from pathways.fhir.registry import REGISTRY

        for name, resource in REGISTRY.items():
            REGISTRY[name] = dataclasses.replace(resource, kept=False)
    users = get_user_model().objects
    print(
        f"{'page':20} {'persona':22} {'median ms':>9} {'p90 ms':>7} {'queries':>7} "
        f"{'sql ms':>7} {'cpu ms':>7}"
    )
    for page, persona, client, path in cases(args, users):
        client.get(path)  # warm
        times = []
        cpu = []
        for _ in range(args.runs):
            if args.render:
                forget_kept()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                cpu_started = time.process_time()
                response = client.get(path)
                cpu.append(time.process_time() - cpu_started)
                times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        times.sort()
        print(
            f"{page.name:20} {persona:22} {statistics.median(times) * 1000:9.1f} "
            f"{times[int(len(times) * 0.9) - 1] * 1000:7.1f} {len(queries):7} {sql_ms:7.1f}"
            f" {statistics.median(cpu) * 1000:7.1f}"
            f"  {path}"
        )
        if args.sql:
            for q in queries.captured_queries:
                print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:400]}")
        if args.explain:
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
                print("\n".join("    " + row[0] for row in cursor.fetchall()))
        if args.planning:
            planning = execution = 0.0
            with connection.cursor() as cursor:
                for q in queries.captured_queries:
                    if not q["sql"].lstrip("( ").upper().startswith("SELECT"):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY) " + q["sql"])
                    lines = [row[0] for row in cursor.fetchall()]
                    plan, run = (
                        float(line.split(":")[1].split()[0])
                        for line in lines
                        if line.startswith(("Planning Time", "Execution Time"))
                    )
                    planning, execution = planning + plan, execution + run
                    print(f"    plan {plan:6.2f} ms  run {run:6.2f} ms  {q['sql'][:90]}")
            print(f"    in all: planning {planning:.2f} ms, execution {execution:.2f} ms")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime"))
            stats.print_stats(int(os.environ.get("TOP", "25")))
            if os.environ.get("CALLERS"):
                stats.print_callers(os.environ["CALLERS"])


if __name__ == "__main__":
    main()

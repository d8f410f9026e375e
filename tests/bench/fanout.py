"""Fan-out benchmark: outbox events to webhook subscribers on 127.0.0.1, the delivery engine against
a baseline sender (a plain loop posting the same signed bodies with the same HTTP client).

    make bench                                    # part of the full bench: 10,000 events x 10 subscribers
    python -m tests.bench.fanout --events 2000    # a quicker run

Both sides start from the same committed outbox (every event written before the clock starts) and
post to the same receivers (one process, one port per subscriber). The engine runs as a worker
does: delivery passes (`run_pass`) until nothing is due. Reported: deliveries per second and the
delivery lag (event written to delivery recorded) p50/p99; goal: the engine at least half the
baseline's rate. Writes bench-results/fanout-<date>.{md,json}.
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.request import urlopen

from .common import PYTHON, RESULTS, ROOT, psycopg_url, server_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/backoffice_fanout"
TENANT = "bench-fanout"
GOAL = 0.5


def log(msg: str) -> None:
    print(f"[fanout {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# -- receivers (a child process) ---------------------------------------------------------------
def serve(count: int) -> None:
    """Answer 204 to every POST on `count` ports (one asyncio loop: concurrent connections cost no
    threads); GET says how many POSTs arrived."""
    received = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method = head.split(b" ", 1)[0]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if method == b"POST":
                received[0] += 1
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                body = str(received[0]).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024) for _ in range(count)]
        print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin

    asyncio.run(main())


def received(port: int) -> int:
    with urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return int(response.read())


# -- the two senders -------------------------------------------------------------------------------
def fill_outbox(events: int) -> None:
    from apps.core.ids import new_id
    from apps.core.models import Event
    from apps.integration.models import WebhookDelivery

    WebhookDelivery.objects.all().delete()
    Event.objects.all().delete()
    Event.objects.bulk_create([
        Event(id=new_id("evt"), tenant_id=TENANT, type="helpdesk.ticket.updated", entity_type="helpdesk.Ticket",
              entity_id=f"tkt_{n:06d}", actor_id="per_bench", payload={"id": f"tkt_{n:06d}", "n": n, "status": "open"})
        for n in range(events)], batch_size=2000)


def make_webhooks(ports: list[int]) -> list:
    from apps.core.principal import system_principal
    from apps.integration.models import Webhook
    from apps.integration.services import webhook_create

    Webhook.objects.filter(tenant_id=TENANT).delete()
    actor = system_principal(TENANT)
    return [webhook_create(actor=actor, data={"name": f"subscriber {i}", "url": f"http://127.0.0.1:{port}/hook",
                                              "event_types": ["helpdesk.*"]})
            for i, port in enumerate(ports)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def run_baseline(hooks: list) -> dict:
    """A plain loop: read the outbox, then for each event and subscriber sign the body and POST it."""
    from apps.core.ids import new_id
    from apps.core.models import Event
    from apps.integration.outbound import post, sign

    secrets = {hook.pk: hook.raw_secret for hook in hooks}
    lags, failures = [], 0
    started = time.perf_counter()
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        body = json.dumps({"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload},
                          separators=(",", ":"), sort_keys=True).encode()
        for hook in hooks:
            headers = sign(secret=secrets[hook.pk], msg_id=new_id("msg"), timestamp=int(time.time()), body=body)
            result = post(url=hook.url, body=body, headers=headers, timeout=10, allow_private=True)
            failures += not result.ok
            lags.append(time.time() - event.created_at.timestamp())
    return {"seconds": time.perf_counter() - started, "deliveries": len(lags), "failures": failures, "lags": lags}


def run_engine() -> dict:
    from django.db.models import F

    from apps.integration.choices import DeliveryStatus
    from apps.integration.delivery_engine import run_pass
    from apps.integration.models import WebhookDelivery

    started, passes = time.perf_counter(), 0
    while True:
        counts = run_pass()
        passes += 1
        if not any(counts.values()):
            break
    seconds = time.perf_counter() - started
    delivered = WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED)
    lags = [lag.total_seconds() for lag in delivered.annotate(lag=F("delivered_at") - F("event__created_at"))
            .values_list("lag", flat=True).iterator(chunk_size=5000)]
    failures = WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).count()
    return {"seconds": seconds, "deliveries": len(lags), "failures": failures, "lags": lags, "passes": passes}


def summary(side: dict) -> dict:
    lags = side.pop("lags")
    return {**side, "rate": side["deliveries"] / side["seconds"] if side["seconds"] else 0.0,
            "lag_p50": percentile(lags, 50), "lag_p99": percentile(lags, 99)}


def render(report: dict) -> str:
    engine, baseline = report["engine"], report["baseline"]
    ratio = engine["rate"] / baseline["rate"] if baseline["rate"] else 0.0
    lines = [f"# Fan-out bench, {report['date']}", "",
             f"{report['events']:,} events x {report['subscribers']} subscribers on 127.0.0.1, "
             f"WEBHOOK_SEND_CONCURRENCY={report['concurrency']}, one sending process each side, "
             f"{report['rounds']} interleaved rounds.", "",
             "| side | deliveries | failed | seconds | deliveries/s | lag p50 s | lag p99 s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, side in (("engine (run_pass)", engine), ("baseline (plain loop)", baseline)):
        lines.append(f"| {name} | {side['deliveries']:,} | {side['failures']:,} | {side['seconds']:.1f} | "
                     f"{side['rate']:,.0f} | {side['lag_p50']:.1f} | {side['lag_p99']:.1f} |")
    verdict = "meets" if ratio >= GOAL else "MISSES"
    lines += ["", f"engine / baseline: {ratio:.0%} (goal at least {GOAL:.0%}: {verdict})"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="split --events into this many interleaved rounds")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    url = os.environ.get("FANOUT_DATABASE_URL") or DEFAULT_URL
    from .run import ensure_database, run_child

    env = dict(server_env(url), WEBHOOK_ALLOW_PRIVATE_TARGETS="true")
    ensure_database(url)
    if run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)["returncode"]:
        return 1
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    receivers = subprocess.Popen([PYTHON, "-m", "tests.bench.fanout", "--serve", str(args.subscribers)], cwd=ROOT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ports = json.loads(receivers.stdout.readline())
        hooks = make_webhooks(ports)
        report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "rounds": args.rounds,
                  "subscribers": args.subscribers, "concurrency": settings.WEBHOOK_SEND_CONCURRENCY,
                  "database": psycopg_url(url).rsplit("@", 1)[-1]}
        sides = {"baseline": [], "engine": []}
        per_round = max(1, args.events // args.rounds)
        for k in range(args.rounds):  # interleaved, so both sides see the same background noise
            log(f"round {k + 1}/{args.rounds}: baseline, {per_round:,} events x {len(hooks)} subscribers")
            fill_outbox(per_round)
            sides["baseline"].append(run_baseline(hooks))
            log(f"round {k + 1}/{args.rounds}: engine")
            fill_outbox(per_round)
            before = sum(received(port) for port in ports)
            sides["engine"].append(run_engine())
            sides["engine"][-1]["arrived"] = sum(received(port) for port in ports) - before
        report["events"] = per_round * args.rounds
        for name, rounds in sides.items():
            report[name] = summary({key: sum(r[key] for r in rounds) if key != "lags" else [x for r in rounds for x in r[key]]
                                    for key in rounds[0]})
    finally:
        receivers.stdin.close()
        receivers.wait(10)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    text = render(report)
    (RESULTS / f"fanout-{stamp}.md").write_text(text)
    (RESULTS / f"fanout-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

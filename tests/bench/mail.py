"""Mail gateway benchmark: `manage.py mail_gateway` (tickets, threading checks, attachments stored through
apps/files, all on PostgreSQL) against a bare aiosmtpd sink that accepts the same messages and keeps nothing.

    make bench                                        # part of the full bench: 1,000 messages with a PNG each
    python -m tests.bench.mail --messages 200         # a quicker run
    python -m tests.bench.mail --no-attachments

Both servers run as child processes on 127.0.0.1 and get the same messages from the same clients
(`--clients` concurrent SMTP sessions, as an MTA's parallel deliveries). Reported: messages per second,
the server's peak resident memory (VmHWM) and the load average before and after. Writes
bench-results/mail-<date>.{md,json}.
"""
import argparse
import io
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

from .common import PYTHON, RESULTS, ROOT, psycopg_url, server_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/backoffice_mail_bench"
TENANT = "bench-mail"
ADDRESS = "help@bench-mail.invalid"
SENDERS = 100


def log(msg: str) -> None:
    print(f"[mail bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def sink(port_file: str, port: int = 0) -> None:
    """The bare side: aiosmtpd accepting every message, nothing stored."""
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 OK"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port or free_port(), data_size_limit=25 * 1024 * 1024)
    controller.start()
    with open(port_file, "w") as f:
        f.write(str(controller.port))
    sys.stdin.read()  # until the parent closes our stdin
    controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png(n: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((160, 120), 40 + n % 50).convert("RGB").save(out, "PNG")  # ~50 KB, not compressible
    return out.getvalue()


def messages(count: int, attachments: bool) -> list[bytes]:
    picture = png(1) if attachments else b""
    built = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = f"Bench Person {n % SENDERS} <person{n % SENDERS}@bench-mail.invalid>"
        message["To"] = ADDRESS
        message["Subject"] = f"Bench request {n}: the printer on floor {n % 7} jams"
        message["Message-ID"] = f"<bench-{n}-{time.time_ns()}@mua.bench-mail.invalid>"
        message.set_content("Hello,\n\nthe printer jams on every page.\n\nThanks\n-- \nBench Person\n")
        if attachments:
            message.add_attachment(picture, maintype="image", subtype="png", filename=f"screenshot-{n}.png")
        built.append(message.as_bytes(policy=policy.SMTP))
    return built


def deliver(port: int, raw: list[bytes], clients: int) -> dict:
    """`clients` SMTP sessions in parallel, each sending its share; wall seconds and the replies' codes."""
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as session:
            session.ehlo("mta.bench-mail.invalid")
            for data in share:
                session.mail("bench@bench-mail.invalid")
                session.rcpt(ADDRESS)
                code, _ = session.data(data)
                with lock:
                    codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=client, args=(raw[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.perf_counter() - started, "codes": codes}


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def wait_port(read, timeout: float = 60) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if port := read():
            return port
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def prepare() -> None:
    from apps.core.models import Tenant
    from apps.directory.models import Person
    from apps.files.models import Attachment
    from apps.helpdesk.models import Ticket, TicketComment
    from apps.helpdesk_mail.models import InboundMessage, MailSettings

    Tenant.objects.get_or_create(id=TENANT, defaults={"name": "Bench Mail"})
    InboundMessage.objects.filter(tenant_id=TENANT).delete()  # a rerun starts from an empty helpdesk
    for model in (Attachment, TicketComment, Ticket):
        model.all_objects.filter(tenant_id=TENANT).delete()
    MailSettings.all_objects.filter(tenant_id=TENANT).delete()
    MailSettings(id="mls_bench", tenant_id=TENANT, address=ADDRESS, max_messages_per_hour=10_000).save()
    for n in range(SENDERS):
        Person.all_objects.get_or_create(id=f"per_bench_mail_{n}", defaults={
            "tenant_id": TENANT, "user_name": f"person{n}", "email": f"person{n}@bench-mail.invalid"})


def run_side(name: str, command: list[str], env: dict, port_of, raw: list[bytes], clients: int) -> dict:
    load_before = os.getloadavg()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = wait_port(lambda: port_of(server))
        log(f"{name}: {len(raw):,} messages over {clients} sessions to port {port}")
        result = deliver(port, raw, clients)
        result["peak_rss_mib"] = peak_rss_kib(server.pid) / 1024
    finally:
        if server.stdin:
            server.stdin.close()
        server.terminate()
        server.wait(30)
    result["load_before"], result["load_after"] = load_before, os.getloadavg()
    result["rate"] = len(raw) / result["seconds"] if result["seconds"] else 0.0
    return result


def render(report: dict) -> str:
    lines = [f"# Mail gateway bench, {report['date']}", "",
             f"{report['messages']:,} messages ({'with' if report['attachments'] else 'without'} a "
             f"{report['attachment_kib']:.0f} KiB PNG each) over {report['clients']} concurrent SMTP sessions on "
             f"127.0.0.1; the gateway with {report['workers']} worker threads on PostgreSQL ({report['database']}).", "",
             "| server | seconds | messages/s | replies | peak RSS MiB | load 1/5 min before | after |",
             "|---|---:|---:|---|---:|---|---|"]
    for name, side in (("mail_gateway (tickets + files)", report["gateway"]), ("bare aiosmtpd sink", report["sink"])):
        lines.append(f"| {name} | {side['seconds']:.1f} | {side['rate']:,.1f} | {side['codes']} | "
                     f"{side['peak_rss_mib']:.0f} | {side['load_before'][0]:.2f} / {side['load_before'][1]:.2f} | "
                     f"{side['load_after'][0]:.2f} / {side['load_after'][1]:.2f} |")
    ratio = report["gateway"]["rate"] / report["sink"]["rate"] if report["sink"]["rate"] else 0.0
    lines += ["", f"gateway / sink: {ratio:.1%}; tickets made: {report['tickets']:,}, files stored: {report['files']:,}"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-attachments", dest="attachments", action="store_false")
    parser.add_argument("--port", type=int, default=0,
                        help="the gateway's port (the sink takes the next one); default: any free port")
    parser.add_argument("--sink", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sink:
        sink(args.sink, args.port)
        return 0

    url = os.environ.get("MAIL_BENCH_DATABASE_URL") or DEFAULT_URL
    from .run import ensure_database, run_child

    files_root = tempfile.mkdtemp(prefix="mail-bench-files-")
    env = dict(server_env(url), FILES_ROOT=files_root, MAIL_GATEWAY_WORKERS=str(args.workers),
               EMAIL_URL="consolemail://", TASKS_BACKEND="database")
    ensure_database(url)
    if run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)["returncode"]:
        return 1
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from apps.files.models import Attachment
    from apps.helpdesk.models import Ticket

    prepare()
    raw = messages(args.messages, args.attachments)
    port_file = os.path.join(files_root, "sink-port")
    gateway_port = args.port or free_port()

    def gateway_port_of(server):  # the command prints its address once it listens
        line = server.stdout.readline()
        return gateway_port if "listening" in line else 0

    def sink_port_of(server):
        try:
            with open(port_file) as f:
                return int(f.read() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "messages": args.messages,
              "clients": args.clients, "workers": args.workers, "attachments": args.attachments,
              "attachment_kib": len(png(1)) / 1024 if args.attachments else 0,
              "database": psycopg_url(url).rsplit("@", 1)[-1]}
    report["sink"] = run_side("sink", [PYTHON, "-m", "tests.bench.mail", "--sink", port_file,
                                      "--port", str(args.port + 1 if args.port else 0)], env, sink_port_of, raw,
                              args.clients)
    report["gateway"] = run_side("gateway", [PYTHON, "manage.py", "mail_gateway", "--port", str(gateway_port),
                                             "--workers", str(args.workers)], env, gateway_port_of, raw, args.clients)
    report["tickets"] = Ticket.objects.filter(tenant_id=TENANT).count()
    report["files"] = Attachment.objects.filter(tenant_id=TENANT).count()
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    text = render(report)
    (RESULTS / f"mail-{stamp}.md").write_text(text)
    (RESULTS / f"mail-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

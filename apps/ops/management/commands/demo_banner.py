"""`make run`'s last word: once the web server answers and the demo's first mail has gone out, print
where everything is and every demo user, then stay up (honcho stops all processes when one ends)."""
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.core.management.commands.seed_demo import PASSWORD, TENANTS
from apps.core.models import StaffMembership
from apps.core.people import display_people
from apps.notifications.choices import NotificationStatus
from apps.notifications.models import Notification

OPEN = (NotificationStatus.PENDING, NotificationStatus.SENDING)


class Command(BaseCommand):
    help = "Wait for the server and the demo's first mail, then print the URLs and the demo users (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--timeout", type=float, default=120.0, help="print anyway after this many seconds")
        parser.add_argument("--no-wait", action="store_true", help="print at once and return")

    def handle(self, *args, port: int, timeout: float, no_wait: bool, **opts):
        if not no_wait:
            deadline = time.monotonic() + timeout
            self._wait_for_web(port, deadline)
            self._wait_for_mail(deadline)
        self.stdout.write(self.banner())
        self.stdout.flush()
        if not no_wait:
            threading.Event().wait()  # until honcho stops the processes

    def _wait_for_web(self, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)

    def _wait_for_mail(self, deadline: float) -> None:
        """Until no message is due and none has been added for one notification period."""
        quiet_for = settings.SCHEDULER_NOTIFY_SECONDS + 2
        last, quiet_since = None, time.monotonic()
        while time.monotonic() < deadline:
            total = Notification.objects.count()
            due = Notification.objects.filter(status__in=OPEN, next_attempt_at__lte=timezone.now()).exists()
            if due or total != last:
                last, quiet_since = total, time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_for:
                return
            time.sleep(1)

    def banner(self) -> str:
        site = settings.SITE_URL.rstrip("/")
        lines = ["", "=" * 72, "Back office is running", "",
                 f"  Admin         {site}/admin/",
                 f"  Portal        {site}/portal/   (every person: ask, follow, decide)",
                 f"  API docs      {site}/api/v1/docs   (schema: {site}/api/v1/schema)",
                 f"  Health        {site}/healthz", "",
                 f"Demo users, all with the password {PASSWORD}:",
                 f"  {'admin':<18} superuser of no tenant (picks one on the dashboard)"]
        members = list(StaffMembership.objects.filter(tenant_id__in=TENANTS).select_related("user")
                       .order_by("tenant_id", "user__username"))
        for tenant_id in TENANTS:
            mine = [m for m in members if m.tenant_id == tenant_id]
            names = display_people(tenant_id, [m.person_id for m in mine])
            for m in mine:
                lines.append(f"  {m.user.username:<18} {TENANTS[tenant_id]:<19} {', '.join(m.roles) or 'portal':<9} "
                             f"{names.get(m.person_id, m.person_id)}")
        lines += ["",
                  "Mail goes to the console one line each: `manage.py show_mail ID` prints one whole,",
                  "EMAIL_URL=consolemail:// make run prints them all. Logs show warnings and errors",
                  "(LOG_LEVEL=INFO for every request). A token for the API: see README \"Getting a token\".",
                  "=" * 72, ""]
        if not User.objects.filter(username="admin").exists():
            lines.insert(10, "  (no superuser `admin`: run `manage.py seed_demo`)")
        return "\n".join(lines)

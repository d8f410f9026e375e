import importlib

from django.apps import apps
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from apps.core.models import StaffMembership, Tenant
from apps.core.principal import Principal

TENANTS = {"acme": "Acme Corp", "globex": "Globex Corporation"}
# username suffix -> (person id suffix, roles)
STAFF = {
    "admin": ["admin"],
    "approver": ["approver"],
    "it": ["it"],
    "hr": ["hr"],
    "agent": ["agent"],
    "travel": ["travel"],
}
# username suffix -> the directory person (role key of `people`) signing in to the portal only (no staff flag)
PORTAL_PEOPLE = {"employee": "member"}
PASSWORD = "demo-pass-123"


def seed_modules():
    """Every installed app's `seed` module, in INSTALLED_APPS order (an app seeds after those it builds on),
    found through the app registry as Django's admin finds `admin` modules."""
    for config in apps.get_app_configs():
        if config.name.startswith("apps.") and module_has_submodule(config.module, "seed"):
            yield config.label, importlib.import_module(f"{config.name}.seed")


class Command(BaseCommand):
    help = "Create (idempotently) the demo tenants acme and globex with staff users and records in every domain."

    @transaction.atomic
    def handle(self, *args, **opts):
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
            self.stdout.write(f"superuser: admin / {PASSWORD}")
        for slug, name in TENANTS.items():
            tenant, _ = Tenant.objects.get_or_create(id=slug, defaults={"name": name})
            people = {}
            for role, roles in STAFF.items():
                username = f"{slug}-{role}"
                user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
                if created:
                    user.set_password(PASSWORD)
                    user.save()
                person_id = f"per_{slug}_{role}"
                StaffMembership.objects.update_or_create(user=user, defaults={"tenant": tenant, "person_id": person_id, "roles": roles})
                people[role] = person_id
            people["member"] = f"per_{slug}_member"
            people["member2"] = f"per_{slug}_member2"
            actor = Principal(person_id=people["admin"], tenant_id=slug, roles=frozenset({"admin"}), source_type="system")
            for domain, module in seed_modules():  # core first: the directory
                summary = module.seed(tenant=tenant, people=people, actor=actor)
                self.stdout.write(f"{slug}: {domain}: {summary}")
            for suffix, role in PORTAL_PEOPLE.items():
                self._portal_login(tenant, f"{slug}-{suffix}", people[role])
            self.stdout.write(f"{slug}: staff users {', '.join(f'{slug}-{r}' for r in STAFF)} / {PASSWORD}")
            self.stdout.write(f"{slug}: portal users (/portal/, also every staff user) "
                              f"{', '.join(f'{slug}-{s}' for s in PORTAL_PEOPLE)} / {PASSWORD}")
        self.stdout.write(self.style.SUCCESS("demo data ready"))

    @staticmethod
    def _portal_login(tenant, username: str, person_id: str) -> None:
        """A directory person's portal login: no staff flag (no admin), a membership without roles."""
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": False})
        if created:
            user.set_password(PASSWORD)
            user.save()
        StaffMembership.objects.update_or_create(user=user, defaults={"tenant": tenant, "person_id": person_id, "roles": []})

"""seed_demo provisions the demo directory: the demo person ids with names, managers and teams."""
import io

from django.core.management import call_command

from apps.directory.models import DirectorySettings, Group, Person
from apps.core.people import display_person


def test_seed_demo_creates_the_demo_people_and_teams(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "acme: directory: 8 people, 3 teams" in out.getvalue()
    for tenant in ("acme", "globex"):
        ids = set(Person.objects.filter(tenant_id=tenant).values_list("pk", flat=True))
        assert ids == {f"per_{tenant}_{r}" for r in ("admin", "approver", "it", "hr", "agent", "travel",
                                                     "member", "member2", "leaver")}
    member = Person.objects.get(pk="per_acme_member")
    assert (member.display_name, member.email, member.manager_id) == (
        "Max Mustermann", "max.mustermann@acme.example", "per_acme_approver")
    assert member.manager.manager_id == "per_acme_admin"
    support = Group.objects.get(pk="grp_acme_it_support")
    assert sorted(support.members.values_list("pk", flat=True)) == ["per_acme_agent", "per_acme_it"]
    assert display_person("acme", "per_acme_agent") == "Sam Carter <sam.carter@acme.example>"
    assert DirectorySettings.objects.get(tenant_id="acme").strict is False
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    # 3 teams each, and in globex the group acme's demo SCIM connector grants (apps/integration/seed_connectors.py)
    # 9 people each with the tenant's leaver (apps/lifecycle/seed.py)
    assert Person.objects.count() == 18 and Group.objects.count() == 7
    assert Group.objects.get(tenant_id="globex", display_name="Acme team chat admins")

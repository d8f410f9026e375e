"""Demo directory: a Person for each demo person id (names, emails, titles, managers) and teams."""
from apps.core.principal import Principal

from .models import Group, Person
from .services import directory_settings_set, group_create, person_create

# role -> (given name, family name, title, department, manager's role)
PEOPLE = {
    "acme": {
        "admin": ("Ada", "Lovelace", "Chief Operating Officer", "Operations", None),
        "approver": ("Grace", "Hopper", "Head of Engineering", "Engineering", "admin"),
        "it": ("Linus", "Berg", "IT Administrator", "IT", "admin"),
        "hr": ("Hannah", "Reyes", "HR Business Partner", "People", "admin"),
        "agent": ("Sam", "Carter", "Service Desk Agent", "IT", "it"),
        "travel": ("Tara", "Quinn", "Travel Coordinator", "People", "hr"),
        "member": ("Max", "Mustermann", "Software Engineer", "Engineering", "approver"),
        "member2": ("Erika", "Musterfrau", "Product Designer", "Engineering", "approver"),
    },
    "globex": {
        "admin": ("Hank", "Scorpio", "Chief Executive Officer", "Executive", None),
        "approver": ("Mindy", "Simmons", "Director of Operations", "Operations", "admin"),
        "it": ("Otto", "Mann", "Systems Engineer", "IT", "admin"),
        "hr": ("Patty", "Bouvier", "People Manager", "People", "admin"),
        "agent": ("Lenny", "Leonard", "Support Specialist", "IT", "it"),
        "travel": ("Carl", "Carlson", "Travel Desk", "People", "hr"),
        "member": ("Frank", "Grimes", "Safety Inspector", "Operations", "approver"),
        "member2": ("Lurleen", "Lumpkin", "Analyst", "Operations", "approver"),
    },
}
# team slug -> (name, member roles); ids are grp_<tenant>_<slug>
TEAMS = {
    "it_support": ("IT Support", ("it", "agent")),
    "people_ops": ("People Operations", ("hr", "travel")),
    "engineering": ("Engineering", ("approver", "member", "member2")),
}


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if Person.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    cast = PEOPLE.get(tenant.id) or PEOPLE["acme"]
    created: dict[str, Person] = {}
    for role, (given, family, title, department, manager) in cast.items():  # managers come first
        email = f"{given}.{family}@{tenant.id}.example".lower()
        person = person_create(actor=actor, data={
            "user_name": email, "display_name": f"{given} {family}", "given_name": given, "family_name": family,
            "email": email, "title": title, "department": department, "source": "seed",
            "manager": created.get(manager) if manager else None,
        }, person_id=people[role])
        created[role] = person
    for slug, (name, roles) in TEAMS.items():
        group_create(actor=actor, data={"display_name": name}, member_ids=[people[r] for r in roles],
                     group_id=f"grp_{tenant.id}_{slug}")
    directory_settings_set(actor=actor, strict=False)
    return f"{len(created)} people, {Group.objects.filter(tenant_id=tenant.id).count()} teams (directory lenient)"

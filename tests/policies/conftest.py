"""A published policy, a small directory (two teams, one inactive person, another tenant) and the
notification tests' real SMTP server."""
from dataclasses import dataclass

import pytest

from apps.core.principal import Principal
from tests.factories import GroupFactory, PersonFactory, PolicyFactory
from tests.notifications.conftest import smtp  # noqa: F401  (the aiosmtpd fixture)

HR = Principal(person_id="per_hr", tenant_id="acme", roles=frozenset({"hr"}))


@dataclass
class Directory:
    policy: object
    people: dict
    engineering: object
    sales: object
    globex_team: object


@pytest.fixture
def directory(db):
    people = {name: PersonFactory(id=f"per_{name}", user_name=f"{name}@acme.test", given_name=name.capitalize(),
                                  family_name="Acme")
              for name in ("ann", "bob", "cat", "dan", "eve")}
    people["old"] = PersonFactory(id="per_old", user_name="old@acme.test", active=False)
    engineering = GroupFactory(display_name="Engineering", members=[people["ann"], people["bob"], people["old"]])
    sales = GroupFactory(display_name="Sales", members=[people["bob"], people["cat"]])
    globex_team = GroupFactory(tenant_id="globex", display_name="Globex team",
                               members=[PersonFactory(tenant_id="globex", user_name="gil@globex.test")])
    policy = PolicyFactory(name="Acceptable use", published=True, owner_id=people["eve"].pk)
    return Directory(policy, people, engineering, sales, globex_team)

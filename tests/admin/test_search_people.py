"""A list's search finds the rows naming a person the term matches: a few people are compared by id, a
crowd (more than PEOPLE_LISTED) row by row (apps/core/admin_words.search_people). Both find the same rows."""
import pytest
from django.urls import reverse

from apps.core import admin_words
from tests.factories import OffboardingCaseFactory, PersonFactory, StaffMembershipFactory

TENANT = "acme"


@pytest.mark.parametrize("listed", [admin_words.PEOPLE_LISTED, 1], ids=["by id", "a crowd"])
def test_a_search_finds_the_rows_naming_the_people_it_matches(client, db, monkeypatch, listed):
    monkeypatch.setattr(admin_words, "PEOPLE_LISTED", listed)
    erika, max_ = (PersonFactory(tenant_id=TENANT, given_name=g, family_name="Mustermann") for g in ("Erika", "Max"))
    other = PersonFactory(tenant_id=TENANT, given_name="Otto", family_name="Normal")
    theirs = PersonFactory(tenant_id="globex", given_name="Eva", family_name="Mustermann")
    named = {OffboardingCaseFactory(tenant_id=TENANT, person_id=p.pk).pk for p in (erika, max_)}
    OffboardingCaseFactory(tenant_id=TENANT, person_id=other.pk)
    OffboardingCaseFactory(tenant_id=TENANT, person_id=theirs.pk)  # an id of another tenant's person
    client.force_login(StaffMembershipFactory(tenant_id=TENANT, roles=["admin"]).user)
    page = client.get(reverse("admin:lifecycle_offboardingcase_changelist") + "?q=mustermann")
    assert page.status_code == 200
    assert {case.pk for case in page.context["cl"].result_list} == named

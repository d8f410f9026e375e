"""Another person's or another tenant's record is a 404 on every portal URL that names one, read or
write; every page answers within 10 queries whatever the history; POSTs need the CSRF token."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_step_approve
from apps.directory.models import Person
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_comment_create
from apps.operations.models import AccessRequest
from apps.policies.campaign_models import AcknowledgementCampaign
from apps.policies.models import Policy
from apps.portal.views.ask import file_record
from apps.portal import records

from .conftest import login_user

NOW = timezone.now()


def _data(kind: str, world, person: str) -> dict:
    if kind == "access":
        ent = world.entitlement
        return {"entitlement": ent, "system_id": ent.system_id, "entitlement_type": ent.name, "access_type": "new",
                "justification": "j", "requester_id": person}
    return {
        "equipment": {"equipment_type": "Laptop", "specification": "s", "requester_id": person},
        "travel": {"destination": "Oslo", "purpose": "p", "departure_at": NOW + timedelta(days=3),
                   "return_at": NOW + timedelta(days=4), "requester_id": person},
        "hr": {"type": "certificate", "description": "d", "requester_id": person},
        "ticket": {"title": "t", "description": "d", "submitted_by_id": person},
    }[kind]


def file_all(world, tenant: str, person: str) -> dict[str, object]:
    actor = Principal(person_id=person, tenant_id=tenant, source_type="frontend")
    out = {}
    for slug, kind in records.KINDS.items():
        data = _data(slug, world, person)
        if slug == "access" and tenant != "acme":
            ent = world.globex_entitlement
            data |= {"entitlement": ent, "system_id": ent.system_id, "entitlement_type": ent.name}
        out[slug] = file_record(actor=actor, kind=slug, data=data)
    return out


def portal_routes_with_ids():
    resolver = get_resolver()
    names = []
    for pattern in resolver.reverse_dict.keys():
        if isinstance(pattern, str) and pattern.startswith("portal:"):
            names.append(pattern)
    return names


ROUTES = [  # (name, method, kwargs builder) — every portal URL naming a record
    ("portal:request", "get", lambda kind, obj: {"kind": kind, "record_id": obj.pk}),
    ("portal:withdraw", "post", lambda kind, obj: {"kind": kind, "record_id": obj.pk}),
    ("portal:renew", "post", lambda kind, obj: {"record_id": obj.pk}),
    ("portal:reply", "post", lambda kind, obj: {"record_id": obj.pk}),
    ("portal:file", "get", lambda kind, obj: {"kind": kind, "record_id": obj.pk, "attachment_id": "att_none"}),
    ("portal:team_request", "get", lambda kind, obj: {"kind": kind, "record_id": obj.pk}),  # not a report of theirs
]


def test_the_matrix_covers_every_portal_route_naming_a_record():
    from apps.portal.urls import urlpatterns

    with_ids = {f"portal:{p.name}" for p in urlpatterns if "record_id" in str(p.pattern)}
    assert with_ids == {name for name, *_ in ROUTES}


@pytest.mark.parametrize("owner", ["other person", "other tenant"])
@pytest.mark.parametrize("route", ROUTES, ids=[r[0] for r in ROUTES])
def test_another_persons_or_tenants_records_are_404_everywhere(client, world, as_user, owner, route):
    name, method, kwargs = route
    theirs = file_all(world, "acme", "per_other") if owner == "other person" else file_all(world, "globex", "per_gx")
    as_user(world.employee)
    for kind, obj in theirs.items():
        if name == "portal:renew" and kind != "access" or name == "portal:reply" and kind != "ticket":
            continue
        url = reverse(name, kwargs=kwargs(kind, obj))
        response = getattr(client, method)(url, {"body": "x", "reason": "x"})
        assert response.status_code == 404, (url, response.status_code)
    assert not AccessRequest.all_objects.filter(is_deleted=True).exists()


def test_decision_and_policy_pages_of_another_tenant_or_person_are_404(client, world, as_user):
    theirs = file_all(world, "acme", "per_other")
    step = ApprovalStep.objects.get(approval_request__entity_id=theirs["access"].pk, step_index=0)
    as_user(world.approver2)  # not (yet) theirs to decide
    assert client.get(f"/portal/waiting/{step.pk}/").status_code == 404
    assert client.post(f"/portal/waiting/{step.pk}/", {"decision": "approve"}).status_code == 404
    policy = Policy.objects.create(tenant_id="globex", name="Globex code", status="published", body="x")
    as_user(world.employee)
    assert client.get(f"/portal/policies/{policy.pk}/").status_code == 404
    assert client.post(f"/portal/policies/{policy.pk}/", {"read": "yes"}).status_code == 404


def test_posts_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.employee)
    mine = file_all(world, "acme", "per_emp")
    for url in ("/portal/ask/equipment/", f"/portal/requests/hr/{mine['hr'].pk}/withdraw/",
                f"/portal/tickets/{mine['ticket'].pk}/reply/", "/portal/logout/"):
        assert client.post(url, {}).status_code == 403, url


def history(world, n: int):
    """n records of every kind for the employee, each access request with its two approval steps,
    half of them approved by the approvers, tickets with conversations; n steps for approver 1."""
    grace = Principal(person_id="per_ap1", tenant_id="acme", roles=frozenset({"approver"}), source_type="frontend")
    for i in range(n):
        mine = file_all(world, "acme", "per_emp")
        file_all(world, "acme", "per_other")  # Grace's queue grows too
        if i % 2:
            step = ApprovalStep.objects.get(approval_request__entity_id=mine["access"].pk, step_index=0)
            approval_step_approve(actor=grace, approval_step=step, comment="ok")
        agent = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"agent"}), source_type="backend")
        ticket_comment_create(actor=agent, ticket=mine["ticket"], body=f"answer {i}")


PAGES = ["/portal/", "/portal/requests/", "/portal/requests/?kind=access", "/portal/ask/", "/portal/ask/access/",
         "/portal/ask/travel/", "/portal/access/", "/portal/tickets/", "/portal/waiting/", "/portal/notifications/",
         "/portal/equipment/", "/portal/ask/revoke/"]


@pytest.mark.parametrize("n", [1, 12])
def test_every_page_costs_at_most_ten_queries_whatever_the_history(client, world, as_user, n,
                                                                   django_assert_max_num_queries):
    history(world, n)
    Person.objects.filter(pk__in=["per_emp", "per_other"]).update(manager_id="per_ap1")  # Grace manages both
    policy = Policy.objects.create(tenant_id="acme", name="Code of conduct", status="published", body="# Be kind")
    AcknowledgementCampaign.objects.create(tenant_id="acme", policy=policy, version=policy.version, status="open",
                                           due_at=NOW + timedelta(days=7))
    last = AccessRequest.objects.filter(requester_id="per_emp").latest("created_at")
    ticket = records.owned(records.KINDS["ticket"], Principal(person_id="per_emp", tenant_id="acme"), deleted=False).first()
    for user, pages in ((world.employee, PAGES + [f"/portal/requests/access/{last.pk}/",
                                                  f"/portal/requests/ticket/{ticket.pk}/",
                                                  f"/portal/policies/{policy.pk}/"]),
                        (world.approver1, ["/portal/waiting/", "/portal/", "/portal/team/",
                                           f"/portal/team/access/{last.pk}/"])):
        as_user(user)
        for url in pages:
            with django_assert_max_num_queries(10):
                response = client.get(url)
            assert response.status_code == 200, url
    step = ApprovalStep.objects.filter(approval_request__entity_id__in=AccessRequest.objects.filter(
        requester_id="per_other").values("pk"), step_index=0, status="pending").first()
    with django_assert_max_num_queries(10):
        assert client.get(f"/portal/waiting/{step.pk}/").status_code == 200


def _pages_without_ids():
    from apps.portal.urls import urlpatterns

    skip = {"login", "logout", "invitation", "language"}  # language: a POST (Django's set_language)
    out = []
    for p in urlpatterns:
        route = str(p.pattern)
        if p.name in skip or "<" in route and p.name != "ask_form":
            continue
        if p.name == "ask_form":
            out += [f"/portal/ask/{kind}/" for kind in records.KINDS]
        else:
            out.append(f"/portal/{route}")
    return out


@pytest.mark.parametrize("who", ["employee", "approver1", "it", "foreign"])
def test_every_page_answers_every_person_whatever_their_roles_and_strangers_go_to_the_login(client, world, as_user, who):
    pages = _pages_without_ids()
    assert len(pages) >= 10
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/portal/login/?next="), url
    as_user(getattr(world, who))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (who, url)
        assert "<script" not in response.content.decode()

"""One tenant of a given size for the scale checks: people, groups, tickets, approval requests and
their steps, access requests, as a growing organisation has them (more rows, more people: a member's
own rows stay about the same in number whatever the tenant's size).

Built like the admin bench's data (tests/bench/admin_data.py, whose `column_sql` fills every column
nobody names here): one template row per model from its factory, copied in SQL (`INSERT … SELECT …
generate_series`) with the columns that make the distribution overridden. Used by the EXPLAIN tests
(tests/scale, a few thousand rows) and by `make bench`'s scale section (10k and 1M rows).

Copy g (1…rows) of a tenant whose tag is `s1`:
- people: `per_s1<g>`, one per PEOPLE_EVERY rows, each in one of the groups (`grp_s1<k>`, 50 people a group);
- tickets: submitted by and created by person g mod P, assigned to person 7g mod P; statuses in turn;
  running ones with SLA clocks due days ahead (nothing due: the sweeps' empty pass);
- approval requests: requested by person g mod P; one step each, approver person 3g mod P (one in 50
  a group step of group g mod G, one in 40 delegated to person 11g mod P); one step in 5 pending;
- access requests: requester person g mod P; one in 10 provisioned with an expiry `due_expired` of them in the past.
"""
import time

from django.db import connection

PEOPLE_EVERY = 20  # rows per person: 10k rows → 500 people, 1M → 50,000 (the 150k/50k ratio, rounded)
GROUP_SIZE = 50
ID_DIGITS = 20


def person_count(rows: int, every: int = PEOPLE_EVERY) -> int:
    return max(10, rows // every)


def sql_id(prefix: str, tag: str, g: str = "g") -> str:
    return f"'{prefix}_{tag}' || lpad(({g})::text, {ID_DIGITS}, '0')"


def person_id(tag: str, n: int) -> str:
    """The id of generated person n (0-based, as `mod(…, P)` gives it)."""
    return f"per_{tag}{n + 1:0{ID_DIGITS}d}"


def _person_sql(tag: str, people: int, expr: str) -> str:
    return sql_id("per", tag, f"mod({expr}, {people}) + 1")


def copy(model, template_pk: str, *, tenant: str, tag: str, prefix: str, start: int, end: int, rows: int,
         overrides: dict[str, str], batch: int = 100_000) -> None:
    """Copies start…end of the template row, `overrides` {column: SQL of g} over admin_data's defaults."""
    from .admin_data import column_sql
    from apps.core.fsm import state_field

    state = state_field(model)
    choices = [v for v, _ in state.choices] if state is not None and state.choices else []
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.column in overrides:
            sql = overrides[field.column]
        elif field.primary_key:
            sql = sql_id(prefix, tag)
        elif field.name == "tenant_id":
            sql = f"'{tenant}'"
        else:
            sql = column_sql(model, field, prefixes={}, rows=rows, status_choices=choices)
        if sql is not None:
            columns.append(f'"{field.column}"')
            exprs.append(sql)
    table, pk = model._meta.db_table, model._meta.pk.column
    for lo in range(start, end + 1, batch):
        hi = min(end, lo + batch - 1)
        with connection.cursor() as cur:
            cur.execute(f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(exprs)} FROM "{table}" t'
                        f' CROSS JOIN generate_series(%s::bigint, %s::bigint) g WHERE t."{pk}" = %s', [lo, hi, template_pk])


def build_tenant(tenant: str, tag: str, rows: int, *, have: int = 0, due_expired: int = 0,
                 people_every: int = PEOPLE_EVERY) -> dict:
    """Tops `tenant` up from `have` to `rows` rows per table (tickets, requests, steps, access requests)."""
    from apps.approvals.models import ApprovalRequest, ApprovalStep
    from apps.directory.models import Group, Person
    from apps.helpdesk.models import Ticket
    from apps.operations.models import AccessRequest
    from tests.factories.directory import GroupFactory, PersonFactory
    from tests.factories.helpdesk import TicketFactory
    from tests.factories.operations import AccessRequestFactory
    from tests.factories.approvals import ApprovalStepFactory

    t0 = time.perf_counter()
    if rows <= have:
        return {"rows": rows, "seconds": 0.0}
    people = person_count(rows, people_every)
    groups = max(1, people // GROUP_SIZE)
    person = Person.all_objects.filter(tenant_id=tenant, id=f"per_{tag}template").first() or PersonFactory(
        tenant_id=tenant, id=f"per_{tag}template")
    group = Group.all_objects.filter(tenant_id=tenant, id=f"grp_{tag}template").first() or GroupFactory(
        tenant_id=tenant, id=f"grp_{tag}template", members=[person])
    ticket = Ticket.all_objects.filter(tenant_id=tenant, id=f"tkt_{tag}template").first() or TicketFactory(
        tenant_id=tenant, id=f"tkt_{tag}template", submitted_by_id=person.pk)
    step = ApprovalStep.all_objects.filter(tenant_id=tenant, id=f"aps_{tag}template").first() or ApprovalStepFactory(
        tenant_id=tenant, id=f"aps_{tag}template", approver_id=person.pk,
        approval_request__id=f"apr_{tag}template", approval_request__requested_by_id=person.pk)
    access = AccessRequest.all_objects.filter(tenant_id=tenant, id=f"acr_{tag}template").first() or AccessRequestFactory(
        tenant_id=tenant, id=f"acr_{tag}template", requester_id=person.pk)
    had_people = person_count(have, people_every) if have else 0
    common = {"tenant": tenant, "tag": tag, "rows": rows}
    copy(Person, person.pk, prefix="per", start=had_people + 1, end=people, **common, overrides={
        "external_id": f"'ext-{tag}-' || g", "active": "true", "is_deleted": "false"})
    had_groups = max(1, had_people // GROUP_SIZE) if have else 0
    copy(Group, group.pk, prefix="grp", start=had_groups + 1, end=groups, **common, overrides={"is_deleted": "false"})
    with connection.cursor() as cur:  # person g in group g mod G (the people added now)
        cur.execute(f"INSERT INTO core_group_members (group_id, person_id) SELECT {sql_id('grp', tag, f'mod(g, {groups}) + 1')},"
                    f" {sql_id('per', tag)} FROM generate_series(%s::bigint, %s::bigint) g", [had_people + 1, people])
    turn = f"(g + g / {people})"  # states in turn along each person's rows too (mod(g, 5) alone is constant for one)
    status = f"(ARRAY['new','open','pending','resolved','closed'])[1 + mod({turn}, 5)]"
    copy(Ticket, ticket.pk, prefix="tkt", start=have + 1, end=rows, **common, overrides={
        "number": f"'T-{tag}-' || g", "status": status, "is_deleted": "false",
        "submitted_by_id": _person_sql(tag, people, "g"), "created_by": _person_sql(tag, people, "g"),
        "assigned_to_id": _person_sql(tag, people, "7 * g"), "sla_state": "'ok'",
        # running clocks due well ahead: the sweeps have nothing to do
        "first_response_warn_at": "now() + interval '30 days'", "resolution_warn_at": "now() + interval '40 days'",
        "first_response_due_at": "now() + interval '31 days'", "due_at": "now() + interval '41 days'",
        "first_response_warned_at": "NULL", "first_response_breached_at": "NULL",
        "resolution_warned_at": "NULL", "resolution_breached_at": "NULL"})
    copy(ApprovalRequest, step.approval_request_id, prefix="apr", start=have + 1, end=rows, **common, overrides={
        "requested_by_id": _person_sql(tag, people, "g"), "created_by": _person_sql(tag, people, "g"),
        "status": f"(CASE WHEN mod({turn}, 5) = 0 THEN 'pending' ELSE (ARRAY['approved','rejected','cancelled'])[1 + mod(g, 3)] END)",
        "total_steps": "1", "due_at": "now() + interval '30 days'", "is_deleted": "false"})
    copy(ApprovalStep, step.pk, prefix="aps", start=have + 1, end=rows, **common, overrides={
        "approval_request_id": sql_id("apr", tag), "step_index": "0", "is_deleted": "false",
        "approver_id": f"(CASE WHEN mod(g, 50) = 0 THEN '' ELSE {_person_sql(tag, people, '3 * g')} END)",
        "approver_group_id": f"(CASE WHEN mod(g, 50) = 0 THEN {sql_id('grp', tag, f'mod(g, {groups}) + 1')} END)",
        "delegated_to_id": f"(CASE WHEN mod(g, 40) = 0 THEN {_person_sql(tag, people, '11 * g')} END)",
        "delegated": "(mod(g, 40) = 0)",
        "status": f"(CASE WHEN mod({turn}, 5) = 0 THEN 'pending' ELSE 'approved' END)"})
    copy(AccessRequest, access.pk, prefix="acr", start=have + 1, end=rows, **common, overrides={
        "requester_id": _person_sql(tag, people, "g"), "created_by": _person_sql(tag, people, "g"), "is_deleted": "false",
        "status": "(CASE WHEN mod(g, 10) = 0 THEN 'provisioned' ELSE 'rejected' END)",
        "expires_at": f"(CASE WHEN mod(g, 10) <> 0 THEN NULL WHEN g <= {have + due_expired * 10}"
                      " THEN now() - interval '1 day' ELSE now() + interval '90 days' END)"})
    return {"rows": rows, "people": people, "groups": groups, "seconds": round(time.perf_counter() - t0, 2)}


def analyze(*, vacuum: bool = False) -> None:
    """Statistics for the planner; `vacuum` (outside a transaction) also merges the GIN indexes' pending
    lists, which a search otherwise reads row by row until autovacuum gets to them."""
    from apps.approvals.models import ApprovalRequest, ApprovalStep
    from apps.directory.models import Group, Person
    from apps.helpdesk.models import Ticket
    from apps.operations.models import AccessRequest

    verb = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cur:
        for model in (Person, Group, Ticket, ApprovalRequest, ApprovalStep, AccessRequest):
            cur.execute(f'{verb} "{model._meta.db_table}"')
        cur.execute(f'{verb} "core_group_members"')

"""Walks one ModelAdmin as one user and reports every page that breaks the admin's contract.

Pages: changelist, each list filter choice, search, add, change, history and delete of a record
the user may see, of one of their tenant they may not see, and of another tenant's; every
transition button the change page offers; every bulk action. Contract: no 5xx; 200/403/404 as
the user's roles say (302 to the login page when signed out); no id of another tenant's record
in any page a tenant's user (or a superuser looking at one tenant) gets. Delete is expected where
the model's write roles and its field policy (the record's state, this user) allow it; a record
the policy keeps from the user has no Delete button, a 403 delete page, and survives a confirmed
bulk delete. The saved-filter form refuses a query the list does not take (a redirect, no row).
"""
from dataclasses import dataclass, field

from django.contrib.admin.utils import quote
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from apps.core.admin_scope import is_unbound_superuser, principal_for
from apps.core.fsm import transitions_of
from apps.core.models import TenantModel

HOME, AWAY = "acme", "globex"
FILTER_CHOICES_PER_FILTER = 1


@dataclass
class Report:
    label: str
    signed_in: bool
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    kept: int = 0  # records the field policy keeps from this user, checked

    def expect(self, what: str, response, allowed: set[int], foreign: set[str] | None = None) -> None:
        self.pages += 1
        status = response.status_code
        if status >= 500 or status not in allowed:
            self.problems.append(f"{what}: {status}, expected {sorted(allowed)}")
            return
        if status == 302 and not self.signed_in and "/login/" not in response["Location"]:
            self.problems.append(f"{what}: redirected to {response['Location']}, not to the login page")
        if foreign and status == 200 and not getattr(response, "streaming", False):
            html = response.content.decode(errors="replace")
            leaked = sorted(i for i in foreign if i in html)
            if leaked:
                self.problems.append(f"{what}: shows another tenant's ids {leaked[:5]}")


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request


def _has_tenant(model) -> bool:
    return any(f.name == "tenant_id" for f in model._meta.concrete_fields)


def _records(model_admin, request):
    """(one the user may see in their tenant, one of their tenant they may not, one of the other tenant)."""
    model = model_admin.model
    if not _has_tenant(model):
        seen = model_admin.get_queryset(request).first() if request.user.is_authenticated else None
        return seen, None, None
    manager = model.objects if issubclass(model, TenantModel) else model._default_manager
    home = manager.filter(tenant_id=HOME).order_by("pk")
    away = manager.filter(tenant_id=AWAY).order_by("pk").first()
    principal = principal_for(request) if request.user.is_authenticated else None
    if is_unbound_superuser(request):
        return home.first(), None, away
    if principal is None:
        return None, home.first(), away
    # What the API would show this caller; the admin must agree.
    visible = manager.visible_to(principal) if issubclass(model, TenantModel) else model_admin.get_queryset(request)
    return visible.order_by("pk").first(), home.exclude(pk__in=visible.values("pk")).first(), away


def _snapshot(obj):
    return None if obj is None else type(obj)._base_manager.filter(pk=obj.pk).values().first()


def check_model_admin(client, site, model_admin, user, foreign_ids: set[str]) -> Report:
    model = model_admin.model
    opts = model._meta
    signed_in = user is not None
    report = Report(f"{opts.label} as {getattr(user, 'username', 'anonymous')}", signed_in)
    request = admin_request(user)
    superuser = signed_in and is_unbound_superuser(request)
    # A superuser of no tenant sees every tenant: the leak check applies where they look at one.
    leak = set() if superuser else foreign_ids
    url = lambda view, *args: reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args)  # noqa: E731

    def allowed(permitted: bool) -> set[int]:
        if not signed_in:
            return {302}
        return {200} if permitted else {403}

    may_view = signed_in and (model_admin.has_view_permission(request) or model_admin.has_change_permission(request))
    _check_model_rule(report, model_admin, request)

    changelist = url("changelist")
    listing = client.get(changelist)
    report.expect("changelist", listing, allowed(may_view), leak)
    if superuser and _has_tenant(model):
        report.expect("changelist of one tenant", client.get(changelist, {"tenant_id__exact": HOME}), {200},
                      foreign_ids)
    if listing.status_code == 200:
        for query in _filter_queries(listing):
            report.expect(f"filter {query}", client.get(changelist + query), {200}, leak)
        if model_admin.search_fields:
            for term in ("a",):
                report.expect(f"search {term!r}", client.get(changelist, {"q": term}), {200}, leak)

    may_add = signed_in and model_admin.has_add_permission(request)
    add_query = {"tenant": HOME} if superuser else {}
    report.expect("add", client.get(url("add"), add_query), allowed(may_add), foreign_ids if signed_in else None)

    seen, hidden, away = _records(model_admin, request)
    if seen is not None:
        may_delete = signed_in and policy_may_delete(model_admin, request, seen)
        if signed_in and model_admin.has_delete_permission(request, seen) != may_delete:
            report.problems.append(f"delete permission of {seen.pk} disagrees with the field policy")
        change = client.get(url("change", seen.pk))
        report.expect("change (visible record)", change, allowed(may_view), foreign_ids if signed_in else None)
        report.expect("history (visible record)", client.get(url("history", seen.pk)), allowed(may_view),
                      foreign_ids if signed_in else None)
        report.expect("delete page (visible record)", client.get(url("delete", seen.pk)), allowed(may_delete),
                      foreign_ids if signed_in else None)
        if change.status_code == 200 and change.context is not None:
            _check_transitions(report, client, change.context.get("fsm_transitions") or [], url, seen)
    for what, obj in (("record of the same tenant it may not see", hidden), ("another tenant's record", away)):
        if obj is None:
            continue
        before = _snapshot(obj)
        outside = {302} if not signed_in else {200} if superuser else {404} if may_view else {403, 404}
        may_delete = policy_may_delete(model_admin, request, obj) if signed_in else True
        no_delete = outside if may_delete else {403} if superuser else {403, 404}
        report.expect(f"change ({what})", client.get(url("change", obj.pk)), outside, leak)
        report.expect(f"history ({what})", client.get(url("history", obj.pk)), outside, leak)
        report.expect(f"delete page ({what})", client.get(url("delete", obj.pk)), no_delete, leak)
        if not superuser:
            for name in [t.name for t in transitions_of(model).values() if t.exposed][:3]:
                response = client.post(url("transition", obj.pk, name), {"comment": "matrix"})
                report.expect(f"transition {name} ({what})", response, {302} if not signed_in else {403, 404})
        if _snapshot(obj) != before:
            report.problems.append(f"{what} changed by GET pages or refused transitions")

    if listing.status_code == 200:
        _check_actions(report, client, model_admin, request, changelist, seen, away if not superuser else None)
        _check_policy_keeps(report, client, model_admin, request, url)
        _check_saved_filter_refusal(report, client, model_admin, request, url)
    return report


def policy_may_delete(model_admin, request, obj) -> bool:
    """What the model declares, not what the admin answers: its write roles (the admin's delete right
    without a record, checked against them in _check_model_rule), then its field policy for this user
    in the record's state."""
    if not request.user.is_authenticated or not model_admin.has_delete_permission(request):
        return False
    policy = getattr(model_admin.model, "field_policy", None)
    principal = principal_for(request, obj)
    return policy is None or principal is None or policy.may_delete(obj, principal)


def _kept_record(model_admin, request):
    """A record of the user's tenant they may see and their roles may delete, but the field policy keeps."""
    model = model_admin.model
    if getattr(model, "field_policy", None) is None or not model_admin.has_delete_permission(request):
        return None
    rows = model_admin.get_queryset(request)
    if _has_tenant(model):
        rows = rows.filter(tenant_id=HOME)
    for obj in rows.order_by("pk")[:200]:
        if not policy_may_delete(model_admin, request, obj):
            return obj
    return None


def _check_policy_keeps(report: Report, client, model_admin, request, url) -> None:
    obj = _kept_record(model_admin, request)
    if obj is None:
        return
    report.kept += 1
    before = _snapshot(obj)
    change = client.get(url("change", obj.pk))
    report.expect(f"change (record the policy keeps, {obj.pk})", change, {200})
    if change.status_code == 200 and url("delete", quote(obj.pk)) in change.content.decode():
        report.problems.append(f"change page of {obj.pk} offers Delete, which the field policy forbids")
    report.expect(f"delete page (record the policy keeps, {obj.pk})", client.get(url("delete", obj.pk)), {403})
    report.expect(f"delete POST (record the policy keeps, {obj.pk})",
                  client.post(url("delete", obj.pk), {"post": "yes"}), {403})
    response = client.post(url("changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    report.expect(f"bulk delete (record the policy keeps, {obj.pk})", response, {200, 302})
    if _snapshot(obj) != before:
        report.problems.append(f"{obj.pk}, which the field policy keeps, was changed by a delete")


def _check_saved_filter_refusal(report: Report, client, model_admin, request, url) -> None:
    from apps.core.admin_base import TenantAdmin
    from apps.core.saved_filters import SavedFilter

    if not isinstance(model_admin, TenantAdmin):
        return
    before = SavedFilter.objects.count()
    response = client.post(url("saved_filter_save"), {"name": "matrix", "query": "no_such_param=1&p=2"})
    expected = {403} if is_unbound_superuser(request) or principal_for(request) is None else {302}
    report.expect("save a filter the list does not take", response, expected)
    if SavedFilter.objects.count() != before:
        report.problems.append("a saved filter with a parameter the list does not take was stored")


def _check_model_rule(report: Report, model_admin, request) -> None:
    """The admin never lets a role write what the model's `write_roles` (the API's rule) forbids."""
    model = model_admin.model
    if not issubclass(model, TenantModel) or not request.user.is_authenticated or is_unbound_superuser(request):
        return
    principal = principal_for(request)
    model_allows = principal is not None and (model.write_roles is None or principal.has_role(*model.write_roles))
    for name, granted in (("add", model_admin.has_add_permission(request)),
                          ("change", model_admin.has_change_permission(request)),
                          ("delete", model_admin.has_delete_permission(request))):
        if granted and not model_allows:
            report.problems.append(f"{name} allowed in the admin but not by {model.__name__}.write_roles")


def _filter_queries(listing) -> list[str]:
    queries = []
    cl = listing.context.get("cl") if listing.context is not None else None
    for spec in getattr(cl, "filter_specs", []):
        choices = [c for c in spec.choices(cl) if isinstance(c, dict) and c.get("query_string")
                   and not c.get("selected")]
        queries += [c["query_string"] for c in choices[:FILTER_CHOICES_PER_FILTER]]
    return list(dict.fromkeys(queries))


def _check_transitions(report: Report, client, transitions: list[dict], url, obj) -> None:
    for transition in transitions:
        response = client.post(url("transition", obj.pk, transition["name"]), {"comment": "matrix"})
        report.expect(f"transition button {transition['name']}", response, {302})


def _check_actions(report: Report, client, model_admin, request, changelist, seen, away) -> None:
    before = _snapshot(away)
    for name in model_admin.get_actions(request):
        if seen is not None:
            response = client.post(changelist, {"action": name, "_selected_action": [seen.pk]})
            report.expect(f"bulk action {name}", response, {200, 302})
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        if away is not None:
            response = client.post(changelist, {"action": name, "_selected_action": [away.pk]})
            report.expect(f"bulk action {name} (another tenant's record)", response, {200, 302}, report_ids(away))
            if getattr(response, "streaming", False) and away.pk.encode() in b"".join(response.streaming_content):
                report.problems.append(f"bulk action {name} exported another tenant's record")
    if away is not None and _snapshot(away) != before:
        report.problems.append("bulk actions changed another tenant's record")


def report_ids(obj) -> set[str]:
    return {str(obj.pk)} if isinstance(obj.pk, str) else set()


def registered_admins(site) -> list:
    return sorted(site._registry.values(), key=lambda a: a.model._meta.label)


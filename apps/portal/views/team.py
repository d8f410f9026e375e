"""My team: a manager follows their reports' requests in progress and the access they hold, and
opens one request's timeline (read-only: deciding stays with the approvers, in Waiting for me)."""
from django.shortcuts import render

from apps.core.titles import name_of

from .. import records, team
from ..access import portal_view


@portal_view
def my_team(request):
    actor = request.actor
    grants = team.team_access(actor)
    holders = {g.principal_id or g.requester_id for g in grants}
    rows, people = team.team_requests(actor, also_people=holders)
    for grant in grants:
        holder = grant.principal_id or grant.requester_id
        grant.holder_name = name_of(people.get(holder, holder))
    return render(request, "portal/team.html", {"rows": rows, "grants": grants,
                                                "has_reports": bool(rows or grants) or team.has_reports(actor)})


@portal_view
def report_request(request, kind: str, record_id: str):
    actor = request.actor
    kind_, obj = team.report_record(actor, kind, record_id)
    moments, people = records.timeline(actor, kind_, obj, also_people={obj.requester_id})
    words = records.variant_of(kind_.slug, getattr(obj, "access_type", ""))
    waiting = None if obj.is_deleted else next(
        (m.what for m in moments if m.state == "waiting"), records.next_hand(words, obj.status))
    return render(request, "portal/request_detail.html", {
        "kind": kind_, "obj": obj, "title": records.title_of(kind_, obj), "moments": moments, "waiting": waiting,
        "state": records.state_words(words, obj.status, obj.is_deleted),
        "for_person": name_of(people.get(obj.requester_id, obj.requester_id)), "team_view": True,
    })

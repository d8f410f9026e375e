from django.urls import path
from django.views.i18n import set_language

from .views import answer, ask, auth, follow, notifications, reviews, team, tickets

app_name = "portal"
urlpatterns = [
    path("", follow.home, name="home"),
    path("login/", auth.PortalLoginView.as_view(), name="login"),
    path("logout/", auth.portal_logout, name="logout"),
    path("invitation/<uidb64>/<token>/", auth.InvitationView.as_view(), name="invitation"),
    path("requests/", follow.my_requests, name="requests"),
    path("requests/<slug:kind>/<str:record_id>/", follow.request_detail, name="request"),
    path("requests/<slug:kind>/<str:record_id>/withdraw/", follow.withdraw, name="withdraw"),
    path("requests/<slug:kind>/<str:record_id>/files/<str:attachment_id>/", follow.download, name="file"),
    path("ask/", ask.catalog, name="ask"),
    path("ask/<slug:kind>/", ask.ask, name="ask_form"),
    path("access/", ask.my_access, name="access"),
    path("equipment/", follow.my_equipment, name="equipment"),
    path("access/<str:record_id>/renew/", ask.renew, name="renew"),
    path("tickets/", tickets.my_tickets, name="tickets"),
    path("tickets/<str:record_id>/reply/", tickets.reply, name="reply"),
    path("waiting/", answer.waiting, name="waiting"),
    path("waiting/<str:step_id>/", answer.decide, name="decide"),
    path("policies/<str:policy_id>/", answer.acknowledge, name="acknowledge"),
    path("notifications/", notifications.preferences, name="notifications"),
    path("language/", set_language, name="language"),  # Django's: a POST, back to a safe `next`
    path("team/", team.my_team, name="team"),
    path("team/<slug:kind>/<str:record_id>/", team.report_request, name="team_request"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<str:item_id>/", reviews.review, name="review"),
    path("reviews/campaigns/<str:campaign_id>/keep-low-risk/", reviews.keep_low_risk, name="keep_low_risk"),
]

from django.urls import path

from .views import answer, ask, auth, follow, tickets

app_name = "portal"
urlpatterns = [
    path("", follow.home, name="home"),
    path("login/", auth.PortalLoginView.as_view(), name="login"),
    path("logout/", auth.portal_logout, name="logout"),
    path("invitation/<uidb64>/<token>/", auth.InvitationView.as_view(), name="invitation"),
    path("requests/", follow.my_requests, name="requests"),
    path("requests/<slug:kind>/<str:record_id>/", follow.request_detail, name="request"),
    path("requests/<slug:kind>/<str:record_id>/withdraw/", follow.withdraw, name="withdraw"),
    path("ask/", ask.catalog, name="ask"),
    path("ask/<slug:kind>/", ask.ask, name="ask_form"),
    path("access/", ask.my_access, name="access"),
    path("access/<str:record_id>/renew/", ask.renew, name="renew"),
    path("tickets/", tickets.my_tickets, name="tickets"),
    path("tickets/<str:record_id>/reply/", tickets.reply, name="reply"),
    path("waiting/", answer.waiting, name="waiting"),
    path("waiting/<str:step_id>/", answer.decide, name="decide"),
    path("policies/<str:policy_id>/", answer.acknowledge, name="acknowledge"),
]

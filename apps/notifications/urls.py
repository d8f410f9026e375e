from django.db import transaction
from django.urls import path

from apps.reviews import link_views as review_views

from . import views

app_name = "notifications"
# Each view manages its own transaction (a decision is one, through the approvals services).
urlpatterns = [
    path("decide/<str:token>", transaction.non_atomic_requests(views.decide), name="decide"),
    path("unsubscribe/<str:token>", transaction.non_atomic_requests(views.unsubscribe), name="unsubscribe"),
    path("acknowledge/<str:token>", transaction.non_atomic_requests(views.acknowledge), name="acknowledge"),
    path("review/<str:token>", transaction.non_atomic_requests(review_views.review), name="review"),
    path("preferences/<str:token>", transaction.non_atomic_requests(views.preferences), name="preferences"),
]

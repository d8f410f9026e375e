from django.db import transaction
from django.urls import path

from .views import ProviderCallbackView, ProviderSignInView

app_name = "signin"
# No request-wide transaction: the callback waits on the provider's token and userinfo calls, and
# services.staff_sign_in is the one transaction of the sign-in.
urlpatterns = [
    path("callback/", transaction.non_atomic_requests(ProviderCallbackView.as_view()), name="oidc_callback"),
    path("<slug:tenant>/authenticate/", transaction.non_atomic_requests(ProviderSignInView.as_view()),
         name="oidc_authenticate"),
]

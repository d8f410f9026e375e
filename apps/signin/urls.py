from django.urls import path

from .views import ProviderCallbackView, ProviderSignInView

app_name = "signin"
urlpatterns = [
    path("callback/", ProviderCallbackView.as_view(), name="oidc_callback"),
    path("<slug:tenant>/authenticate/", ProviderSignInView.as_view(), name="oidc_authenticate"),
]

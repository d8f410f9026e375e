from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "apps.signin"
    label = "signin"
    verbose_name = "Sign-in"

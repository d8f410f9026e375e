from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "apps.signin"
    label = "signin"
    verbose_name = "Sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from apps.core.admin_scope import mark_signed_in

        # When a session signed in: approval decisions may require a fresh one (DirectorySettings).
        user_logged_in.connect(mark_signed_in, dispatch_uid="signin.mark_signed_in")

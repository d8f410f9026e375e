"""Notification settings writes (apps/core/actions.py); the functions live in services.py."""
from apps.core.actions import Actions

from .models import SlackSettings
from .services import slack_settings_create, slack_settings_delete, slack_settings_update

SLACK_SETTINGS_ACTIONS = Actions(SlackSettings, create=slack_settings_create, update=slack_settings_update,
                                 delete=slack_settings_delete)

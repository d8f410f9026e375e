"""Integration writes, one map per model (apps/core/actions.py); create/update live in services.py."""
from apps.core.actions import Actions, transition_action

from .models import Application, Connector, IntegrationApiKey, Webhook
from .services import (
    connector_create, connector_delete, connector_update, integration_api_key_create, integration_api_key_update,
    webhook_create, webhook_update,
)

integration_api_key_revoke = transition_action(IntegrationApiKey, "revoke")
integration_api_key_expire = transition_action(IntegrationApiKey, "expire")

INTEGRATION_API_KEY_ACTIONS = Actions(IntegrationApiKey, create=integration_api_key_create,
                                      update=integration_api_key_update,
                                      transitions=(integration_api_key_revoke, integration_api_key_expire))
WEBHOOK_ACTIONS = Actions(Webhook, create=webhook_create, update=webhook_update)
CONNECTOR_ACTIONS = Actions(Connector, create=connector_create, update=connector_update, delete=connector_delete)
APPLICATION_ACTIONS = Actions(Application)

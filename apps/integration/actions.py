"""Integration writes, one map per model (apps/core/actions.py); create/update live in services.py."""
from apps.core.actions import Actions, transition_action

from .catalog import access_system_create, access_system_update, entitlement_create, entitlement_update
from .drift_services import (
    drift_finding_adopt, drift_finding_close, drift_finding_confirm_regranted, drift_finding_confirm_revoked,
    drift_finding_dismiss, drift_finding_regrant, drift_finding_regrant_failed, drift_finding_revoke,
    drift_finding_revoke_failed,
)
from .models import AccessSystem, Application, Connector, DriftFinding, Entitlement, IntegrationApiKey, Webhook
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
ACCESS_SYSTEM_ACTIONS = Actions(AccessSystem, create=access_system_create, update=access_system_update)
ENTITLEMENT_ACTIONS = Actions(Entitlement, create=entitlement_create, update=entitlement_update)
DRIFT_FINDING_ACTIONS = Actions(DriftFinding, transitions=(
    drift_finding_adopt, drift_finding_revoke, drift_finding_regrant, drift_finding_dismiss,
    drift_finding_confirm_revoked, drift_finding_confirm_regranted, drift_finding_revoke_failed,
    drift_finding_regrant_failed, drift_finding_close))

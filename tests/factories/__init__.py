"""Test data: one factory per model of the project's apps, in FACTORIES (tests/quality/test_factories.py
fails for a model without one). Rows are written through the ORM, in one tenant with their related
rows; see base.py."""
from .approvals import ApprovalChainFactory, ApprovalRequestFactory, ApprovalRuleFactory, ApprovalStepFactory
from .base import DEFAULT_TENANT, FACTORIES, register
from .core import (
    CounterFactory,
    DirectorySettingsFactory,
    EventFactory,
    GroupFactory,
    PersonFactory,
    SavedFilterFactory,
    ScimTokenFactory,
    StaffMembershipFactory,
    TenantFactory,
    UserFactory,
)
from .drift import DriftFindingFactory
from .files import AttachmentFactory
from .helpdesk_mail import ExternalRequesterFactory, InboundMessageFactory, MailSettingsFactory
from .idempotency import IdempotentRequestFactory
from .letters import LetterFactory, LetterTemplateFactory
from .helpdesk import (
    BusinessCalendarFactory,
    SLAPolicyFactory,
    TicketCommentFactory,
    TicketFactory,
)
from .integration import (
    AccessSystemFactory,
    ApplicationFactory,
    ConnectorFactory,
    EntitlementFactory,
    IntegrationApiKeyFactory,
    RateLimitCounterFactory,
    StoredSecretFactory,
    WebhookDeliveryFactory,
    WebhookFactory,
)
from .notifications import (
    FannedOutEventFactory,
    NotificationFactory,
    PreferenceFactory,
    SlackSettingsFactory,
    UsedLinkFactory,
)
from .operations import (
    AccessRequestFactory,
    EquipmentFactory,
    HRRequestFactory,
    PendingFactory,
    TravelFactory,
)
from .ops import ScheduledJobFactory
from .policies import (
    AcknowledgementCampaignFactory,
    PolicyAcknowledgementFactory,
    PolicyFactory,
    PolicyVersionFactory,
)
from .signin import IdentityProviderFactory

__all__ = [
    "ApprovalRuleFactory",
    "AccessSystemFactory",
    "DriftFindingFactory",
    "EntitlementFactory",
    "AcknowledgementCampaignFactory",
    "DEFAULT_TENANT",
    "FACTORIES",
    "AccessRequestFactory",
    "ApplicationFactory",
    "ApprovalChainFactory",
    "ApprovalRequestFactory",
    "ApprovalStepFactory",
    "AttachmentFactory",
    "LetterFactory",
    "LetterTemplateFactory",
    "BusinessCalendarFactory",
    "ConnectorFactory",
    "CounterFactory",
    "SavedFilterFactory",
    "DirectorySettingsFactory",
    "EquipmentFactory",
    "EventFactory",
    "ExternalRequesterFactory",
    "InboundMessageFactory",
    "MailSettingsFactory",
    "FannedOutEventFactory",
    "GroupFactory",
    "HRRequestFactory",
    "IdentityProviderFactory",
    "IntegrationApiKeyFactory",
    "NotificationFactory",
    "PendingFactory",
    "PersonFactory",
    "PolicyAcknowledgementFactory",
    "PolicyFactory",
    "PolicyVersionFactory",
    "PreferenceFactory",
    "RateLimitCounterFactory",
    "SLAPolicyFactory",
    "SlackSettingsFactory",
    "ScheduledJobFactory",
    "ScimTokenFactory",
    "StaffMembershipFactory",
    "StoredSecretFactory",
    "TenantFactory",
    "TicketCommentFactory",
    "TicketFactory",
    "TravelFactory",
    "UsedLinkFactory",
    "UserFactory",
    "WebhookDeliveryFactory",
    "WebhookFactory",
    "register",
]

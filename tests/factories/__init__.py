"""Test data: one factory per model of the project's apps, in FACTORIES (tests/quality/test_factories.py
fails for a model without one). Rows are written through the ORM, in one tenant with their related
rows; see base.py."""
from .approvals import ApprovalChainFactory, ApprovalRequestFactory, ApprovalRuleFactory, ApprovalStepFactory
from .base import DEFAULT_TENANT, FACTORIES, register
from .core import (
    CounterFactory,
    EventFactory,
    SavedFilterFactory,
    StaffMembershipFactory,
    TenantFactory,
    UserFactory,
)
from .directory import DirectorySettingsFactory, GroupFactory, PersonFactory, ScimTokenFactory
from .drift import DriftFindingFactory
from .files import AttachmentFactory
from .helpdesk_mail import ExternalRequesterFactory, InboundMessageFactory, MailSettingsFactory
from .idempotency import IdempotentRequestFactory
from .letters import LetterFactory, LetterTemplateFactory
from .lifecycle import (
    BirthrightRuleFactory, LifecycleSettingsFactory, OffboardingCaseFactory, OnboardingChecklistFactory,
    OffboardingItemFactory, PlannedLeaveFactory, ScheduledRevokeFactory,
)
from .helpdesk import (
    BusinessCalendarFactory,
    CannedReplyFactory,
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
from .outbox import ConsumedEventFactory, ConsumerProgressFactory
from .notifications import (
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
from .reviews import ReviewCampaignFactory, ReviewItemFactory, ReviewSettingsFactory, ReviewTallyFactory
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
    "LifecycleSettingsFactory",
    "OffboardingCaseFactory",
    "OffboardingItemFactory",
    "PlannedLeaveFactory",
    "BusinessCalendarFactory",
    "ConnectorFactory",
    "CounterFactory",
    "SavedFilterFactory",
    "DirectorySettingsFactory",
    "EquipmentFactory",
    "ConsumedEventFactory",
    "ConsumerProgressFactory",
    "EventFactory",
    "ExternalRequesterFactory",
    "InboundMessageFactory",
    "MailSettingsFactory",
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
    "CannedReplyFactory",
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

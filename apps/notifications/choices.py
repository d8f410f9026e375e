from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    SLACK = "slack"  # the tenant's Slack channel (incoming webhook), one message per event


class NotificationStatus(models.TextChoices):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # leased by a worker until leased_until
    SENT = "sent"
    FAILED = "failed"  # gave up (permanent refusal or attempts used up)
    SKIPPED = "skipped"  # turned off by the person's preferences, or no address: recorded, not sent
    DIGEST_QUEUED = "digest_queued"  # waits for the person's daily digest
    DIGESTED = "digested"  # went out inside the digest row `digest`



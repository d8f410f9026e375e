"""Signed links in emails (django.core.signing): they name the person, so the pages they open work
without a session. Decision links expire and work once (UsedLink); preference links expire later."""
from dataclasses import dataclass
from typing import ClassVar, Self

from django.conf import settings
from django.core import signing
from django.urls import reverse

DECISION_SALT = "notifications.decision"
PREFERENCES_SALT = "notifications.preferences"
ACKNOWLEDGE_SALT = "notifications.acknowledge"
REVIEW_SALT = "notifications.review"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


class SignedLink:
    """A link's fields, signed under the class's salt with each field under its short key (the keys
    are the token format: links already sent keep working as long as they stay)."""

    salt: ClassVar[str]
    max_age_setting: ClassVar[str]
    keys: ClassVar[dict[str, str]]  # field -> key in the token

    def token(self) -> str:
        return signing.dumps({key: getattr(self, name) for name, key in self.keys.items()}, salt=self.salt,
                             compress=True)

    @classmethod
    def read(cls, token: str) -> Self:
        try:
            data = signing.loads(token, salt=cls.salt, max_age=getattr(settings, cls.max_age_setting))
        except signing.SignatureExpired as exc:
            raise LinkExpired() from exc
        except signing.BadSignature as exc:
            raise LinkInvalid() from exc
        try:
            # A key added later (with a default on the class) may be absent from links sent before it.
            link = cls(**{name: data[key] for name, key in cls.keys.items() if key in data})
        except (KeyError, TypeError) as exc:
            raise LinkInvalid() from exc
        if getattr(link, "issued_at", 0) is None:  # older links: the signature's own timestamp (whole seconds)
            object.__setattr__(link, "issued_at", float(signing.b62_decode(token.rsplit(":", 2)[-2])))
        return link


@dataclass(frozen=True)
class DecisionLink(SignedLink):
    salt = DECISION_SALT
    max_age_setting = "NOTIFY_DECISION_LINK_MAX_AGE"
    keys = {"tenant_id": "t", "person_id": "p", "step_id": "s", "token_id": "j", "issued_at": "i"}

    tenant_id: str
    person_id: str
    step_id: str
    token_id: str  # the notification it was sent in: recorded in UsedLink when used
    # When it was made (epoch seconds): a change to the person's identity since then voids it.
    issued_at: float | None = None


@dataclass(frozen=True)
class PreferencesLink(SignedLink):
    salt = PREFERENCES_SALT
    max_age_setting = "NOTIFY_PREFERENCES_LINK_MAX_AGE"
    keys = {"tenant_id": "t", "person_id": "p", "kind": "k"}

    tenant_id: str
    person_id: str
    kind: str  # the kind of the email it came in (the unsubscribe page turns that kind off)


@dataclass(frozen=True)
class AcknowledgeLink(SignedLink):
    salt = ACKNOWLEDGE_SALT
    max_age_setting = "NOTIFY_PREFERENCES_LINK_MAX_AGE"
    keys = {"tenant_id": "t", "person_id": "p", "policy_id": "o", "version": "v"}

    tenant_id: str
    person_id: str
    policy_id: str
    version: str  # the version the campaign asks about: a link to a superseded version says so


@dataclass(frozen=True)
class ReviewLink(SignedLink):
    """One access review item to keep or revoke (apps/reviews/link_views.py), under the decision links' rules."""

    salt = REVIEW_SALT
    max_age_setting = "NOTIFY_DECISION_LINK_MAX_AGE"
    keys = {"tenant_id": "t", "person_id": "p", "item_id": "r", "token_id": "j", "issued_at": "i"}

    tenant_id: str
    person_id: str
    item_id: str
    token_id: str  # recorded in UsedLink when used: one per item of the e-mail
    issued_at: float | None = None


def absolute(path: str) -> str:
    return settings.NOTIFY_BASE_URL.rstrip("/") + path


def decision_url(link: DecisionLink) -> str:
    return absolute(reverse("notifications:decide", args=[link.token()]))


def read_decision(token: str) -> DecisionLink:
    return DecisionLink.read(token)


def unsubscribe_url(link: PreferencesLink) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[link.token()]))


def preferences_url(link: PreferencesLink) -> str:
    return absolute(reverse("notifications:preferences", args=[link.token()]))


def read_preferences(token: str) -> PreferencesLink:
    return PreferencesLink.read(token)


def acknowledge_url(link: AcknowledgeLink) -> str:
    return absolute(reverse("notifications:acknowledge", args=[link.token()]))


def read_acknowledge(token: str) -> AcknowledgeLink:
    return AcknowledgeLink.read(token)

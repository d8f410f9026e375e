"""Signed links in emails (django.core.signing): they name the person, so the pages they open work
without a session. Decision links expire and work once (UsedLink); preference links expire later."""
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

DECISION_SALT = "notifications.decision"
PREFERENCES_SALT = "notifications.preferences"
ACKNOWLEDGE_SALT = "notifications.acknowledge"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True)
class DecisionLink:
    tenant_id: str
    person_id: str
    step_id: str
    token_id: str  # the notification it was sent in: recorded in UsedLink when used


@dataclass(frozen=True)
class PreferencesLink:
    tenant_id: str
    person_id: str
    kind: str  # the kind of the email it came in (the unsubscribe page turns that kind off)


@dataclass(frozen=True)
class AcknowledgeLink:
    tenant_id: str
    person_id: str
    policy_id: str
    version: str  # the version the campaign asks about: a link to a superseded version says so


def absolute(path: str) -> str:
    return settings.NOTIFY_BASE_URL.rstrip("/") + path


def _load(token: str, *, salt: str, max_age: int) -> dict:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired() from exc
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc


def decision_url(link: DecisionLink) -> str:
    token = signing.dumps({"t": link.tenant_id, "p": link.person_id, "s": link.step_id, "j": link.token_id},
                          salt=DECISION_SALT, compress=True)
    return absolute(reverse("notifications:decide", args=[token]))


def read_decision(token: str) -> DecisionLink:
    data = _load(token, salt=DECISION_SALT, max_age=settings.NOTIFY_DECISION_LINK_MAX_AGE)
    try:
        return DecisionLink(tenant_id=data["t"], person_id=data["p"], step_id=data["s"], token_id=data["j"])
    except (KeyError, TypeError) as exc:
        raise LinkInvalid() from exc


def _preferences_token(link: PreferencesLink) -> str:
    return signing.dumps({"t": link.tenant_id, "p": link.person_id, "k": link.kind}, salt=PREFERENCES_SALT, compress=True)


def unsubscribe_url(link: PreferencesLink) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[_preferences_token(link)]))


def preferences_url(link: PreferencesLink) -> str:
    return absolute(reverse("notifications:preferences", args=[_preferences_token(link)]))


def read_preferences(token: str) -> PreferencesLink:
    data = _load(token, salt=PREFERENCES_SALT, max_age=settings.NOTIFY_PREFERENCES_LINK_MAX_AGE)
    try:
        return PreferencesLink(tenant_id=data["t"], person_id=data["p"], kind=data["k"])
    except (KeyError, TypeError) as exc:
        raise LinkInvalid() from exc


def acknowledge_url(link: AcknowledgeLink) -> str:
    token = signing.dumps({"t": link.tenant_id, "p": link.person_id, "o": link.policy_id, "v": link.version},
                          salt=ACKNOWLEDGE_SALT, compress=True)
    return absolute(reverse("notifications:acknowledge", args=[token]))


def read_acknowledge(token: str) -> AcknowledgeLink:
    data = _load(token, salt=ACKNOWLEDGE_SALT, max_age=settings.NOTIFY_PREFERENCES_LINK_MAX_AGE)
    try:
        return AcknowledgeLink(tenant_id=data["t"], person_id=data["p"], policy_id=data["o"], version=data["v"])
    except (KeyError, TypeError) as exc:
        raise LinkInvalid() from exc

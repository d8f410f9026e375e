"""The SCIM connector against a real SCIM server on 127.0.0.1 (scim2-server): found or created users,
membership by PATCH, provider quirks as configuration, faults mapped to ConnectorError."""
import pytest

from apps.integration.connectors.base import ConnectorError, PersonRef
from apps.integration.connectors.scim import ScimConnector

ALICE = PersonRef(person_id="per_alice", user_name="alice@acme.invalid", email="alice@acme.invalid",
                  display_name="Alice Liddell", given_name="Alice", family_name="Liddell")
BOB = PersonRef(person_id="per_bob", user_name="bob@acme.invalid")


def connector(target, timeout=5.0, **config):
    return ScimConnector(config={"base_url": target.url, **config}, secrets={"token": target.token}, timeout=timeout)


def test_grant_creates_the_missing_user_and_adds_the_membership(scim_target):
    group = scim_target.create_group("engineering")
    scim = connector(scim_target)
    assert scim.verify(person=ALICE, entitlement=group) is False

    account = scim.grant(person=ALICE, entitlement=group)

    user = scim_target.user("alice@acme.invalid")
    assert user["externalId"] == "per_alice" and user["name"]["familyName"] == "Liddell"
    assert account.external_id == user["id"]
    assert scim_target.member_names(group) == {"alice@acme.invalid"}
    assert scim.verify(person=ALICE, entitlement=group) is True
    assert list(scim.list_memberships(group)) == ["alice@acme.invalid"]


def test_grant_and_revoke_are_idempotent_and_find_existing_users(scim_target):
    group = scim_target.create_group("finance")
    existing = scim_target.create_user("bob@acme.invalid")
    scim = connector(scim_target)
    scim.grant(person=BOB, entitlement=group)
    scim.grant(person=BOB, entitlement=group)
    assert [u["id"] for u in scim_target.users()] == [existing]
    assert scim_target.member_names(group) == {"bob@acme.invalid"}

    scim.revoke(person=BOB, entitlement=group)
    scim.revoke(person=BOB, entitlement=group)
    scim.revoke(person=ALICE, entitlement=group)  # no account at all: nothing to remove
    assert scim_target.member_names(group) == set()
    assert scim.verify(person=BOB, entitlement=group) is False


@pytest.mark.parametrize("quirks", [
    {"patch_op_case": "title", "membership_check": "read"},
    {"match_by": "externalId"},
])
def test_provider_quirks_are_configuration(scim_target, quirks):
    group = scim_target.create_group("quirky")
    scim = connector(scim_target, **quirks)
    scim.grant(person=ALICE, entitlement=group)
    assert scim.verify(person=ALICE, entitlement=group)
    scim.revoke(person=ALICE, entitlement=group)
    assert scim_target.member_names(group) == set()
    assert not scim.verify(person=ALICE, entitlement=group)
    patches = [path for method, path in scim_target.requests if method == "PATCH"]
    assert len(patches) == 2


def test_the_value_style_remove_is_for_providers_that_want_it(scim_target):
    """Okta and Entra send `remove` with a value list; an RFC-strict target refuses that with a 400,
    which is the configuration's fault: not retryable, and the membership stays."""
    group = scim_target.create_group("strict")
    scim = connector(scim_target, remove_style="value")
    scim.grant(person=ALICE, entitlement=group)
    with pytest.raises(ConnectorError) as failure:
        scim.revoke(person=ALICE, entitlement=group)
    assert failure.value.status == 400 and not failure.value.retryable
    assert scim.verify(person=ALICE, entitlement=group)


def test_list_accounts_pages_through_the_target(scim_target):
    for n in range(7):
        scim_target.create_user(f"user{n}@acme.invalid")
    accounts = list(connector(scim_target, page_size=3).list_accounts())
    assert sorted(a.user_name for a in accounts) == [f"user{n}@acme.invalid" for n in range(7)]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_retryable(scim_target, status):
    group = scim_target.create_group("g")
    scim_target.fail_next(status)
    with pytest.raises(ConnectorError) as failure:
        connector(scim_target).grant(person=ALICE, entitlement=group)
    assert failure.value.retryable and failure.value.status == status
    assert f"HTTP {status}" in str(failure.value)


def test_client_errors_are_not_retryable(scim_target):
    with pytest.raises(ConnectorError) as failure:
        connector(scim_target).grant(person=ALICE, entitlement="no-such-group")
    assert failure.value.status == 404 and not failure.value.retryable
    assert "not found" in str(failure.value)


def test_a_wrong_token_is_a_401_that_never_shows_the_token(scim_target):
    scim = ScimConnector(config={"base_url": scim_target.url}, secrets={"token": "wrong-token-s3cr3t"}, timeout=5)
    with pytest.raises(ConnectorError) as failure:
        scim.verify(person=ALICE, entitlement="g")
    assert failure.value.status == 401 and not failure.value.retryable
    assert "s3cr3t" not in str(failure.value) and scim_target.token not in str(failure.value)


def test_a_target_that_is_down_or_slow_is_retryable(scim_target):
    group = scim_target.create_group("g")
    scim_target.delay = 0.5
    with pytest.raises(ConnectorError) as slow:
        connector(scim_target, timeout=0.1).grant(person=ALICE, entitlement=group)
    assert slow.value.retryable and "timeout" in str(slow.value)
    scim_target.delay = 0
    scim_target.stop()
    with pytest.raises(ConnectorError) as down:
        connector(scim_target).grant(person=ALICE, entitlement=group)
    assert down.value.retryable and "cannot connect" in str(down.value)
    scim_target.start()
    connector(scim_target).grant(person=ALICE, entitlement=group)
    assert scim_target.member_names(group) == {"alice@acme.invalid"}


@pytest.mark.parametrize("body", [b"<html>proxy login</html>", b"[1, 2]", b'{"Resources": "nope"}', b'{"Resources": [{}]}'])
def test_a_malformed_body_is_a_connector_error(scim_target, body):
    scim_target.fail_next(200, body=body)
    with pytest.raises(ConnectorError) as failure:
        connector(scim_target).verify(person=ALICE, entitlement="g")
    assert "SCIM" in str(failure.value)


@pytest.mark.parametrize("config, secrets, message", [
    ({}, {"token": "t"}, "base_url"),
    ({"base_url": "http://127.0.0.1:9/v2", "patch_op_case": "upper"}, {"token": "t"}, "patch_op_case"),
    ({"base_url": "http://127.0.0.1:9/v2", "colour": "red"}, {"token": "t"}, "unknown config colour"),
    ({"base_url": "http://127.0.0.1:9/v2"}, {}, "token"),
    ({"base_url": "http://127.0.0.1:9/v2", "auth": "basic"}, {"username": "u"}, "password"),
])
def test_bad_configuration_is_refused_up_front(config, secrets, message):
    with pytest.raises(ConnectorError) as failure:
        ScimConnector(config=config, secrets=secrets, timeout=1)
    assert message in str(failure.value) and not failure.value.retryable

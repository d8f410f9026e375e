"""The LDAP connector against a real slapd: reads, grant/revoke/verify, AD-style memberOf, errors."""
import pytest

from apps.integration.connectors.base import CONNECTOR_TYPES, ConnectorError, PersonRef
from apps.integration.connectors.ldap import LdapConnector


def person(uid: str) -> PersonRef:
    return PersonRef(person_id=f"per_{uid}", user_name=uid, email=f"{uid}@acme.invalid")


def connector(tree, **overrides) -> LdapConnector:
    return LdapConnector(config=tree.config(**overrides), secrets=tree.secrets(), timeout=5)


def test_registered_as_the_ldap_type():
    assert CONNECTOR_TYPES["ldap"] is LdapConnector


def test_lists_accounts_under_the_base_and_a_groups_members(ldap_tree):
    with connector(ldap_tree, page_size=2) as ldap:
        accounts = {a.user_name: a.external_id for a in ldap.list_accounts()}
        assert accounts == {uid: ldap_tree.user_dn(uid) for uid in ("alice", "bob", "carol", "dave")}
        # the placeholder member (outside the people OU) is not reported
        assert sorted(ldap.list_memberships(ldap_tree.group_dn("engineering"))) == ["alice", "bob"]
        assert list(ldap.list_memberships(ldap_tree.group_dn("finance"))) == ["carol"]


def test_grant_adds_the_dn_idempotently_and_verify_reads_it_back(ldap_tree):
    group = ldap_tree.group_dn("finance")
    with connector(ldap_tree) as ldap:
        assert ldap.verify(person=person("dave"), entitlement=group) is False
        account = ldap.grant(person=person("dave"), entitlement=group)
        assert account.external_id == ldap_tree.user_dn("dave")
        ldap.grant(person=person("dave"), entitlement=group)  # already a member: success, no duplicate
        assert ldap.verify(person=person("dave"), entitlement=group) is True
    assert ldap_tree.user_dn("dave") in ldap_tree.members("finance")


def test_revoke_removes_the_dn_idempotently(ldap_tree):
    group = ldap_tree.group_dn("engineering")
    with connector(ldap_tree) as ldap:
        ldap.revoke(person=person("bob"), entitlement=group)
        ldap.revoke(person=person("bob"), entitlement=group)  # absent already: success
        ldap.revoke(person=person("nobody"), entitlement=group)  # no account: nothing holds it
        assert ldap.verify(person=person("bob"), entitlement=group) is False
    assert ldap_tree.user_dn("bob") not in ldap_tree.members("engineering")
    assert ldap_tree.user_dn("alice") in ldap_tree.members("engineering")


def test_unique_member_groups(ldap_tree):
    group = ldap_tree.group_dn("wiki")
    with connector(ldap_tree, member_attribute="uniqueMember") as ldap:
        assert list(ldap.list_memberships(group)) == ["dave"]
        ldap.grant(person=person("alice"), entitlement=group)
        assert ldap.verify(person=person("alice"), entitlement=group)
        assert sorted(ldap.list_memberships(group)) == ["alice", "dave"]
        ldap.revoke(person=person("dave"), entitlement=group)
        assert list(ldap.list_memberships(group)) == ["alice"]


def test_memberof_reads_stream_from_the_accounts(ldap_tree):
    """AD-style: membership read from the accounts' memberOf (OpenLDAP's memberof overlay maintains it)."""
    group = ldap_tree.group_dn("engineering")
    with connector(ldap_tree, membership_read="memberOf", page_size=1) as ldap:
        assert sorted(ldap.list_memberships(group)) == ["alice", "bob"]
        ldap.grant(person=person("carol"), entitlement=group)
        assert sorted(ldap.list_memberships(group)) == ["alice", "bob", "carol"]


def test_members_named_by_another_attribute_are_read(ldap_tree):
    """user_attribute other than the RDN (e.g. mail): each member DN is read for it."""
    with connector(ldap_tree, user_attribute="mail") as ldap:
        assert sorted(ldap.list_memberships(ldap_tree.group_dn("engineering"))) == ["alice@acme.invalid",
                                                                                    "bob@acme.invalid"]
        ldap.grant(person=PersonRef(person_id="per_c", user_name="carol@acme.invalid"),
                   entitlement=ldap_tree.group_dn("engineering"))
    assert ldap_tree.user_dn("carol") in ldap_tree.members("engineering")


def test_unknown_account_and_group_are_not_retryable_errors(ldap_tree):
    with connector(ldap_tree) as ldap:
        with pytest.raises(ConnectorError) as missing_user:
            ldap.grant(person=person("zed"), entitlement=ldap_tree.group_dn("finance"))
        assert not missing_user.value.retryable and "uid=zed" in str(missing_user.value)
        with pytest.raises(ConnectorError) as missing_group:
            ldap.grant(person=person("alice"), entitlement=f"cn=nope,{ldap_tree.groups}")
        assert not missing_group.value.retryable and missing_group.value.status == 32


def test_a_wrong_password_is_an_error_without_the_password(ldap_tree):
    ldap = LdapConnector(config=ldap_tree.config(), secrets={"bind_password": "wrong-pass-123"}, timeout=5)
    with pytest.raises(ConnectorError) as exc:
        list(ldap.list_memberships(ldap_tree.group_dn("finance")))
    assert not exc.value.retryable and exc.value.status == 49
    assert "wrong-pass-123" not in str(exc.value) and ldap_tree.server.password not in str(exc.value)


def test_the_password_comes_only_from_secrets(ldap_tree):
    with pytest.raises(ConnectorError, match="secret store"):
        LdapConnector(config={**ldap_tree.config(), "bind_password": ldap_tree.server.password}, secrets={})


def test_a_down_server_is_a_retryable_error(ldap_tree):
    ldap_tree.server.stop()
    with pytest.raises(ConnectorError) as exc:
        connector(ldap_tree).verify(person=person("alice"), entitlement=ldap_tree.group_dn("finance"))
    assert exc.value.retryable and "could not be reached" in str(exc.value)

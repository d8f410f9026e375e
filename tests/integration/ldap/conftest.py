"""A real OpenLDAP `slapd` on a free 127.0.0.1 port, from a temporary config directory, for the session
(one per xdist worker); each test gets its own organisational unit with a few users and groups
(tests/integration/ldap/server.py).

Skips with the reason only where slapd is not installed (`make test` and `.ci/run` install the Debian
packages `slapd` and `ldap-utils` as root)."""
import os

import pytest

from tests.integration.ldap.server import SLAPD, new_tree, slapd_running


@pytest.fixture(scope="session")
def slapd_server():
    if not os.path.exists(SLAPD):
        pytest.skip("OpenLDAP slapd is not installed (Debian package `slapd`; `make test` installs it as root)")
    with slapd_running() as server:
        yield server


@pytest.fixture
def ldap_tree(slapd_server):
    if slapd_server.process.poll() is not None:  # a test stopped it
        slapd_server.start(slapd_server.conf)
    tree = new_tree(slapd_server)
    with slapd_server.connection() as conn:
        for uid in ("alice", "bob", "carol", "dave"):
            tree.add_user(uid, conn)
    tree.add_group("engineering", ["alice", "bob"])
    tree.add_group("finance", ["carol"])
    tree.add_group("wiki", ["dave"], unique=True)
    yield tree
    if slapd_server.process.poll() is not None:
        slapd_server.start(slapd_server.conf)
